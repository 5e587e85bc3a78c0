"""Create the Celery SQS queues, each with a dead-letter queue, idempotently.

For moto and first installs; in AWS, Terraform owns the queues (same names, from
securecart/messaging.json). Running it again converges: missing queues are
created, drifted attributes (visibility timeout, redrive policy) are reset.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from securecart.aws import client

# 14 days, the SQS maximum: time for an operator to look before redriving.
DLQ_RETENTION_SECONDS = 1_209_600
_MISSING = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


def _normalise(name: str, value: str) -> Any:
    if name == "RedrivePolicy":
        policy = json.loads(value or "{}")
        return {key: str(val) for key, val in policy.items()}
    return str(value)


def queue_ensure(*, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    """Create queue `name` or bring its attributes in line; return (url, action)."""
    sqs = client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in _MISSING:
            raise
        return sqs.create_queue(QueueName=name, Attributes=attributes)[
            "QueueUrl"
        ], "created"
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(attributes))[
        "Attributes"
    ]
    if all(
        _normalise(key, current.get(key, "")) == _normalise(key, value)
        for key, value in attributes.items()
    ):
        return url, "unchanged"
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url, "updated"


def queues_ensure(
    *, prefix: str, visibility_timeout: int | None = None
) -> list[tuple[str, str, str]]:
    """Ensure every Celery queue of settings.MESSAGING and its DLQ.

    Returns (queue name, url, action) rows, DLQ before its source queue.
    """
    messaging = settings.MESSAGING
    rows: list[tuple[str, str, str]] = []
    sqs = client("sqs")
    for key, spec in messaging["celery_queues"].items():
        name = f"{prefix}{key}"
        dlq_name = f"{name}{messaging['dlq_suffix']}"
        dlq_url, action = queue_ensure(
            name=dlq_name,
            attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
        )
        rows.append((dlq_name, dlq_url, action))
        dlq_arn = sqs.get_queue_attributes(
            QueueUrl=dlq_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        timeout = visibility_timeout or spec["visibility_timeout"]
        redrive = {
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": str(messaging["max_receive_count"]),
        }
        url, action = queue_ensure(
            name=name,
            attributes={
                "VisibilityTimeout": str(timeout),
                "RedrivePolicy": json.dumps(redrive),
            },
        )
        rows.append((name, url, action))
    return rows


class Command(BaseCommand):
    help = (
        "Create the Celery SQS queues (default, fulfilment, events, notifications) "
        "with dead-letter queues and redrive policies from settings.MESSAGING. "
        "Idempotent. For moto and first installs; Terraform owns them in AWS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--prefix",
            default=None,
            help="queue name prefix (default SQS_QUEUE_PREFIX)",
        )
        parser.add_argument(
            "--visibility-timeout",
            type=int,
            default=None,
            help="override every queue's visibility timeout in seconds (tests, bench)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = (
            settings.SQS_QUEUE_PREFIX
            if options["prefix"] is None
            else options["prefix"]
        )
        try:
            rows = queues_ensure(
                prefix=prefix, visibility_timeout=options["visibility_timeout"]
            )
        except ClientError as exc:
            raise CommandError(f"SQS refused: {exc}") from exc
        for name, url, action in rows:
            self.stdout.write(f"{action:<9} {name}  {url}")
        changed = sum(1 for *_, action in rows if action != "unchanged")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(rows)} queues ensured, {changed} created or updated."
            )
        )
