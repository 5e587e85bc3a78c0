"""Reads for staff reports: the sales report and the staff's view of a customer
(used by the dashboard app's pages)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from .models import Order, OrderLine


# --- sales report (staff) ----------------------------------------------------------
def _sales_orders(*, start: date, end: date, currency: str) -> QuerySet[Order]:
    """Orders placed on days start..end (inclusive, shop time zone), not cancelled."""
    return Order.objects.filter(
        placed_at__date__gte=start, placed_at__date__lte=end, currency=currency
    ).exclude(status=Order.Status.CANCELLED)


def sales_by_day(*, start: date, end: date, currency: str) -> list[dict[str, Any]]:
    """Per day: orders, units and revenue (totals less refunds); days without
    sales are present with zeros. Two queries."""
    orders = _sales_orders(start=start, end=end, currency=currency)
    totals: dict[date, dict[str, Any]] = {
        row["day"]: dict(row)
        for row in orders.annotate(day=TruncDate("placed_at"))
        .values("day")
        .annotate(
            orders=Count("id"),
            gross=Sum("total"),
            refunded=Sum(Coalesce("payment__refunded_amount", Decimal("0"))),
        )
        .order_by()
    }
    units = dict(
        OrderLine.objects.filter(order__in=orders)
        .annotate(day=TruncDate("order__placed_at"))
        .values_list("day")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    days = []
    day = start
    while day <= end:
        row = totals.get(day, {})
        gross = row.get("gross") or Decimal("0.00")
        days.append(
            {
                "day": day,
                "orders": row.get("orders", 0),
                "units": units.get(day, 0),
                "revenue": gross - (row.get("refunded") or Decimal("0.00")),
            }
        )
        day += timedelta(days=1)
    return days


def sales_by_category(*, start: date, end: date, currency: str) -> list[dict[str, Any]]:
    """Per category of the products sold: orders, units and line revenue (after
    line discounts), largest first. One query."""
    lines = OrderLine.objects.filter(
        order__in=_sales_orders(start=start, end=end, currency=currency)
    )
    return [
        {
            "category": row["variant__product__category__name"],
            "orders": row["orders"],
            "units": row["units"],
            "revenue": row["revenue"] - row["discounts"],
        }
        for row in lines.values("variant__product__category__name")
        .annotate(
            orders=Count("order_id", distinct=True),
            units=Sum("quantity"),
            revenue=Sum("line_total"),
            discounts=Sum("discount_total"),
        )
        .order_by("-revenue")
    ]


# --- staff's view of a customer ------------------------------------------------------
def _customer_orders(*, user) -> QuerySet[Order]:
    """The customer's orders: placed signed in, or as a guest with their address."""
    mine = Q(user=user)
    if user.email:
        mine |= Q(user__isnull=True, email__iexact=user.email)
    return Order.objects.filter(mine)


def order_list_for_staff_customer(*, user, limit: int = 50) -> list[Order]:
    """A customer's latest orders with their payments (one query)."""
    return list(
        _customer_orders(user=user)
        .select_related("payment")
        .order_by("-placed_at", "-id")[:limit]
    )


def customer_value(*, user) -> list[dict[str, Any]]:
    """Per currency: orders, lifetime revenue (totals less refunds, cancelled
    orders left out), first and last order. One query."""
    return [
        {**row, "revenue": row["gross"] - row["refunded"]}
        for row in _customer_orders(user=user)
        .exclude(status=Order.Status.CANCELLED)
        .values("currency")
        .annotate(
            orders=Count("id"),
            gross=Sum("total"),
            refunded=Coalesce(Sum("payment__refunded_amount"), Decimal("0")),
            first=Min("placed_at"),
            last=Max("placed_at"),
        )
        .order_by("currency")
    ]
