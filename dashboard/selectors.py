"""The dashboard's snapshot: one read per section, each from the owning app.

Orders come from orders.selectors (the stuck list is the query reconcile uses),
low stock from shop.selectors, the outbox lag and failed notifications from
notifications.selectors, queue depths from the platform's collectors. The whole
snapshot is cached for DASHBOARD_CACHE_SECONDS, so a wall screen refreshing it
costs nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from notifications import selectors as notification_selectors
from orders import selectors as order_selectors
from securecart.observability.collectors import queue_depths
from shop import selectors as shop_selectors

from .chart import chart_build

logger = logging.getLogger(__name__)

CACHE_KEY = "ops-dashboard:v1"
LIST_LIMIT = 20
CHART_HOURS = 24


def orders_today(*, now: datetime) -> list[dict[str, Any]]:
    """Count and revenue of orders placed since local midnight, per currency."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return order_selectors.order_totals_since(start=start)


def orders_per_hour(*, now: datetime, hours: int = CHART_HOURS) -> list[dict[str, Any]]:
    """Orders placed in each of the last `hours` hours, oldest first, gaps as 0."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    counts = order_selectors.order_counts_by_hour(start=start, end=end)
    return [
        {
            "hour": start + timedelta(hours=i),
            "count": counts.get(start + timedelta(hours=i), 0),
        }
        for i in range(hours)
    ]


def orders_stuck(*, now: datetime) -> list[Any]:
    """Orders in placed/processing for longer than STUCK_ORDER_MINUTES."""
    return list(
        order_selectors.order_list_stuck(now=now).only(
            "id", "number", "status", "status_changed_at", "total", "currency"
        )[:LIST_LIMIT]
    )


def dashboard_snapshot(*, now: datetime | None = None) -> dict[str, Any]:
    """Compute every section (uncached)."""
    now = now or timezone.now()
    today = orders_today(now=now)
    snapshot: dict[str, Any] = {
        "generated_at": now,
        "today": today,
        "today_count": sum(row["count"] for row in today),
        "chart": chart_build(orders_per_hour(now=now)),
        "by_status": order_selectors.order_counts_by_status(),
        "stuck": orders_stuck(now=now),
        "stuck_minutes": settings.STUCK_ORDER_MINUTES,
        "holds": order_selectors.order_list_on_hold(limit=LIST_LIMIT),
        "low_stock": shop_selectors.variant_list_low_stock(
            threshold=settings.DASHBOARD_LOW_STOCK_THRESHOLD, limit=LIST_LIMIT
        ),
        "low_stock_threshold": settings.DASHBOARD_LOW_STOCK_THRESHOLD,
        "notification_failures": notification_selectors.notification_list_failed(
            limit=10
        ),
    }
    try:
        snapshot["outbox"] = notification_selectors.outbox_lag()
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
