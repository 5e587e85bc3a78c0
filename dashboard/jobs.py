"""Writes for staff background jobs: CSV exports of the admin lists, product imports.

A web request only records the job (and, for an import, stores the uploaded file
privately) and enqueues `dashboard.tasks.staff_job_task`; a worker writes the CSV
to private storage (or runs `shop.importing.products_import`), reports progress
through the cache while it runs, and emails the staff member when it is done.
An export uses exactly the rows the admin list showed: its query string is
replayed through the model admin's own ChangeList (filters, search, date
hierarchy).
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from celery import current_app
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from shop.importing import ImportFileError, ImportRowError, products_import
from shop.models import Product, Variant

from .models import StaffJob

logger = logging.getLogger(__name__)
Kind = StaffJob.Kind
Status = StaffJob.Status
JOB_TASK = "dashboard.tasks.staff_job_task"
PROGRESS_EVERY = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ORDER_COLUMNS = (
    "number", "placed_at", "status", "email", "customer", "country", "currency",
    "subtotal", "discount_total", "shipping_total", "tax_total", "total",
    "payment_status", "captured", "refunded", "items",
)  # fmt: skip
# the import's columns, so an export can be edited and imported back
PRODUCT_COLUMNS = (
    "sku", "product_slug", "product_name", "category", "price", "stock_on_hand",
    "variant_name", "currency", "is_active", "description", "options",
    "stock_reserved",
)  # fmt: skip


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def progress_key(job_id: int) -> str:
    return f"dashboard:staff-job:{job_id}:progress"


def job_progress(job: StaffJob) -> tuple[int, int | None]:
    """(rows done, rows in all) — live from the cache while the job runs."""
    if job.status == Status.RUNNING:
        live = cache.get(progress_key(job.pk))
        if live:
            return live[0], live[1]
    return job.rows_done, job.rows_total


# --- starting -----------------------------------------------------------------
def _enqueue(job: StaffJob) -> None:
    transaction.on_commit(
        lambda: current_app.signature(JOB_TASK, kwargs={"job_id": job.pk}).delay()
    )


def export_start(*, kind: str, user: Any, query: str) -> StaffJob:
    """Record an export of the admin list as filtered by its query string."""
    if kind not in (Kind.EXPORT_ORDERS, Kind.EXPORT_PRODUCTS):
        raise ValueError(f"not an export: {kind}")
    job = StaffJob.objects.create(kind=kind, created_by=user, query=query)
    _enqueue(job)
    return job


def import_start(*, user: Any, upload: Any, skip_invalid: bool) -> StaffJob:
    """Store the uploaded CSV privately and record its import."""
    name = storages["private"].save(f"imports/{upload.name}", upload)
    job = StaffJob.objects.create(
        kind=Kind.IMPORT_PRODUCTS,
        created_by=user,
        file_name=name,
        skip_invalid=skip_invalid,
    )
    _enqueue(job)
    return job


# --- the rows -------------------------------------------------------------------
def _admin_queryset(model: type[Model], job: StaffJob) -> QuerySet:
    """The rows the staff member's admin list showed when they asked."""
    model_admin = admin.site.get_model_admin(model)
    request = _replay(job)
    return model_admin.get_changelist_instance(request).get_queryset(request)


def _replay(job: StaffJob) -> Any:
    """A request as the staff member's list page saw it (their filters, their user).

    A job whose creator was deleted runs as nobody: every permission check fails.
    """
    request = RequestFactory().get("/", data=QueryDict(job.query))
    request.user = job.created_by or AnonymousUser()
    return request


def _order_rows(job: StaffJob) -> tuple[int, Iterator[list[Any]]]:
    orders = (
        _admin_queryset(Order, job)
        .select_related("payment")
        .prefetch_related("lines")
        .order_by("placed_at", "id")
    )

    def rows() -> Iterator[list[Any]]:
        for order in orders.iterator(chunk_size=1000):
            payment = getattr(order, "payment", None)
            yield [
                order.number, order.placed_at.isoformat(), order.status,
                order.email, order.shipping_name, order.shipping_country,
                order.currency, order.subtotal, order.discount_total,
                order.shipping_total, order.tax_total, order.total,
                payment.status if payment else "",
                payment.captured_amount if payment else Decimal("0.00"),
                payment.refunded_amount if payment else Decimal("0.00"),
                sum(line.quantity for line in order.lines.all()),
            ]  # fmt: skip

    return orders.count(), rows()


