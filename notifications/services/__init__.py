"""Writes of the notifications app (re-exported: callers import from here)."""

from .delivery import (
    EMAIL_SUBJECTS,
    email_render,
    envelope_parse,
    failed_message_record,
    notification_context,
    notification_message_handle,
    notification_resend,
)
from .messaging import messaging_ensure
from .outbox import (
    EVENT_TYPES,
    PublishResult,
    event_record,
    outbox_prune,
    outbox_publish,
    outbox_relay_enqueue,
    outbox_sweep,
)

__all__ = [
    "EMAIL_SUBJECTS",
    "email_render",
    "EVENT_TYPES",
    "PublishResult",
    "envelope_parse",
    "event_record",
    "failed_message_record",
    "messaging_ensure",
    "notification_context",
    "notification_message_handle",
    "notification_resend",
    "outbox_prune",
    "outbox_publish",
    "outbox_relay_enqueue",
    "outbox_sweep",
]
