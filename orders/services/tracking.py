"""Writes of the order tracking projection (DynamoDB; see orders.tracking_table).

`order_tracking_message_handle` is the projector: the handler of the order-tracking
queue (`manage.py project_order_tracking`). It applies one order event: status and
sequence from the event, the static summary and the token hash read from the
database (the projector may read RDS; the order page then need not).
`order_tracking_rebuild` writes the same items from the database in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from notifications.exceptions import MalformedMessage
from notifications.services import envelope_parse

from ..models import Order, OrderEvent, OrderLine
from ..tracking import (
    STATUS_EVENT_KINDS,
    TRACKED_EVENT_TYPES,
    milestone_of,
    order_summary,
    parse_time,
    token_hash,
    tracking_from_order,
)
from ..tracking_table import (
    BATCH_WRITE_MAX,
    ProjectedEvent,
    event_apply,
    item_from_tracking,
    items_put,
    items_sequences,
)

CHANNEL = "order-tracking"  # the queue key in messaging.json, and the log's channel


def _orders() -> Any:
    return Order.objects.select_related("shipping_method").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        "discounts",
        Prefetch(
            "events",
            queryset=OrderEvent.objects.filter(kind__in=STATUS_EVENT_KINDS).order_by(
                "created_at", "id"
            ),
        ),
    )


def _sequence(data: dict[str, Any]) -> int:
    sequence = data.get("sequence", 0)
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise MalformedMessage(f"bad sequence: {sequence!r}")
    return sequence


def projected_event(envelope: dict[str, Any]) -> ProjectedEvent:
    """The projection's view of one envelope (the order's summary from the database)."""
    data = envelope["data"]
    status = envelope["type"].removeprefix("order.")
    try:
        at = parse_time(str(data.get("at") or envelope["occurred_at"]))
    except ValueError as exc:
        raise MalformedMessage(f"bad event time: {exc}") from exc
    order = _orders().filter(number=envelope["order_number"]).first()
    return ProjectedEvent(
        number=envelope["order_number"],
        sequence=_sequence(data),
        status=status,
        at=at,
        milestone=milestone_of(status, at),
        summary=(
            order_summary(order, order.lines.all(), order.discounts.all())
            if order is not None
            else None
        ),
        token_hash=token_hash(order.access_token) if order is not None else "",
        user_id=order.user_id if order is not None else None,
        tracking_number=str(data.get("tracking_number") or ""),
        carrier=str(data.get("carrier") or ""),
    )


def order_tracking_message_handle(*, channel: str, body: str) -> list[str]:
    """Project one queue message; outcomes: applied, stale (older or repeated), ignored."""
    envelope = envelope_parse(body)
    if envelope["type"] not in TRACKED_EVENT_TYPES or not envelope["order_number"]:
        return ["ignored"]
    return ["applied" if event_apply(projected_event(envelope)) else "stale"]


@dataclass
class RebuildProgress:
    written: int = 0
    skipped: int = 0  # the live projection already holds a newer sequence
    last_number: str = ""


def _rebuild_items(orders: list[Order]) -> Iterator[tuple[int, dict[str, Any]]]:
    for order in orders:
        tracking = tracking_from_order(order)
        events = list(order.events.all())
        last = events[-1].created_at if events else order.status_changed_at
        yield (
            order.event_sequence,
            item_from_tracking(
                tracking,
                sequence=order.event_sequence,
                token_hash=token_hash(order.access_token),
                user_id=order.user_id,
                last_event_at=last,
            ),
        )


def order_tracking_rebuild(
    *,
    after: str = "",
    batch_size: int = 100,
    report: Callable[[RebuildProgress], None] | None = None,
) -> RebuildProgress:
    """Write every order (by number, after `after`) into the projection.

    Batches of `batch_size` orders, BatchWriteItem 25 items a call. An item the
    live projector already moved past (a newer sequence) is left alone. `report`
    is called after each batch; its last_number resumes an interrupted rebuild.
    """
    progress = RebuildProgress(last_number=after)
    batch_size = max(BATCH_WRITE_MAX, batch_size)
    while True:
        orders = list(
            _orders()
            .filter(number__gt=progress.last_number)
            .order_by("number")[:batch_size]
        )
        if not orders:
            return progress
        live = items_sequences([order.number for order in orders])
        items = [
            item
            for sequence, item in _rebuild_items(orders)
            if live.get(item["number"]["S"], -1) <= sequence
        ]
        progress.written += items_put(items)
        progress.skipped += len(orders) - len(items)
        progress.last_number = orders[-1].number
        if report is not None:
            report(progress)


def order_tracking_rebuild_total(*, after: str = "") -> int:
    return Order.objects.filter(number__gt=after).count()


__all__ = [
    "CHANNEL",
    "RebuildProgress",
    "order_tracking_message_handle",
    "order_tracking_rebuild",
    "order_tracking_rebuild_total",
]
