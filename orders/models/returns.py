"""Returns (RMA): a shopper asks to send shipped units back; staff approve or
reject, then mark the parcel received, which refunds (and restocks) it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .orders import Order, OrderLine
from .refunds import Refund


class ReturnRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RECEIVING = "receiving", "Being refunded"
        RECEIVED = "received", "Received and refunded"

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="return_requests"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    reason = models.TextField()  # the shopper's words
    staff_note = models.TextField(blank=True)  # why staff decided as they did
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    refund = models.OneToOneField(
        Refund,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_request",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "return"
        permissions = [
            ("decide_returnrequest", "Can approve or reject returns"),
            ("receive_returnrequest", "Can mark returns received (refunds them)"),
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of {self.order_id} ({self.status})"


class ReturnLine(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="return_lines"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="return_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line_id}"
