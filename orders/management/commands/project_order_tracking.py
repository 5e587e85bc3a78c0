"""Run the order tracking projector: `manage.py project_order_tracking`.

The consumer loop of the notification channels (notifications.consumer), on the
order-tracking queue of messaging.json, with the projection as its handler.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from notifications.consumer import ChannelConsumer
from notifications.management.commands.consume_notifications import (
    Command as ConsumeCommand,
)
from orders.services.tracking import CHANNEL, order_tracking_message_handle


class Command(ConsumeCommand):
    help = (
        "Consume the order-tracking SQS queue and project each order event into "
        "the DynamoDB order tracking table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_loop_arguments(parser)

    def queue_label(self, options: dict[str, Any]) -> str:
        return CHANNEL

    def consumer(self, options: dict[str, Any]) -> ChannelConsumer:
        return ChannelConsumer(
            channel=CHANNEL,
            queue_key=CHANNEL,
            handler=order_tracking_message_handle,
            wait_seconds=options["wait_seconds"],
        )
