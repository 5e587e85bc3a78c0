"""Payments, their gateway transactions and checkout idempotency keys."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import _currency_default
from .orders import Order


class Payment(models.Model):
    """One card payment through the gateway (never card data: only references).

    Created before the authorisation call (status pending) so a crash mid-call
    leaves a trace; `order` is filled in when the order is placed, and stays
    empty for a declined or abandoned attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        AUTHORISED = "authorised", "Authorised"
        CAPTURED = "captured", "Captured"
        VOIDED = "voided", "Voided"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"

    class RiskLevel(models.TextChoices):
        NORMAL = "normal", "Normal"
        ELEVATED = "elevated", "Elevated"
        HIGHEST = "highest", "Highest"

    order = models.OneToOneField(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    gateway = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default=_currency_default)
    captured_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    refunded_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    risk_level = models.CharField(
        max_length=16, choices=RiskLevel.choices, default=RiskLevel.NORMAL
    )
    # Opaque card fingerprint from the gateway (fraud velocity), never a PAN.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # The gateway idempotency key of the authorisation: a retried checkout
    # re-sends it and gets the same authorisation back, never a second one.
    authorise_key = models.CharField(max_length=128, unique=True)
    decline_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payment_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("captured_amount")),
                name="payment_refund_not_above_capture",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference or self.authorise_key} ({self.status})"


class PaymentTransaction(models.Model):
    """Every call made to the gateway, successful or not."""

    class Kind(models.TextChoices):
        AUTHORISE = "authorise", "Authorise"
        CAPTURE = "capture", "Capture"
        VOID = "void", "Void"
        REFUND = "refund", "Refund"

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="transactions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    succeeded = models.BooleanField()
    reference = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.kind} {self.amount} {outcome}"


class CheckoutIdempotencyKey(models.Model):
    """One checkout attempt, keyed by the client's Idempotency-Key.

    The unique constraint on `key` is what makes a double submit place one
    order: the second INSERT fails and that request replays the first's
    response instead of charging again.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        # The gateway was unreachable: a retry with the same key takes over at once.
        RETRYABLE = "retryable", "Retryable"
        COMPLETED = "completed", "Completed"

    key = models.CharField(max_length=255, unique=True)
    request_hash = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.IN_PROGRESS
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "checkout idempotency key"

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
