"""Run the Step Functions fulfilment worker: `manage.py consume_fulfilment`."""

from __future__ import annotations

import signal
from typing import Any

from botocore.exceptions import ClientError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.management.fulfilment_consumer import FulfilmentStepConsumer


class Command(BaseCommand):
    help = (
        "Consume the fulfilment-steps SQS queue (FULFILMENT_ENGINE=stepfunctions): "
        "run each step and answer its Step Functions task token."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="one receive call, then exit"
        )
        parser.add_argument(
            "--max-messages", type=int, default=None, help="exit after this many"
        )
        parser.add_argument(
            "--wait-seconds",
            type=int,
            default=20,
            help="SQS long-poll wait in seconds (0-20)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            consumer = FulfilmentStepConsumer(wait_seconds=options["wait_seconds"])
        except ClientError as exc:
            raise CommandError(
                f"cannot open the fulfilment-steps queue ({exc}); create it with "
                "`manage.py ensure_fulfilment_workflow` (moto) or Terraform (AWS)"
            ) from exc

        def stop(signum: int, frame: object) -> None:
            # Finish the step in hand; ECS sends SIGTERM before SIGKILL.
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
