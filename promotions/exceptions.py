"""Why a voucher cannot be used; each code maps to an HTTP status once, in
`promotions.apis.VOUCHER_ERROR_STATUS` (and in `orders.apis.ERROR_STATUS` for
checkout)."""

from __future__ import annotations

from typing import Any


class VoucherError(Exception):
    """This code cannot be used."""

    code = "voucher_invalid"
    field = "code"

    def __init__(self, message: str = "", **details: Any) -> None:
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        super().__init__(self.message)
        self.details = details


class VoucherNotFound(VoucherError):
    """This code is not valid."""

    code = "voucher_not_found"


class VoucherExpired(VoucherError):
    """This code is no longer valid."""

    code = "voucher_expired"


class VoucherNotStarted(VoucherError):
    """This code is not valid yet."""

    code = "voucher_not_started"


class VoucherMinSubtotal(VoucherError):
    """Your cart does not reach this code's minimum subtotal."""

    code = "voucher_min_subtotal"


class VoucherNotApplicable(VoucherError):
    """This code does not apply to anything in your cart."""

    code = "voucher_not_applicable"


class VoucherAlreadyUsed(VoucherError):
    """You have already used this code."""

    code = "voucher_already_used"


class VoucherExhausted(VoucherError):
    """This code has been used up."""

    code = "voucher_exhausted"


class VoucherAttemptsExceeded(VoucherError):
    """Too many voucher codes tried. Please wait a while and try again."""

    code = "voucher_attempts_exceeded"

    def __init__(self, message: str = "", *, retry_after: int = 1) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


VOUCHER_ERRORS: tuple[type[VoucherError], ...] = (
    VoucherNotFound,
    VoucherExpired,
    VoucherNotStarted,
    VoucherMinSubtotal,
    VoucherNotApplicable,
    VoucherAlreadyUsed,
    VoucherExhausted,
    VoucherAttemptsExceeded,
)
