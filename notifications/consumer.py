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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.exceptions import HTTPClientError
from django.conf import settings
from django.db import close_old_connections, connection

from securecart.aws import SQS_MAX_WAIT_SECONDS, client

from . import messaging
from .exceptions import MalformedMessage
from .services import failed_message_record, notification_message_handle

logger = logging.getLogger(__name__)


def _drop_stale_connections() -> None:
    """Drop broken/expired DB connections between messages, as Celery does.

    Skipped inside an atomic block (a test's transaction), where closing the
    connection would end it.
    """
    if not connection.in_atomic_block:
        close_old_connections()


def retry_delay(receive_count: int) -> int:
    """Seconds before a transiently failed message is received again."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return int(
        min(
            base * 2 ** max(receive_count - 1, 0),
            settings.NOTIFICATIONS_RETRY_MAX_SECONDS,
        )
    )


@dataclass
class ConsumerStats:
    received: int = 0
    deleted: int = 0
    malformed: int = 0
    retried: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


# Handles one message body for a channel; returns its outcomes, raises
# MalformedMessage for a message no retry can fix.
MessageHandler = Callable[..., list[str]]


class ChannelConsumer:
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
        self.channel = channel
        self.handler = handler or notification_message_handle
        # SQS accepts 0-20 s; the SQS client's read timeout outlasts the longest.
        self.wait_seconds = max(0, min(wait_seconds, SQS_MAX_WAIT_SECONDS))
        self.batch_size = batch_size
        self.stats = ConsumerStats()
        self.stopping = threading.Event()
        self.sqs = client("sqs")
        name = messaging.queue_name(queue_key or messaging.channel_queue_key(channel))
        self.queue_url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]

    def poll(self) -> int:
        """Receive one batch (long poll) and handle it; return messages received."""
        try:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.batch_size,
                WaitTimeSeconds=self.wait_seconds,
                AttributeNames=["ApproximateReceiveCount"],
            )
        except (BotocoreConnectionError, HTTPClientError) as exc:
            # A network blip (timeout, reset) is not a reason to die: nothing was
            # received, so nothing is lost; wait a moment and poll again.
            logger.warning(
                "receive failed, polling again",
                extra={"channel": self.channel, "error": str(exc)},
            )
            self.stopping.wait(1)
            return 0
        messages = response.get("Messages", [])
        for message in messages:
            _drop_stale_connections()
            try:
                self.handle(message)
            finally:
                _drop_stale_connections()
        return len(messages)

    def run(
        self, *, once: bool = False, max_messages: int | None = None
    ) -> ConsumerStats:
        """Poll until stopped (SIGTERM), after one poll, or after max_messages."""
        while not self.stopping.is_set():
            self.poll()
            if once or (
                max_messages is not None and self.stats.received >= max_messages
            ):
                break
        return self.stats

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
            self._visibility(message, 0)
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
            self._visibility(message, delay)
            return
        for outcome in outcomes:
            self.stats.outcomes[outcome] = self.stats.outcomes.get(outcome, 0) + 1
        self.sqs.delete_message(
            QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
        self.stats.deleted += 1

    def _visibility(self, message: dict, seconds: int) -> None:
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=seconds,
            )
        except Exception:
            # The visibility timeout lapses on its own; only the delay differs.
            logger.exception("change_message_visibility failed")
