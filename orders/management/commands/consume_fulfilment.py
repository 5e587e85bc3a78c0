"""Run the Step Functions fulfilment worker: `manage.py consume_fulfilment`.

The consumer loop command of the notification channels (signals, options,
summary), on the fulfilment-steps queue with the step consumer.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from notifications.management.commands.consume_notifications import (
    Command as ConsumeCommand,
)
from orders.management.fulfilment_consumer import FulfilmentStepConsumer


class Command(ConsumeCommand):
    help = (
        "Consume the fulfilment-steps SQS queue (FULFILMENT_ENGINE=stepfunctions): "
        "run each step and answer its Step Functions task token."
    )
    create_hint = "`manage.py ensure_fulfilment_workflow` (moto) or Terraform (AWS)"

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_loop_arguments(parser)

    def queue_label(self, options: dict[str, Any]) -> str:
        return "fulfilment-steps"

    def consumer(self, options: dict[str, Any]) -> Any:
        return FulfilmentStepConsumer(wait_seconds=options["wait_seconds"])
