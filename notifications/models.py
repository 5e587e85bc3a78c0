"""Domain events (transactional outbox) and the notifications sent for them."""

from __future__ import annotations

import uuid

from django.db import models


class OutboxEvent(models.Model):
    """One domain event, written in the same transaction as the change it records.

    The relay publishes unpublished rows and stamps `published_at`; consumers
    deduplicate by `id` (the envelope's id).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=64, db_index=True)
    version = models.PositiveSmallIntegerField(default=1)
    occurred_at = models.DateTimeField(db_index=True)
    order_number = models.CharField(max_length=32, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A relay claims rows for a short lease instead of holding row locks while it
    # talks to SNS; a relay that dies mid-publish lets the lease lapse.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("occurred_at",)
        indexes = [
            models.Index(
                fields=["occurred_at"],
                name="outbox_unpublished_idx",
                condition=models.Q(published_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.order_number} ({self.id})"

    def envelope(self) -> dict:
        """Return the event as the envelope in docs/architecture.md."""
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "order_number": self.order_number,
            "data": self.data,
        }


class NotificationLog(models.Model):
    """One notification (event × channel × recipient): the exactly-once record.

    The unique constraint is what makes a redelivered event send nothing: the
    second delivery finds this row already `sent`.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event_id = models.UUIDField(db_index=True)
    event_type = models.CharField(max_length=64)
    order_number = models.CharField(max_length=32, blank=True, db_index=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    subject = models.CharField(max_length=200, blank=True)
    # what was sent: the email's text part, or the SMS
    body = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    # A consumer claims the row while it sends; a crashed consumer's claim lapses.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    resend_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "channel", "recipient"],
                name="notification_once_per_event_channel_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event_type} → {self.recipient} ({self.status})"


class FailedMessage(models.Model):
    """A channel-queue message that could not be handled (malformed or poison).

    Written by the consumer each time it gives up on a receive, so staff see
    in admin what is heading for (or sits in) the channel's dead-letter queue.
    """

    channel = models.CharField(max_length=16)
    message_id = models.CharField(max_length=128)
    body = models.TextField(blank=True)
    error = models.TextField()
    receive_count = models.PositiveIntegerField(default=1)
    dead_lettered = models.BooleanField(default=False)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-last_seen_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "message_id"], name="failed_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.message_id}"
