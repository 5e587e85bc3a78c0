"""The loop of a dedicated SQS consumer: long poll, handle each message, repeat.

Subclasses (notifications.consumer.ChannelConsumer, the fulfilment step
consumer of orders) implement `handle(message)`; the loop gives them a receive
that survives network blips, fresh database connections between messages, a
stop flag for SIGTERM and per-message visibility changes.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.exceptions import HTTPClientError
from django.db import close_old_connections, connection

from .aws import SQS_MAX_WAIT_SECONDS, client

logger = logging.getLogger(__name__)


def _drop_stale_connections() -> None:
    """Drop broken/expired DB connections between messages, as Celery does.

    Skipped inside an atomic block (a test's transaction), where closing the
    connection would end it.
    """
    if not connection.in_atomic_block:
        close_old_connections()


@dataclass
class ConsumerStats:
    received: int = 0
    deleted: int = 0
    malformed: int = 0
    retried: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class QueueConsumer:
    """Consume one SQS queue by name; subclasses handle the messages."""

    label = "queue"

    def __init__(
        self, *, queue_name: str, wait_seconds: int = 20, batch_size: int = 10
    ):
        # SQS accepts 0-20 s; the SQS client's read timeout outlasts the longest.
        self.wait_seconds = max(0, min(wait_seconds, SQS_MAX_WAIT_SECONDS))
        self.batch_size = batch_size
        self.stats = ConsumerStats()
        self.stopping = threading.Event()
        self.sqs = client("sqs")
        self.queue_url = self.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]

    def handle(self, message: dict) -> None:
        raise NotImplementedError

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
                extra={"queue": self.label, "error": str(exc)},
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

    def delete(self, message: dict) -> None:
        self.sqs.delete_message(
            QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
        self.stats.deleted += 1

    def visibility(self, message: dict, seconds: int) -> None:
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=seconds,
            )
        except Exception:
            # The visibility timeout lapses on its own; only the delay differs.
            logger.exception("change_message_visibility failed")
