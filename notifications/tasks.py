"""Celery tasks: the outbox relay and the in-process bus's delivery.

Queues: the relay runs on "events", delivery on "notifications" (callers here
pass the queue; task_routes in securecart/celery.py should say the same for the
beat schedule's sweep). The services enqueue these tasks by the names they
define (RELAY_TASK, DELIVERY_TASK in notifications/services/outbox.py) and never
import this module: tasks depend on services, not the other way round.
"""

from __future__ import annotations

import logging

from celery import shared_task

from .exceptions import MalformedMessage, TransientDeliveryError
from .services import (
    failed_message_record,
    notification_message_handle,
    outbox,
    outbox_publish,
    outbox_sweep,
)

logger = logging.getLogger(__name__)

RELAY_QUEUE = outbox.RELAY_QUEUE
DELIVERY_QUEUE = outbox.DELIVERY_QUEUE


@shared_task(
    name=outbox.RELAY_TASK,
    acks_late=True,
    ignore_result=True,
)
def outbox_relay_task(event_ids: list[str] | None = None) -> int:
    """Publish these outbox events, or (no ids: the periodic sweep) every pending one.

    Idempotent: published rows are skipped, rows another relay holds are skipped.
    """
    if event_ids is not None:
        return len(outbox_publish(event_ids=event_ids).published)
    return len(outbox_sweep().published)


@shared_task(
    name=outbox.DELIVERY_TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def notification_deliver_task(*, channel: str, body: str) -> list[str]:
    """Handle one event for one channel (the in-process bus, without SNS)."""
    try:
        return notification_message_handle(channel=channel, body=body)
    except MalformedMessage as exc:
        logger.error("malformed event on the in-process bus", extra={"error": str(exc)})
        failed_message_record(
            channel=channel,
            message_id="in-process",
            body=body,
            error=str(exc),
            receive_count=1,
        )
        return ["malformed"]
