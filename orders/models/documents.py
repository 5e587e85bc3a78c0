"""Order documents: the invoice and the packing slip, as PDF files in private storage."""

from __future__ import annotations

from django.db import models

from .orders import Order


class OrderDocument(models.Model):
    """One generated document of an order; regenerating replaces the file name."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        PACKING_SLIP = "packing_slip", "Packing slip"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # name in the "private" storage (S3 private/ prefix in production)
    file_name = models.CharField(max_length=255)
    # what the document was made from ("<status>:<refunded amount>"): an invoice
    # made when paid is made again once the order ships or is refunded
    version = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"], name="order_document_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_id}"
