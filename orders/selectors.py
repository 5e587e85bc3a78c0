"""Reads of orders, shipping methods and tax rates."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from promotions.selectors import CartPromotions, cart_promotions
from securecart.query_plans import QueryPlan
from shop.models import Cart
from shop.selectors import cart_totals

from .lookup import lookup_mark_matches, lookup_token_number
from .milestones import customer_timeline
from .models import Order, OrderEvent, OrderLine, ShippingMethod, TaxRate
from .pricing import Totals, totals_compute
from .tracking import OrderTracking, token_matches, tracking_from_order
from .tracking_table import item_get

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaleRevenue:
    orders: int
    revenue: Decimal  # the lines' totals less their discounts (sale and voucher)


NOT_REVENUE = (Order.Status.CANCELLED, Order.Status.REFUNDED)


def sale_revenue(*, sale_ids: Iterable[int]) -> dict[int, SaleRevenue]:
    """Orders and revenue per sale, from the order lines each sale priced (one
    query). Cancelled and refunded orders are not revenue; a sale without
    lines is absent from the answer."""
    rows = (
        OrderLine.objects.filter(sale_id__in=list(sale_ids))
        .exclude(order__status__in=NOT_REVENUE)
        .values("sale_id")
        .annotate(
            orders=Count("order_id", distinct=True),
            revenue=Sum(F("line_total") - F("discount_total")),
        )
        .order_by()
    )
    return {
        row["sale_id"]: SaleRevenue(orders=row["orders"], revenue=row["revenue"])
        for row in rows
    }


def shipping_method_list(*, country: str | None = None) -> list[ShippingMethod]:
    """Active methods, only those that ship to `country` when one is given."""
    methods = list(ShippingMethod.objects.filter(is_active=True))
    if country is None:
        return methods
    return [method for method in methods if method.ships_to(country)]


# Read at every checkout: compiled once per process (securecart.query_plans).
_SHIPPING_METHOD = QueryPlan(
    ShippingMethod,
    lambda code: ShippingMethod.objects.filter(code=code, is_active=True).order_by(
        "pk"
    )[:1],
    code=str,
)
_TAX_RATE = QueryPlan(
    TaxRate,
    lambda country: (
        TaxRate.objects.filter(country=country).only("rate").order_by("country")[:1]
    ),
    country=str,
)


def shipping_method_get(*, code: str) -> ShippingMethod | None:
    if not isinstance(code, str) or not code:
        return None
    return _SHIPPING_METHOD.first(code=code)


def tax_rate_for(*, country: str) -> Decimal:
    found = _TAX_RATE.first(country=(country or "").upper())
    return found.rate if found is not None else Decimal("0")


def checkout_totals(
    *,
    cart: Cart,
    method: ShippingMethod,
    country: str,
    offer: CartPromotions | None = None,
) -> Totals:
    """The order's totals for a cart: the cart's subtotal (shop.selectors.cart_totals,
    the one used by the cart page and the API), less its sales and voucher
    (promotions.selectors.cart_promotions, unless `offer` is given), plus shipping
    and tax. The review step shows exactly what checkout charges, because both ask
    here."""
    if offer is None:
        offer = cart_promotions(cart=cart)
    return totals_compute(
        subtotal=cart_totals(cart=cart)["subtotal"],
        method=method,
        tax_rate=tax_rate_for(country=country),
        prices_include_tax=settings.PRICES_INCLUDE_TAX,
        pricing=offer.pricing,
    )


def _order_detail_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("shipping_method", "payment").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        "discounts",
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
        .prefetch_related("lines", "discounts")
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
    if (
        isinstance(access_token, str)
        and access_token
        and secrets.compare_digest(access_token.encode(), order.access_token.encode())
    ):
        return order
    return None


@dataclass(frozen=True)
class Milestone:
    """One entry of the customer's timeline: plain words and when."""

    words: str
    at: datetime


def order_customer_timeline(*, tracking: OrderTracking) -> list[Milestone]:
    """What the customer sees of the order's timeline (orders.milestones): the
    milestones it reached, each once, never fraud checks, stock moves or staff
    notes. From the tracking view, whichever store it came from (no query)."""
    moves = [(m.status, m.at) for m in tracking.milestones]
    return [Milestone(words=words, at=at) for words, at in customer_timeline(moves)]


