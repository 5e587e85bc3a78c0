"""Consume one notification channel's SQS queue (raw SNS messages).

Why a dedicated consumer instead of a Celery worker: the channel queues carry
the event envelope as SNS delivers it, not Celery task messages, and handling
them well needs SQS itself: ApproximateReceiveCount, per-message
ChangeMessageVisibility for backoff, and the queue's redrive policy for poison
messages. kombu hides all three. The loop is small and runs as
`manage.py consume_notifications --channel email|sms` (one ECS service each).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings

from securecart.sqs_consumer import ConsumerStats, QueueConsumer

from . import messaging
from .exceptions import MalformedMessage
from .services import failed_message_record, notification_message_handle

logger = logging.getLogger(__name__)

__all__ = ["ChannelConsumer", "ConsumerStats", "retry_delay"]


def retry_delay(receive_count: int) -> int:
    """Seconds before a transiently failed message is received again."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return int(
        min(
            base * 2 ** max(receive_count - 1, 0),
            settings.NOTIFICATIONS_RETRY_MAX_SECONDS,
        )
    )


# Handles one message body for a channel; returns its outcomes, raises
# MalformedMessage for a message no retry can fix.
MessageHandler = Callable[..., list[str]]


class ChannelConsumer(QueueConsumer):
    """Consumes one fan-out queue of the order-events topic.

    By default a notification channel's queue (notifications-<channel>) handled by
    notification_message_handle; other subscribers of the topic (the order
    tracking projector) pass their own `queue_key` and `handler` and reuse the
    loop, the backoff and the failed-message record.
    """

    def __init__(
        self,
        *,
        channel: str,
        wait_seconds: int = 20,
        batch_size: int = 10,
        queue_key: str | None = None,
        handler: MessageHandler | None = None,
    ):
        self.channel = self.label = channel
        self.handler = handler or notification_message_handle
        super().__init__(
            queue_name=messaging.queue_name(
                queue_key or messaging.channel_queue_key(channel)
            ),
            wait_seconds=wait_seconds,
            batch_size=batch_size,
        )

    def handle(self, message: dict) -> None:
        body = message.get("Body", "")
        receive_count = int(
            message.get("Attributes", {}).get("ApproximateReceiveCount", "1")
        )
        self.stats.received += 1
        try:
            outcomes = self.handler(channel=self.channel, body=body)
        except MalformedMessage as exc:
            self.stats.malformed += 1
            logger.error(
                "malformed notification message",
                extra={
                    "channel": self.channel,
                    "message_id": message["MessageId"],
                    "receive_count": receive_count,
                    "error": str(exc),
                },
            )
            failed_message_record(
                channel=self.channel,
                message_id=message["MessageId"],
                body=body,
                error=str(exc),
                receive_count=receive_count,
            )
            # Visible again at once: it reaches the DLQ after max_receive_count
            # receives without holding up the messages behind it.
            self.visibility(message, 0)
            return
        except Exception as exc:
            self.stats.retried += 1
            delay = retry_delay(receive_count)
            logger.warning(
                "notification failed; retrying",
                extra={
                    "channel": self.channel,
                    "message_id": message["MessageId"],
                    "receive_count": receive_count,
                    "retry_in": delay,
                    "error": repr(exc),
                },
            )
            if receive_count >= messaging.max_receive_count():
                failed_message_record(
                    channel=self.channel,
                    message_id=message["MessageId"],
                    body=body,
                    error=repr(exc),
                    receive_count=receive_count,
                )
            self.visibility(message, delay)
            return
        for outcome in outcomes:
            self.stats.count(outcome)
        self.delete(message)
