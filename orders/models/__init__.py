"""Orders, payments, shipping methods, tax rules and checkout idempotency keys.

The models live in `orders.models.orders` and `orders.models.payments`; the
defaults below stay here, where the migrations name them.
"""

from __future__ import annotations

import secrets

from django.conf import settings

# Crockford-style alphabet without 0/O, 1/I/L and U: readable over the phone.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_LENGTH = 8


def order_number_generate() -> str:
    """Return a fresh human-friendly order number such as SC-7K2MXQ9D."""
    body = "".join(
        secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH)
    )
    return f"SC-{body}"


def _access_token() -> str:
    return secrets.token_urlsafe(32)


def _currency_default() -> str:
    return settings.STORE_CURRENCY


from .documents import OrderDocument  # noqa: E402
from .orders import (  # noqa: E402
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    ShippingMethod,
    TaxRate,
)
from .payments import CheckoutIdempotencyKey, Payment, PaymentTransaction  # noqa: E402
from .refunds import Refund, RefundLine  # noqa: E402
from .returns import ReturnLine, ReturnRequest  # noqa: E402

__all__ = [
    "CheckoutIdempotencyKey",
    "Order",
    "OrderDiscount",
    "OrderDocument",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "PaymentTransaction",
    "Refund",
    "RefundLine",
    "ReturnLine",
    "ReturnRequest",
    "ShippingMethod",
    "TaxRate",
    "order_number_generate",
]