def _product_rows(job: StaffJob) -> tuple[int, Iterator[list[Any]]]:
    products = _admin_queryset(Product, job)
    variants = (
        Variant.objects.filter(product__in=products.values("pk"))
        .select_related("product__category")
        .order_by("product__slug", "position", "sku")
    )

    def rows() -> Iterator[list[Any]]:
        for variant in variants.iterator(chunk_size=1000):
            product = variant.product
            options = ";".join(f"{k}={v}" for k, v in (variant.options or {}).items())
            yield [
                variant.sku, product.slug, product.name, product.category.slug,
                variant.price, variant.stock_on_hand, variant.name,
                variant.currency, "1" if variant.is_active else "0",
                product.description, options, variant.stock_reserved,
            ]  # fmt: skip

    return variants.count(), rows()


# --- running ----------------------------------------------------------------------
def _claim(job_id: int) -> StaffJob | None:
    """Mark the job running; None if it already finished (a redelivered message).

    A job left `running` by a crashed worker is run again: exports rewrite their
    file and imports update by SKU, so a second run changes nothing more.
    """
    with transaction.atomic():
        job = StaffJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (Status.DONE, Status.FAILED):
            return None
        job.status = Status.RUNNING
        job.save(update_fields=["status"])
    return StaffJob.objects.select_related("created_by").get(pk=job_id)


def _write_csv(
    job: StaffJob,
    header: Iterable[str],
    total: int,
    rows: Iterator[list[Any]],
    report: Callable[[int, int], None],
) -> str:
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        done = 0
        for done, row in enumerate(rows, start=1):
            writer.writerow([_cell(value) for value in row])
            if done % PROGRESS_EVERY == 0:
                report(done, total)
        text.flush()
        text.detach()
        spool.seek(0)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = f"exports/{job.pk}/{job.kind.removeprefix('export_')}-{stamp}.csv"
        stored = storages["private"].save(name, File(spool, name=name))
    report(done, total)
    return stored


def _run_export(job: StaffJob, report: Callable[[int, int], None]) -> None:
    if job.kind == Kind.EXPORT_ORDERS:
        total, rows = _order_rows(job)
        header: tuple[str, ...] = ORDER_COLUMNS
    else:
        total, rows = _product_rows(job)
        header = PRODUCT_COLUMNS
    job.file_name = _write_csv(job, header, total, rows, report)
    job.rows_done, job.rows_total = total, total
    job.result = f"{total} row(s) exported."


def _run_import(job: StaffJob, report: Callable[[int, int], None]) -> None:
    with storages["private"].open(job.file_name, "rb") as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        result = products_import(
            handle=handle,
            skip_invalid=job.skip_invalid,
            progress=report,
            progress_every=PROGRESS_EVERY,
        )
    job.rows_total = len(result.rows) + result.skipped
    if result.errors and not job.skip_invalid:
        job.status = Status.FAILED
        job.result = "Nothing imported:\n" + "\n".join(result.errors[:200])
        return
    job.rows_done = result.created + result.updated
    job.result = (
        f"{result.created} created, {result.updated} updated, "
        f"{result.skipped} invalid row(s) skipped."
        + ("\n" + "\n".join(result.errors[:200]) if result.errors else "")
    )


def staff_job_run(*, job_id: int) -> str:
    """Run one job to its end (the worker's task body)."""
    job = _claim(job_id)
    if job is None:
        return "skipped: already finished"

    def report(done: int, total: int) -> None:
        cache.set(progress_key(job.pk), (done, total), 3600)

    try:
        if job.kind == Kind.IMPORT_PRODUCTS:
            _run_import(job, report)
        else:
            _run_export(job, report)
    except (ImportFileError, ImportRowError, UnicodeDecodeError, ValueError) as error:
        job.status, job.result = Status.FAILED, f"Failed: {error}"
    if job.status == Status.RUNNING:
        job.status = Status.DONE
    job.finished_at = timezone.now()
    job.save()
    cache.delete(progress_key(job.pk))
    _notify(job)
    return job.status


def _notify(job: StaffJob) -> None:
    user = job.created_by
    if user is None or not user.email:
        return
    path = reverse("admin-staff-job", args=[job.pk])
    send_mail(
        subject=f"{job.get_kind_display()} #{job.pk}: {job.get_status_display()}",
        message=f"{job.result}\n\nDetails and download (sign in to admin): {path}\n",
        from_email=None,
        recipient_list=[user.email],
        fail_silently=True,
    )


def job_download_url(job: StaffJob) -> str | None:
    """A short-lived signed URL of a finished export's CSV."""
    if (
        job.status != Status.DONE
        or not job.file_name
        or job.kind == Kind.IMPORT_PRODUCTS
    ):
        return None
    return storages["private"].url(job.file_name)
