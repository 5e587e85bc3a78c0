"""Writes for domain events: the transactional outbox and its relay.

Enqueueing: these services hand work to Celery by task *name* (RELAY_TASK,
DELIVERY_TASK), looked up in the app's task registry, and never import
notifications.tasks. The tasks call these services, so importing the tasks back
would make a circle; the name is the message contract between the two, and a
registry lookup (unlike `send_task`) still runs the task eagerly, in-process,
when no broker is configured. NotificationsConfig.ready() imports the tasks
module, so the names are always registered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import current_app
from celery.app.task import Task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import messaging
from notifications.clients import eventbridge, sns
from notifications.models import OutboxEvent
from securecart.write_plans import InsertPlan

logger = logging.getLogger(__name__)

EVENT_TYPES = frozenset(
    {
        "order.placed",
        "order.processing",
        "order.on_hold",
        "order.shipped",
        "order.delivered",
        "order.cancelled",
        "order.refunded",
        "order.refunded_partially",
        "order.return_requested",
        "order.return_approved",
        "order.return_rejected",
        "order.return_received",
        "payment.captured",
        "payment.failed",
        "voucher.redeemed",
    }
)
# Longer than one publish takes, shorter than the sweep period: a relay that died
# mid-publish delays its rows by at most this long.
OUTBOX_CLAIM_SECONDS = 60
OUTBOX_BATCH_SIZE = 100
RELAY_TASK = "notifications.tasks.outbox_relay_task"
RELAY_QUEUE = "events"
DELIVERY_TASK = "notifications.tasks.notification_deliver_task"
DELIVERY_QUEUE = "notifications"
# Written with every domain event: compiled once per process.
_EVENT_INSERT = InsertPlan(OutboxEvent)


def _task(name: str) -> Task:
    """The registered Celery task called `name` (see the module docstring)."""
    return current_app.tasks[name]


def event_record(
    *, type: str, order_number: str = "", data: dict[str, Any] | None = None
) -> OutboxEvent:
    """Write a domain event to the outbox in the caller's transaction.

    Must be called inside the transaction that makes the change, so the event
    exists if and only if the change committed. After commit the relay is
    enqueued for this event; if that never happens (crash, broker down) the
    periodic sweep publishes it.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type: {type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record() must run inside the change's transaction")
    event = OutboxEvent(
        type=type,
        order_number=order_number,
        data=data or {},
        occurred_at=timezone.now(),
    )
    _EVENT_INSERT.save(event)
    event_id = str(event.id)
    transaction.on_commit(
        lambda: outbox_relay_enqueue(event_ids=[event_id]), robust=True
    )
    return event


def outbox_relay_enqueue(*, event_ids: list[str]) -> None:
    """Ask the relay to publish these events now (called after commit).

    Never raises: the event is safely in the outbox, and the sweep is the
    safety net when the broker cannot take the task.
    """
    try:
        _task(RELAY_TASK).apply_async(
            kwargs={"event_ids": event_ids}, queue=RELAY_QUEUE
        )
    except Exception:
        logger.exception(
            "outbox relay enqueue failed; the sweep will publish %s", event_ids
        )


@dataclass
class PublishResult:
    published: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _outbox_claim(*, event_ids: list[str] | None, limit: int) -> list[OutboxEvent]:
    """Lease unpublished rows to this relay; rows another relay holds are skipped."""
    now = timezone.now()
    with transaction.atomic():
        rows = OutboxEvent.objects.filter(published_at__isnull=True).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )
        if event_ids is not None:
            rows = rows.filter(pk__in=event_ids)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        events = list(rows.order_by("occurred_at")[:limit])
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            claimed_until=now + timedelta(seconds=OUTBOX_CLAIM_SECONDS)
        )
    return events


def _event_publish(event: OutboxEvent) -> None:
    """Send one envelope to SNS (else the in-process bus) and EventBridge.

    A retry after a partial failure may publish to SNS again: consumers
    deduplicate by event id, so at-least-once is enough here.
    """
    envelope = event.envelope()
    if settings.SNS_ORDER_EVENTS_TOPIC_ARN:
        sns.topic_publish(
            topic_arn=settings.SNS_ORDER_EVENTS_TOPIC_ARN, envelope=envelope
        )
    else:
        _in_process_bus_publish(envelope)
    if settings.EVENT_BUS_NAME:
        eventbridge.bus_put(
            bus_name=settings.EVENT_BUS_NAME,
            source=messaging.event_source(),
            envelope=envelope,
        )


def _in_process_bus_publish(envelope: dict[str, Any]) -> None:
    """Embedded default: hand the event to the same handlers through Celery.

    With no broker Celery runs them eagerly, in this process. A handler's
    failure is the notification's (recorded in its log), not the publish's.
    """
    body = json.dumps(envelope, separators=(",", ":"))
    for channel in messaging.channels_for_event(envelope["type"]):
        try:
            _task(DELIVERY_TASK).apply_async(
                kwargs={"channel": channel, "body": body}, queue=DELIVERY_QUEUE
            )
        except Exception:
            logger.exception(
                "in-process delivery failed",
                extra={"event_id": envelope["id"], "channel": channel},
            )


def outbox_publish(
    *, event_ids: list[str] | None = None, limit: int = OUTBOX_BATCH_SIZE
) -> PublishResult:
    """Publish unpublished events (these ids, or the oldest `limit`) and mark them."""
    result = PublishResult()
    for event in _outbox_claim(event_ids=event_ids, limit=limit):
        try:
            _event_publish(event)
        except Exception as exc:
            logger.warning(
                "outbox publish failed",
                extra={"event_id": str(event.id), "error": repr(exc)},
            )
            OutboxEvent.objects.filter(pk=event.pk).update(
                publish_attempts=F("publish_attempts") + 1,
                last_error=repr(exc)[:2000],
                claimed_until=None,
            )
            result.failed.append(str(event.id))
        else:
            OutboxEvent.objects.filter(pk=event.pk).update(
                published_at=timezone.now(),
                publish_attempts=F("publish_attempts") + 1,
                last_error="",
                claimed_until=None,
            )
            result.published.append(str(event.id))
    return result


def outbox_sweep(*, max_batches: int = 20) -> PublishResult:
    """Publish everything still unpublished, batch by batch (the periodic sweep)."""
    total = PublishResult()
    for _ in range(max_batches):
        result = outbox_publish()
        total.published += result.published
        total.failed += result.failed
        if not result.published and not result.failed:
            break
        if len(result.published) + len(result.failed) < OUTBOX_BATCH_SIZE:
            break
    return total


def outbox_prune(*, older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete published events older than `older_than`; return how many.

    Unpublished rows are never deleted. Deleting in batches keeps each
    transaction short on a large table. Resending a notification needs its event,
    so keep events longer than staff may want to resend.
    """
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(published_at__lt=cutoff).values_list(
                "pk", flat=True
            )[:batch_size]
        )
        if not ids:
            return deleted
        deleted += OutboxEvent.objects.filter(pk__in=ids).delete()[0]
