"""Staff operations dashboard, a custom admin view at <admin>/dashboard/.

One page for the shift lead: today's orders and revenue, orders per hour (an
SVG chart rendered here, so it needs no JavaScript and passes the strict CSP),
orders by status, stuck orders, fraud holds, low stock, queues and DLQs, outbox
lag and the latest notification failures.

Query budget: every section is one query (11 at most with the admin session),
asserted in tests; the whole snapshot is cached for DASHBOARD_CACHE_SECONDS so a
wall screen refreshing it costs nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncHour
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from orders.models import Order
from shop.models import Variant

from .observability.collectors import outbox_lag, queue_depths

logger = logging.getLogger(__name__)

CACHE_KEY = "ops-dashboard:v1"
# Queries of one uncached render, admin session and user included (tests hold
# the view to it): one per section, never one per row.
QUERY_BUDGET = 12
LIST_LIMIT = 20
CHART_HOURS = 24


# --- reads ----------------------------------------------------------------------
def orders_today(*, now: datetime) -> list[dict[str, Any]]:
    """Count and revenue of orders placed since local midnight, per currency."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        dict(row)
        for row in Order.objects.filter(placed_at__gte=start)
        .exclude(status=Order.Status.CANCELLED)
        .values("currency")
        .annotate(count=Count("id"), revenue=Sum("total"))
        .order_by("currency")
    ]


def orders_per_hour(*, now: datetime, hours: int = CHART_HOURS) -> list[dict[str, Any]]:
    """Orders placed in each of the last `hours` hours, oldest first, gaps as 0."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    rows = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .annotate(hour=TruncHour("placed_at"))
        .values("hour")
        .annotate(count=Count("id"))
        .order_by("hour")
    )
    counts = {row["hour"]: row["count"] for row in rows}
    return [
        {
            "hour": start + timedelta(hours=i),
            "count": counts.get(start + timedelta(hours=i), 0),
        }
        for i in range(hours)
    ]


def orders_by_status() -> list[dict[str, Any]]:
    counts = dict(
        Order.objects.values_list("status").annotate(count=Count("id")).order_by()
    )
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Order.Status.choices
    ]


def orders_stuck(*, now: datetime) -> list[Order]:
    """Orders in placed/processing for longer than STUCK_ORDER_MINUTES."""
    cutoff = now - timedelta(minutes=settings.STUCK_ORDER_MINUTES)
    return list(
        Order.objects.filter(
            status__in=[Order.Status.PLACED, Order.Status.PROCESSING],
            status_changed_at__lt=cutoff,
        )
        .only("id", "number", "status", "status_changed_at", "total", "currency")
        .order_by("status_changed_at")[:LIST_LIMIT]
    )


def fraud_holds() -> list[Order]:
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
        .order_by("status_changed_at")[:LIST_LIMIT]
    )


def low_stock_variants(*, threshold: int) -> list[Variant]:
    return list(
        Variant.objects.filter(is_active=True, product__is_active=True)
        .annotate(available_now=F("stock_on_hand") - F("stock_reserved"))
        .filter(available_now__lte=threshold)
        .select_related("product")
        .only("id", "sku", "name", "stock_on_hand", "stock_reserved", "product__name")
        .order_by("available_now", "sku")[:LIST_LIMIT]
    )


def notification_failures() -> list[Any]:
    try:
        log_model = apps.get_model("notifications", "NotificationLog")
    except LookupError:
        return []
    return list(log_model.objects.filter(status="failed").order_by("-updated_at")[:10])


# --- the SVG chart --------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # "14:00"
    show_label: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    max_count: int
    total: int


def chart_build(
    points: list[dict[str, Any]], *, width: int = 720, height: int = 220
) -> Chart:
    """Lay out one bar per hour; labels every third hour so they never overlap."""
    plot_top, plot_bottom, left, right = 20, height - 30, 36, 8
    plot_height = plot_bottom - plot_top
    slot = (width - left - right) / max(len(points), 1)
    max_count = max((p["count"] for p in points), default=0)
    scale = plot_height / max_count if max_count else 0
    bars = []
    for index, point in enumerate(points):
        bar_height = point["count"] * scale
        hour = timezone.localtime(point["hour"])
        bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.15, 1),
                y=round(plot_bottom - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                count=point["count"],
                label=hour.strftime("%H:00"),
                show_label=index % 3 == 0,
            )
        )
    return Chart(
        width=width,
        height=height,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        bars=bars,
        max_count=max_count,
        total=sum(p["count"] for p in points),
    )


# --- the snapshot and the view --------------------------------------------------
def dashboard_snapshot(*, now: datetime | None = None) -> dict[str, Any]:
    """Compute every section (uncached)."""
    now = now or timezone.now()
    today = orders_today(now=now)
    snapshot: dict[str, Any] = {
        "generated_at": now,
        "today": today,
        "today_count": sum(row["count"] for row in today),
        "chart": chart_build(orders_per_hour(now=now)),
        "by_status": orders_by_status(),
        "stuck": orders_stuck(now=now),
        "stuck_minutes": settings.STUCK_ORDER_MINUTES,
        "holds": fraud_holds(),
        "low_stock": low_stock_variants(
            threshold=settings.DASHBOARD_LOW_STOCK_THRESHOLD
        ),
        "low_stock_threshold": settings.DASHBOARD_LOW_STOCK_THRESHOLD,
        "notification_failures": notification_failures(),
    }
    try:
        snapshot["outbox"] = outbox_lag()
    except Exception as exc:
        logger.warning("dashboard: outbox lag unavailable: %s", exc)
        snapshot["outbox"] = None
    try:
        snapshot["queues"] = queue_depths()
        snapshot["queues_error"] = ""
    except Exception as exc:  # SQS down must not take the dashboard with it
        logger.warning("dashboard: queue depths unavailable: %s", exc)
        snapshot["queues"], snapshot["queues_error"] = (
            [],
            f"{type(exc).__name__}: {exc}",
        )
    return snapshot


def dashboard_cached() -> dict[str, Any]:
    snapshot = cache.get(CACHE_KEY)
    if snapshot is None:
        snapshot = dashboard_snapshot()
        cache.set(CACHE_KEY, snapshot, timeout=settings.DASHBOARD_CACHE_SECONDS)
    return snapshot


@never_cache
def _dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Operations dashboard",
        "snapshot": dashboard_cached(),
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
        "zero": Decimal("0"),
    }
    return TemplateResponse(request, "admin/securecart/dashboard.html", context)


# admin_view: staff only (others go to the admin login), CSRF and never cached.
dashboard_view = admin.site.admin_view(_dashboard)
