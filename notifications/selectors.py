"""Reads for the notifications app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from orders.notification_views import order_notification_view

from .models import NotificationLog, OutboxEvent

# Public tracking pages of common carriers; other carriers get no link.
TRACKING_URLS = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}",
}


def tracking_url(*, carrier: str, tracking_number: str) -> str:
    template = TRACKING_URLS.get((carrier or "").strip().lower())
    if not template or not tracking_number:
        return ""
    return template.format(number=tracking_number)


def order_snapshot(*, number: str) -> dict[str, Any] | None:
    """Return what a notification needs to know about an order, or None.

    Read from the primary at send time (the event was committed before it was
    published), so events carry no customer data beyond what they need. The
    order comes from the view orders exports for this (amounts as strings, as
    the templates print and compare them).
    """
    view = order_notification_view(number=number)
    if view is None:
        return None
    return {
        "number": view.number,
        "email": view.email,
        "phone": view.phone,
        "sms_opt_in": view.sms_opt_in,
        "customer_name": view.customer_name,
        "shipping_address": list(view.shipping_address),
        "shipping_method": view.shipping_method,
        "lines": [
            {
                "name": line.name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
            for line in view.lines
        ],
        "currency": view.currency,
        "subtotal": str(view.subtotal),
        "shipping_total": str(view.shipping_total),
        "tax_total": str(view.tax_total),
        "total": str(view.total),
        "tracking_number": view.tracking_number,
        "carrier": view.carrier,
        "discounts": [
            {"label": label, "amount": str(amount)} for label, amount in view.discounts
        ],
        "order_url": view.order_url,
    }


def notification_log_for_order(*, order_number: str) -> QuerySet[NotificationLog]:
    return NotificationLog.objects.filter(order_number=order_number).order_by(
        "created_at", "id"
    )


def outbox_stats(*, error_limit: int = 5) -> dict[str, Any]:
    """Return the outbox backlog: count, age of the oldest, latest errors."""
    pending = OutboxEvent.objects.filter(published_at__isnull=True)
    oldest = pending.aggregate(oldest=Min("occurred_at"))["oldest"]
    errors = list(
        pending.exclude(last_error="")
        .order_by("-occurred_at")
        .values("id", "type", "order_number", "publish_attempts", "last_error")[
            :error_limit
        ]
    )
    return {
        "unpublished": pending.count(),
        "oldest_age_seconds": (
            (timezone.now() - oldest).total_seconds() if oldest else 0.0
        ),
        "failing": pending.filter(publish_attempts__gt=0).count(),
        "last_errors": errors,
    }


@dataclass(frozen=True)
class OutboxLag:
    unpublished: int
    oldest_age_seconds: float  # 0 when nothing waits


def outbox_lag() -> OutboxLag:
    """Age of the oldest unpublished outbox event, read on the primary."""
    row = (
        OutboxEvent.objects.using("default")
        .filter(published_at__isnull=True)
        .aggregate(count=Count("id"), oldest=Min("occurred_at"))
    )
    oldest = row["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return OutboxLag(unpublished=row["count"], oldest_age_seconds=max(age, 0.0))


def notification_list_failed(*, limit: int = 10) -> list[NotificationLog]:
    """The latest notifications that failed for good, newest first."""
    return list(
        NotificationLog.objects.filter(status=NotificationLog.Status.FAILED).order_by(
            "-updated_at"
        )[:limit]
    )
