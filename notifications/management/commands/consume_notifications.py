"""Run a notification channel consumer: `manage.py consume_notifications --channel email`."""

from __future__ import annotations

import signal
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.consumer import ChannelConsumer


class Command(BaseCommand):
    help = "Consume one notification channel's SQS queue (email, sms) and send."
    # how the queue comes to exist, for the error when it does not
    create_hint = "`manage.py ensure_messaging` (moto) or Terraform (AWS)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--channel", required=True, choices=settings.NOTIFICATION_CHANNELS
        )
        self.add_loop_arguments(parser)

    def add_loop_arguments(self, parser: CommandParser) -> None:
        """Options of the consumer loop (commands of other queues reuse them)."""
        parser.add_argument(
            "--once", action="store_true", help="one receive call, then exit"
        )
        parser.add_argument(
            "--max-messages",
            type=int,
            default=None,
            help="exit after handling this many",
        )
        parser.add_argument(
            "--wait-seconds",
            type=int,
            default=20,
            help="SQS long-poll wait in seconds (0-20)",
        )

    def queue_label(self, options: dict[str, Any]) -> str:
        return options["channel"]

    def consumer(self, options: dict[str, Any]) -> ChannelConsumer:
        return ChannelConsumer(
            channel=options["channel"], wait_seconds=options["wait_seconds"]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            consumer = self.consumer(options)
        except ClientError as exc:
            raise CommandError(
                f"cannot open the {self.queue_label(options)} queue ({exc}); "
                f"create it with {self.create_hint}"
            ) from exc

        def stop(signum: int, frame: object) -> None:
            # Finish the message (or step) in hand; ECS sends SIGTERM before SIGKILL.
            consumer.stopping.set()

        previous = {
            signum: signal.signal(signum, stop)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        self.stdout.write(f"consuming {consumer.queue_url}")
        self.stdout.flush()
        try:
            stats = consumer.run(
                once=options["once"], max_messages=options["max_messages"]
            )
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(
            f"received={stats.received} deleted={stats.deleted} "
            f"malformed={stats.malformed} retried={stats.retried} outcomes={stats.outcomes}"
        )
