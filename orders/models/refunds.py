"""Refunds: each one a reservation of captured money, then a gateway call.

A refund row is written (pending) under the payment's row lock before the
gateway is called, so two staff refunding the same order at once see each
other's amounts and can never reserve more than was captured. Its own
idempotency key is what the gateway sees: a retry of the same refund can never
pay out twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .orders import Order, OrderLine
from .payments import Payment, PaymentTransaction


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    idempotency_key = models.CharField(max_length=128, unique=True)
    reason = models.TextField(blank=True)
    restock = models.BooleanField(default=False)
    # Partial refunds email the customer; a refund that settles a cancelled or
    # fully refunded order does not (that status change has its own email).
    notify_customer = models.BooleanField(default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=100, blank=True)
    transaction = models.OneToOneField(
        PaymentTransaction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refund",
    )
    # The last gateway error of a pending refund (a retry is safe: same key).
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.status})"


class RefundLine(models.Model):
    """How many units of one order line a refund gives back."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="refund_lines"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="refund_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line_id}"
