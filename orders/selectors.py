"""Reads of orders, shipping methods and tax rates."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from shop.models import Cart
from shop.selectors import cart_totals

from .models import Order, OrderEvent, OrderLine, ShippingMethod, TaxRate
from .pricing import Totals, totals_compute


def shipping_method_list() -> QuerySet[ShippingMethod]:
    return ShippingMethod.objects.filter(is_active=True)


def shipping_method_get(*, code: str) -> ShippingMethod | None:
    if not isinstance(code, str) or not code:
        return None
    return ShippingMethod.objects.filter(code=code, is_active=True).first()


def tax_rate_for(*, country: str) -> Decimal:
    rate = (
        TaxRate.objects.filter(country=(country or "").upper())
        .values_list("rate", flat=True)
        .first()
    )
    return rate if rate is not None else Decimal("0")


def checkout_totals(*, cart: Cart, method: ShippingMethod, country: str) -> Totals:
    """The order's totals for a cart: the cart's subtotal (shop.selectors.cart_totals,
    the one used by the cart page and the API) plus shipping and tax. The review
    step shows exactly what checkout charges, because both ask here."""
    return totals_compute(
        subtotal=cart_totals(cart=cart)["subtotal"],
        method=method,
        tax_rate=tax_rate_for(country=country),
        prices_include_tax=settings.PRICES_INCLUDE_TAX,
    )


def _order_detail_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("shipping_method", "payment").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch(
            "events",
            queryset=OrderEvent.objects.order_by("created_at", "id"),
        ),
    )


def order_list_for_customer(*, user) -> QuerySet[Order]:
    if user is None or not user.is_authenticated:
        return Order.objects.none()
    return (
        Order.objects.filter(user=user)
        .select_related("shipping_method")
        .prefetch_related("lines")
        .order_by("-placed_at", "-id")
    )


def order_get_for_customer(
    *, number: str, user=None, access_token: str | None = None
) -> Order | None:
    """The order if the caller may see it: its signed-in owner, or anyone with
    its access token (compared in constant time). Otherwise None (→ 404)."""
    if not isinstance(number, str) or not number:
        return None
    order = _order_detail_queryset().filter(number=number.upper()).first()
    if order is None:
        return None
    if user is not None and user.is_authenticated and order.user_id == user.pk:
        return order
    if isinstance(access_token, str) and access_token and secrets.compare_digest(
        access_token.encode(), order.access_token.encode()
    ):
        return order
    return None
