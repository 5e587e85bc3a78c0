"""The payment gateway interface: authorise, capture, void, refund.

Card data never reaches the app: the browser (a real gateway's hosted field)
turns the card into a single-use token, and the gateway answers with opaque
references. A decline is a normal result (`succeeded=False`); a transient
failure (timeout, 5xx) raises `GatewayUnavailable` so callers can retry with
the same idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class GatewayError(Exception):
    """The gateway could not be reached or answered with an error."""


class GatewayUnavailable(GatewayError):
    """A transient failure: retrying the same call later may succeed."""


@dataclass(frozen=True)
class GatewayResult:
    succeeded: bool
    reference: str = ""
    amount: Decimal = Decimal("0.00")
    error: str = ""
    # Only for authorisations:
    risk_level: str = "normal"  # normal / elevated / highest
    fingerprint: str = ""


class PaymentGateway(Protocol):
    name: str

    def authorise(
        self, *, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def capture(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def void(self, *, reference: str, idempotency_key: str) -> GatewayResult: ...

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult: ...
