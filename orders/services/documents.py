"""Writes for order documents: make the invoice and packing slip, store them privately.

A background task (`orders.tasks.order_documents_task`) makes them when an order is
paid and again when its status changes what they say (shipped, refunded); a
download finds the stored file or, if the task has not run yet, makes it then.
Files go to the "private" storage: S3 under `private/` with short-lived signed URLs
in production, a local folder behind Django-signed URLs in development.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from securecart.addresses import Address
from shop.templatetags.shop_tags import money

from ..models import Order, OrderDocument
from ..pdf import DocumentData, DocumentLine, render_pdf

logger = logging.getLogger(__name__)

Kind = OrderDocument.Kind
S = Order.Status
DOCUMENTS_TASK = "orders.tasks.order_documents_task"
# moves after which the documents say something new
DOCUMENT_STATUSES = frozenset({S.SHIPPED, S.DELIVERED, S.REFUNDED, S.CANCELLED})


def order_has_documents(order: Order) -> bool:
    """Documents exist once money was taken: a captured payment."""
    payment = getattr(order, "payment", None)
    return payment is not None and bool(payment.captured_amount)


def _version(order: Order) -> str:
    return f"{order.status}:{order.payment.refunded_amount}"


def _invoice_totals(order: Order) -> list[tuple[str, str]]:
    cur = order.currency
    rows = [("Subtotal", money(order.subtotal, cur))]
    if order.discount_total:
        rows.append(("Discount", money(-order.discount_total, cur)))
    rows.append(("Shipping", money(order.shipping_total, cur)))
    tax_label = "Tax included" if order.prices_include_tax else "Tax"
    rows.append((tax_label, money(order.tax_total, cur)))
    payment = getattr(order, "payment", None)
    if payment is not None and payment.refunded_amount:
        rows.append(("Refunded", money(-payment.refunded_amount, cur)))
    rows.append(("Total", money(order.total, cur)))
    return rows


def order_document_data(*, order: Order, kind: str) -> DocumentData:
    """What one document of `order` says (plain data for orders.pdf)."""
    invoice = kind == Kind.INVOICE
    lines = [
        DocumentLine(
            description=f"{line.product_name} — {line.variant_name}".strip(" —"),
            sku=line.sku,
            quantity=line.quantity,
            unit_price=money(line.unit_price, order.currency) if invoice else "",
            line_total=money(line.line_total, order.currency) if invoice else "",
        )
        for line in order.lines.order_by("id")
    ]
    notes = []
    if invoice and order.payment.refunded_amount:
        notes.append("Refunds are shown under the totals.")
    if not invoice and order.shipping_method_id:
        notes.append(f"Shipping: {order.shipping_method.name}")
    return DocumentData(
        title=Kind(kind).label,
        shop_name=settings.SITE_NAME,
        order_number=order.number,
        issued_on=date_format(timezone.localdate(), "DATE_FORMAT"),
        address_lines=Address.from_object(order, prefix="shipping_").as_lines(),
        lines=lines,
        totals=_invoice_totals(order) if invoice else [],
        notes=notes,
    )


def order_document_generate(*, order: Order, kind: str) -> OrderDocument:
    """Make (or remake, when the order's status or refunds changed) one document.

    Idempotent: a redelivered task finds the document made for the same version
    and stops.
    """
    existing = OrderDocument.objects.filter(order=order, kind=kind).first()
    storage = storages["private"]
    if (
        existing is not None
        and existing.version == _version(order)
        and storage.exists(existing.file_name)
    ):
        return existing
    pdf = render_pdf(order_document_data(order=order, kind=kind))
    name = storage.save(f"orders/{order.number}/{kind}.pdf", ContentFile(pdf))
    with transaction.atomic():
        document, _ = OrderDocument.objects.update_or_create(
            order=order,
            kind=kind,
            defaults={"file_name": name, "version": _version(order)},
        )
    if existing is not None and existing.file_name != name:
        storage.delete(existing.file_name)
    return document


def order_documents_generate(*, order_id: int) -> list[str]:
    """Make the documents an order has in its current status; returns their kinds."""
    order = Order.objects.select_related("shipping_method", "payment").get(pk=order_id)
    if not order_has_documents(order):
        return []
    return [order_document_generate(order=order, kind=kind).kind for kind in Kind]


def order_documents_enqueue(*, order_id: int) -> None:
    """After commit, ask a worker to make the documents (never raises)."""

    def send() -> None:
        try:
            current_app.signature(DOCUMENTS_TASK, kwargs={"order_id": order_id}).delay()
        except Exception:  # the download makes a missing document on demand
            logger.exception("could not enqueue documents for order %s", order_id)

    transaction.on_commit(send, robust=True)


def order_document_url(*, order: Order, kind: str) -> str | None:
    """A short-lived signed URL of a document, made now if missing; None if the
    order has none (no money taken)."""
    if kind not in Kind.values or not order_has_documents(order):
        return None
    document = order_document_generate(order=order, kind=kind)
    return storages["private"].url(document.file_name)
