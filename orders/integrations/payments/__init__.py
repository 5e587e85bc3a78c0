"""Payment gateways. `get_gateway()` returns the one named by PAYMENT_GATEWAY."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import (
    GatewayError,
    GatewayResult,
    GatewayUnavailable,
    PaymentGateway,
)

GATEWAYS = {
    "test": "orders.integrations.payments.test_gateway.TestGateway",
}


def get_gateway(name: str | None = None) -> PaymentGateway:
    """Return the configured gateway (a dotted path is accepted too)."""
    name = name or getattr(settings, "PAYMENT_GATEWAY", "test") or "test"
    return import_string(GATEWAYS.get(name, name))()


__all__ = [
    "GatewayError",
    "GatewayResult",
    "GatewayUnavailable",
    "PaymentGateway",
    "get_gateway",
]
