"""Create the topic, channel queues, DLQs, subscriptions and bus (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications.services import messaging_ensure


class Command(BaseCommand):
    help = (
        "Create SNS topic, channel SQS queues + DLQs, filtered subscriptions and the "
        "EventBridge bus from settings.MESSAGING (moto, first installs; Terraform in AWS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-event-bus", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        resources = messaging_ensure(with_event_bus=not options["no_event_bus"])
        self.stdout.write(f"SNS_ORDER_EVENTS_TOPIC_ARN={resources.topic_arn}")
        for key, url in resources.queue_urls.items():
            self.stdout.write(f"queue {key}: {url} (dlq {resources.dlq_urls[key]})")
        if resources.event_bus_name:
            self.stdout.write(f"EVENT_BUS_NAME={resources.event_bus_name}")
