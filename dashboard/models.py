"""Staff background jobs: CSV exports and product imports run by a worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffJob(models.Model):
    class Kind(models.TextChoices):
        EXPORT_ORDERS = "export_orders", "Orders export (CSV)"
        EXPORT_PRODUCTS = "export_products", "Products export (CSV)"
        IMPORT_PRODUCTS = "import_products", "Products import (CSV)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the admin list's filters, search and date drill-down (its query string)
    query = models.TextField(blank=True)
    skip_invalid = models.BooleanField(default=False)  # imports
    # in private storage: the export's CSV, or the uploaded import file
    file_name = models.CharField(max_length=255, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    result = models.TextField(blank=True)  # summary, or the error report
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class CustomerNote(models.Model):
    """A staff note on a customer ("prefers SMS", "called about a late parcel")."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # survives the author's deletion
    author_label = models.CharField(max_length=150)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"note on {self.customer_id} by {self.author_label}"
