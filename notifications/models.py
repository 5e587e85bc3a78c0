"""Domain events (transactional outbox)."""

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
        """Return the event as the envelope in ARCHITECTURE.md."""
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "order_number": self.order_number,
            "data": self.data,
        }