def order_get_for_lookup(*, number: str, email: str) -> Order | None:
    """The order with this number placed with this email address (any case), or
    None: "find my order" answers by email only, never on the page."""
    if not (isinstance(number, str) and isinstance(email, str) and number and email):
        return None
    return (
        Order.objects.filter(number=number.strip().upper(), email__iexact=email.strip())
        .only("id", "number", "email", "access_token", "user_id")
        .first()
    )


def order_get_for_lookup_link(*, token: str) -> Order | None:
    """The order a "find my order" link names, if the link is genuine, unexpired
    and was made for the order's current email address; else None."""
    named = lookup_token_number(token=token) if isinstance(token, str) else None
    if named is None:
        return None
    number, mark = named
    order = (
        Order.objects.filter(number=number)
        .only("id", "number", "email", "access_token")
        .first()
    )
    if order is None or not lookup_mark_matches(
        number=order.number, email=order.email, mark=mark
    ):
        return None
    return order


def order_tracking_for_customer(
    *, number: str, user=None, access_token: str | None = None
) -> OrderTracking | None:
    """The tracking view of an order for its owner or a holder of its access token,
    else None (→ 404). With ORDER_TRACKING_STORE=dynamodb a projected order is read
    from DynamoDB alone (the token checked against its stored hash); an order the
    projection lacks yet (just placed) or an unreachable table falls back to the
    database, logged."""
    if not isinstance(number, str) or not number:
        return None
    if settings.ORDER_TRACKING_STORE == "dynamodb":
        try:
            projected = item_get(number.upper())
        except Exception as exc:
            projected = None
            logger.warning(
                "order tracking table unreadable", extra={"error": repr(exc)}
            )
        if projected is not None:
            owner = (
                user is not None
                and projected.user_id is not None
                and user.is_authenticated
                and user.pk == projected.user_id
            )
            if owner or token_matches(access_token, projected.token_hash):
                return projected.tracking
            return None
        logger.info("order tracking miss", extra={"order_number": number.upper()})
    order = order_get_for_customer(number=number, user=user, access_token=access_token)
    return tracking_from_order(order) if order is not None else None


# --- staff views (operations dashboard, reconcile) -------------------------------
def order_list_stuck(
    *, minutes: int | None = None, now: datetime | None = None
) -> QuerySet[Order]:
    """Orders in placed/processing for longer than `minutes` (oldest first).

    `minutes` defaults to STUCK_ORDER_MINUTES; used by reconcile and the dashboard.
    """
    minutes = settings.STUCK_ORDER_MINUTES if minutes is None else minutes
    cutoff = (now or timezone.now()) - timedelta(minutes=minutes)
    return Order.objects.filter(
        status__in=(Order.Status.PLACED, Order.Status.PROCESSING),
        status_changed_at__lt=cutoff,
    ).order_by("status_changed_at", "pk")


def order_totals_since(*, start: datetime) -> list[dict[str, Any]]:
    """Count and revenue of orders placed since `start`, per currency (one query).

    Cancelled orders are not revenue and are left out.
    """
    return [
        dict(row)
        for row in Order.objects.filter(placed_at__gte=start)
        .exclude(status=Order.Status.CANCELLED)
        .values("currency")
        .annotate(count=Count("id"), revenue=Sum("total"))
        .order_by("currency")
    ]


def order_counts_by_hour(*, start: datetime, end: datetime) -> dict[datetime, int]:
    """Orders placed in [start, end) per hour (hours without orders are absent)."""
    rows = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .annotate(hour=TruncHour("placed_at"))
        .values("hour")
        .annotate(count=Count("id"))
        .order_by("hour")
    )
    return {row["hour"]: row["count"] for row in rows}


def order_counts_by_status() -> list[dict[str, Any]]:
    """Every status with its label and how many orders are in it (one query)."""
    counts = dict(
        Order.objects.values_list("status").annotate(count=Count("id")).order_by()
    )
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Order.Status.choices
    ]


def order_list_on_hold(*, limit: int) -> list[Order]:
    """Orders waiting on staff (fraud holds), longest waiting first."""
    return list(
        Order.objects.filter(status=Order.Status.ON_HOLD)
        .only(
            "id",
            "number",
            "status_changed_at",
            "total",
            "currency",
            "risk_score",
            "risk_reasons",
            "email",
        )
        .order_by("status_changed_at")[:limit]
    )
