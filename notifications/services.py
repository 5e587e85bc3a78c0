"""Writes for domain events."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import OutboxEvent

EVENT_TYPES = frozenset(
    {
        "order.placed",
        "order.processing",
        "order.on_hold",
        "order.shipped",
        "order.delivered",
        "order.cancelled",
        "order.refunded",
        "payment.captured",
        "payment.failed",
    }
)


def event_record(
    *, type: str, order_number: str = "", data: dict[str, Any] | None = None
) -> OutboxEvent:
    """Write a domain event to the outbox in the caller's transaction.

    Must be called inside the transaction that makes the change, so the event
    exists if and only if the change committed.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type: {type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record() must run inside the change's transaction")
    return OutboxEvent.objects.create(
        type=type,
        order_number=order_number,
        data=data or {},
        occurred_at=timezone.now(),
    )
