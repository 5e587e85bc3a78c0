"""Names of the topic, queues and bus, derived from settings.MESSAGING.

securecart/messaging.json is the one source of truth shared with Terraform; the
SQS_QUEUE_PREFIX separates environments (and tests) on one account.
"""

from __future__ import annotations

from django.conf import settings

CHANNEL_QUEUE_PREFIX = "notifications-"


def topic_name() -> str:
    return f"{settings.SQS_QUEUE_PREFIX}{settings.MESSAGING['order_events_topic']}"


def event_source() -> str:
    return settings.MESSAGING.get("event_source", "securecart.orders")


def event_bus_name() -> str:
    """Bus to create with ensure_messaging (EVENT_BUS_NAME, else messaging.json)."""
    return settings.EVENT_BUS_NAME or settings.MESSAGING["event_bus"]


def dlq_name(queue: str) -> str:
    return f"{queue}{settings.MESSAGING['dlq_suffix']}"


def max_receive_count() -> int:
    return int(settings.MESSAGING["max_receive_count"])


def channel_queues() -> dict[str, dict]:
    """Map every fan-out queue key (e.g. notifications-email) to its config."""
    return settings.MESSAGING["channel_queues"]


def queue_name(key: str) -> str:
    return f"{settings.SQS_QUEUE_PREFIX}{key}"


def channel_queue_key(channel: str) -> str:
    return f"{CHANNEL_QUEUE_PREFIX}{channel}"


def channel_event_types(channel: str) -> frozenset[str]:
    config = channel_queues().get(channel_queue_key(channel), {})
    return frozenset(config.get("event_types", ()))


def channels_for_event(event_type: str) -> list[str]:
    """Notification channels (enabled in settings) that handle this event type."""
    return [
        channel
        for channel in settings.NOTIFICATION_CHANNELS
        if event_type in channel_event_types(channel)
    ]
