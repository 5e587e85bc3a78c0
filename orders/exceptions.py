"""Domain errors of checkout, orders and payments.

Mapped to HTTP status codes once, in orders/apis.py (and to form errors in
orders/views.py).
"""

from __future__ import annotations

from typing import Any


class OrdersError(Exception):
    """Base class of every orders-domain error."""

    code = "orders_error"

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.details = details


class InvalidTransition(OrdersError):
    """This status change is not allowed."""

    code = "invalid_transition"


class CheckoutInvalid(OrdersError):
    """The checkout request is not valid."""

    code = "invalid"


class EmptyCart(CheckoutInvalid):
    """The cart is empty."""

    code = "empty_cart"


class UnknownShippingMethod(CheckoutInvalid):
    """Unknown shipping method."""

    code = "unknown_shipping_method"


class ShippingNotAvailable(CheckoutInvalid):
    """This shipping method does not ship to the destination country."""

    code = "shipping_not_available"


class CartNotFound(CheckoutInvalid):
    """Cart not found."""

    code = "cart_not_found"


class StaleCart(OrdersError):
    """Prices or stock changed since the cart was filled.

    details["lines"]: [{"sku", "reason", "cart_price", "current_price",
    "quantity", "available"}]
    """

    code = "stale_cart"


class PaymentDeclined(OrdersError):
    """The payment was declined."""

    code = "payment_declined"


class PaymentError(OrdersError):
    """A payment operation could not be performed (e.g. nothing to capture)."""

    code = "payment_error"


class IdempotencyConflict(OrdersError):
    """This Idempotency-Key was already used with a different request."""

    code = "idempotency_conflict"


class IdempotencyInProgress(OrdersError):
    """A request with this Idempotency-Key is still being processed."""

    code = "idempotency_in_progress"
