"""Invoices and packing slips: made in the background once paid, kept private,
downloaded through short-lived signed URLs by the shopper and by staff."""

from __future__ import annotations

import base64
import re
import urllib.request
import zlib
from urllib.parse import urlsplit

import boto3
import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import storages

from orders.models import Order, OrderDocument
from orders.services import order_mark_shipped, order_refund
from orders.services.fulfilment import order_payment_capture
from orders.services.transitions import order_transition
from orders.views import ORDERS_SESSION_KEY
from tests.factories.orders import OrderFactory, user_create

pytestmark = pytest.mark.django_db
S = Order.Status


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF: its content streams, inflated where compressed."""
    assert data.startswith(b"%PDF-")
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = stream.strip()
        if raw.endswith(b"~>"):  # ReportLab: ASCII85 over Flate
            raw = base64.a85decode(raw.removeprefix(b"<~")[:-2])
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass
        parts.append(raw.decode("latin-1"))
    return "".join(parts)


def paid_order(capture_callbacks, **kwargs) -> Order:
    order = OrderFactory(**kwargs)
    order_transition(order=order, to=S.PROCESSING, actor="system:test")
    with capture_callbacks(execute=True):
        order_payment_capture(order_id=order.pk)
    return Order.objects.select_related("payment").get(pk=order.pk)


def test_capture_makes_invoice_and_packing_slip_in_private_storage(
    django_capture_on_commit_callbacks,
):
    order = paid_order(django_capture_on_commit_callbacks)
    documents = {d.kind: d for d in order.documents.all()}
    assert set(documents) == {"invoice", "packing_slip"}
    storage = storages["private"]
    with storage.open(documents["invoice"].file_name, "rb") as fh:
        invoice = pdf_text(fh.read())
    with storage.open(documents["packing_slip"].file_name, "rb") as fh:
        slip = pdf_text(fh.read())
    line = order.lines.get()
    for text in (order.number, line.sku, "Ada Lovelace", "12 Analytical St"):
        assert text in invoice and text in slip
    assert "$25.00" in invoice  # the total
    assert "$" not in slip  # a packing slip carries no prices


def test_an_unpaid_order_has_no_documents(django_capture_on_commit_callbacks):
    order = OrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.CANCELLED, actor="system:test")
    assert not OrderDocument.objects.filter(order=order).exists()


def test_documents_are_made_once_per_version_and_again_after_a_refund(
    django_capture_on_commit_callbacks, settings
):
    order = paid_order(django_capture_on_commit_callbacks)
    invoice = order.documents.get(kind="invoice")
    assert invoice.version.startswith("processing:")
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_shipped(order=order, actor="system:test", tracking_number="T1")
    order.refresh_from_db()
    shipped = order.documents.get(kind="invoice")
    assert shipped.version.startswith("shipped:")
    # a redelivered task for the same version changes nothing
    from orders.tasks import order_documents_task

    order_documents_task.apply(kwargs={"order_id": order.pk})
    assert order.documents.get(kind="invoice").file_name == shipped.file_name
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, actor="system:test", reason="test")
    refunded = Order.objects.get(pk=order.pk).documents.get(kind="invoice")
    assert refunded.version == "refunded:25.00"
    storage = storages["private"]
    with storage.open(refunded.file_name, "rb") as fh:
        assert "Refunded" in pdf_text(fh.read())
    # earlier versions are deleted: one file per document of the order
    _, files = storage.listdir(f"orders/{order.number}")
    assert len(files) == 2 and storage.exists(refunded.file_name)


def test_shopper_downloads_their_invoice_by_signed_url(
    client, django_capture_on_commit_callbacks
):
    owner = user_create()
    order = paid_order(django_capture_on_commit_callbacks, user=owner)
    client.force_login(owner)
    response = client.get(f"/orders/{order.number}/invoice.pdf")
    assert response.status_code == 302
    signed = response["Location"]
    assert "signature=" in signed and "expires=" in signed
    pdf = b"".join(client.get(signed).streaming_content)
    assert order.number in pdf_text(pdf)
    # the page links to it
    page = client.get(f"/orders/{order.number}/")
    assert f"/orders/{order.number}/invoice.pdf" in page.content.decode()
    # a tampered signature is refused
    assert client.get(signed.replace("signature=", "signature=x")).status_code == 404


def test_guest_with_token_gets_invoice_others_get_404(
    client, django_capture_on_commit_callbacks
):
    order = paid_order(django_capture_on_commit_callbacks)
    assert client.get(f"/orders/{order.number}/invoice.pdf").status_code == 404
    client.force_login(user_create())  # someone else's account
    assert client.get(f"/orders/{order.number}/invoice.pdf").status_code == 404
    client.logout()
    session = client.session
    session[ORDERS_SESSION_KEY] = {order.number: order.access_token}
    session.save()
    assert client.get(f"/orders/{order.number}/invoice.pdf").status_code == 302


def test_unpaid_order_invoice_is_404(client):
    owner = user_create()
    order = OrderFactory(user=owner)
    client.force_login(owner)
    assert client.get(f"/orders/{order.number}/invoice.pdf").status_code == 404
    assert "invoice.pdf" not in client.get(f"/orders/{order.number}/").content.decode()


def test_staff_download_needs_view_order(client, django_capture_on_commit_callbacks):
    order = paid_order(django_capture_on_commit_callbacks)
    staff = user_create(is_staff=True)
    client.force_login(staff)
    url = f"/admin/dashboard/orders/{order.pk}/documents/packing_slip/"
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    response = client.get(url)
    assert response.status_code == 302
    pdf = b"".join(client.get(response["Location"]).streaming_content)
    assert order.lines.get().sku in pdf_text(pdf)
    bad = f"/admin/dashboard/orders/{order.pk}/documents/receipt/"
    assert client.get(bad).status_code == 404
    change = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert url in change


@pytest.mark.aws
def test_invoice_on_s3_is_private_and_served_by_presigned_url(
    aws, settings, client, django_capture_on_commit_callbacks
):
    bucket = "securecart-documents-test"
    s3 = boto3.client("s3", endpoint_url=aws.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.CLOUDFRONT_DOMAIN = ""
    settings.PRIVATE_URL_EXPIRY_SECONDS = 120
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "securecart.storage_s3.PrivateMediaStorage"},
    }
    owner = user_create()
    order = paid_order(django_capture_on_commit_callbacks, user=owner)
    name = order.documents.get(kind="invoice").file_name
    key = f"private/{name}"
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    client.force_login(owner)
    location = client.get(f"/orders/{order.number}/invoice.pdf")["Location"]
    parts = urlsplit(location)
    assert parts.path == f"/{bucket}/{key}" and "X-Amz-Signature=" in parts.query
    with urllib.request.urlopen(location, timeout=10) as response:
        assert order.number in pdf_text(response.read())
