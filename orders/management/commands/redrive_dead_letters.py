"""Move messages from a queue's dead-letter queue back to the queue.

Receive from the DLQ, send to the source queue, then delete from the DLQ: this
works on moto (which lacks StartMessageMoveTask) and on AWS alike. A message
is deleted only after its send succeeded, so a crash can duplicate a message
but never lose one (consumers are idempotent).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from securecart.aws import client

_MISSING = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


def known_queues() -> list[str]:
    messaging = settings.MESSAGING
    return [*messaging["celery_queues"], *messaging.get("channel_queues", {})]


def _attributes(message: dict[str, Any]) -> dict[str, Any]:
    # Only what SendMessage accepts (receive also returns empty list fields).
    attributes = {}
    for key, value in (message.get("MessageAttributes") or {}).items():
        copied = {"DataType": value["DataType"]}
        for field in ("StringValue", "BinaryValue"):
            if field in value:
                copied[field] = value[field]
        attributes[key] = copied
    return attributes


def dead_letters_redrive(
    *, source_url: str, dlq_url: str, max_messages: int | None = None
) -> tuple[int, int]:
    """Move up to `max_messages` (all when None); return (moved, failed)."""
    sqs = client("sqs")
    fifo = source_url.endswith(".fifo")
    moved = failed = 0
    while max_messages is None or moved + failed < max_messages:
        batch = 10 if max_messages is None else min(10, max_messages - moved - failed)
        received = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=batch,
            WaitTimeSeconds=1,
            VisibilityTimeout=60,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            break
        entries = []
        for index, message in enumerate(received):
            entry = {
                "Id": str(index),
                "MessageBody": message["Body"],
                "MessageAttributes": _attributes(message),
            }
            if fifo:
                entry["MessageGroupId"] = message["Attributes"].get(
                    "MessageGroupId", "default"
                )
                entry["MessageDeduplicationId"] = message["MessageId"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
        ok = {item["Id"] for item in sent.get("Successful", [])}
        failed += len(received) - len(ok)
        to_delete = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(received)
            if str(index) in ok
        ]
        if to_delete:
            sqs.delete_message_batch(QueueUrl=dlq_url, Entries=to_delete)
        moved += len(to_delete)
    return moved, failed


class Command(BaseCommand):
    help = (
        "Move messages from QUEUE's dead-letter queue back to QUEUE "
        "(e.g. `redrive_dead_letters fulfilment`, `redrive_dead_letters notifications-email`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("queue", help=f"one of: {', '.join(known_queues())}")
        parser.add_argument("--max-messages", type=int, default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="only show how many messages wait"
        )
        parser.add_argument(
            "--prefix",
            default=None,
            help="queue name prefix (default SQS_QUEUE_PREFIX)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["queue"]
        suffix = settings.MESSAGING["dlq_suffix"]
        if key.endswith(suffix):
            key = key[: -len(suffix)]
        if key not in known_queues():
            raise CommandError(
                f"Unknown queue {options['queue']!r}; known: {', '.join(known_queues())}."
            )
        prefix = (
            settings.SQS_QUEUE_PREFIX
            if options["prefix"] is None
            else options["prefix"]
        )
        source, dlq = f"{prefix}{key}", f"{prefix}{key}{suffix}"
        sqs = client("sqs")
        try:
            source_url = sqs.get_queue_url(QueueName=source)["QueueUrl"]
            dlq_url = sqs.get_queue_url(QueueName=dlq)["QueueUrl"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _MISSING:
                raise CommandError(
                    f"Queue {source} or {dlq} does not exist (run ensure_queues)."
                ) from exc
            raise
        if options["dry_run"]:
            waiting = sqs.get_queue_attributes(
                QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
            self.stdout.write(
                f"{dlq}: about {waiting} messages waiting (dry run, none moved)."
            )
            return
        moved, failed = dead_letters_redrive(
            source_url=source_url, dlq_url=dlq_url, max_messages=options["max_messages"]
        )
        self.stdout.write(f"Moved {moved} messages from {dlq} to {source}.")
        if failed:
            raise CommandError(
                f"{failed} messages could not be sent; they stay in {dlq}."
            )
