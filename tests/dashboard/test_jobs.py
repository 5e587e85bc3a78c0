"""Staff jobs: CSV exports of the admin lists and product imports, run by a worker."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard.jobs import progress_key
from dashboard.models import StaffJob
from orders.models import Order
from shop.models import Variant
from tests.factories.orders import OrderFactory, user_create
from tests.services import wait_until

pytestmark = pytest.mark.django_db
S = Order.Status


def staff_with(*codenames: str):
    user = user_create(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def read_csv(job: StaffJob) -> list[dict[str, str]]:
    with storages["private"].open(job.file_name, "rb") as fh:
        return list(csv.DictReader(io.StringIO(fh.read().decode("utf-8"))))


def start_export(client, what: str, query: str, callbacks) -> StaffJob:
    url = f"/admin/dashboard/export/{what}/?{query}"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert query.split("=")[0] in confirm.content.decode()  # says which filter
    with callbacks(execute=True):
        response = client.post(url)
    job = StaffJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/dashboard/jobs/{job.pk}/"
    return StaffJob.objects.get(pk=job.pk)


def test_orders_export_follows_the_list_filter_and_emails_the_staff_member(
    client, django_capture_on_commit_callbacks
):
    shipped = OrderFactory(status=S.SHIPPED, email="=HYPERLINK(1)@example.com")
    OrderFactory(status=S.PLACED)
    client.force_login(staff_with("view_order"))
    changelist = client.get("/admin/orders/order/?status__exact=shipped")
    assert 'href="/admin/dashboard/export/orders/?status__exact=shipped"' in (
        changelist.content.decode()
    )
    job = start_export(
        client, "orders", "status__exact=shipped", django_capture_on_commit_callbacks
    )
    assert job.status == StaffJob.Status.DONE and job.rows_total == 1
    rows = read_csv(job)
    assert [row["number"] for row in rows] == [shipped.number]
    # a spreadsheet must not run a cell as a formula
    assert rows[0]["email"] == "'=HYPERLINK(1)@example.com"
    assert rows[0]["total"] == "25.00" and rows[0]["items"] == "2"
    page = client.get(f"/admin/dashboard/jobs/{job.pk}/").content.decode()
    assert "Download the CSV" in page and "1 row(s) exported." in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [job.created_by.email]
    assert f"/admin/dashboard/jobs/{job.pk}/" in mail.outbox[0].body


def test_export_needs_permission_and_jobs_are_private_to_their_owner(
    client, django_capture_on_commit_callbacks
):
    client.force_login(user_create(is_staff=True))
    assert client.get("/admin/dashboard/export/orders/").status_code == 403
    assert client.post("/admin/dashboard/export/orders/").status_code == 403
    assert client.get("/admin/dashboard/export/customers/").status_code == 404
    assert not StaffJob.objects.exists()
    owner = staff_with("view_order")
    client.force_login(owner)
    job = start_export(
        client, "orders", "status__exact=placed", django_capture_on_commit_callbacks
    )
    client.force_login(staff_with("view_order"))  # a colleague
    assert client.get(f"/admin/dashboard/jobs/{job.pk}/").status_code == 404


def test_running_job_page_shows_live_progress_and_refreshes(client):
    owner = staff_with("view_order")
    job = StaffJob.objects.create(
        kind=StaffJob.Kind.EXPORT_ORDERS, created_by=owner, status="running"
    )
    cache.set(progress_key(job.pk), (1500, 6000), 60)
    client.force_login(owner)
    page = client.get(f"/admin/dashboard/jobs/{job.pk}/").content.decode()
    assert 'value="1500"' in page and 'max="6000"' in page
    assert 'http-equiv="refresh"' in page and "Download" not in page


def test_products_export_imports_back_and_an_upload_runs_in_the_background(
    client, django_capture_on_commit_callbacks
):
    order = OrderFactory()
    variant = order.lines.get().variant
    client.force_login(
        staff_with("view_product", "add_product", "change_product", "add_variant")
    )
    job = start_export(
        client,
        "products",
        f"q={variant.product.slug}",
        django_capture_on_commit_callbacks,
    )
    rows = read_csv(job)
    assert [row["sku"] for row in rows] == [variant.sku]
    assert rows[0]["stock_reserved"] == "2"
    rows[0]["price"] = "12.34"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("products.csv", out.getvalue().encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/dashboard/import/products/", {"file": upload})
    imported = StaffJob.objects.get(kind=StaffJob.Kind.IMPORT_PRODUCTS)
    assert response["Location"] == f"/admin/dashboard/jobs/{imported.pk}/"
    assert imported.status == "done", imported.result
    assert "0 created, 1 updated" in imported.result
    assert Variant.objects.get(pk=variant.pk).price == Decimal("12.34")


def test_an_import_with_a_bad_row_fails_and_changes_nothing(
    client, django_capture_on_commit_callbacks
):
    variant = OrderFactory().lines.get().variant
    before = variant.price
    client.force_login(
        staff_with("view_product", "add_product", "change_product", "add_variant")
    )
    header = "sku,product_slug,product_name,category,price,stock_on_hand\n"
    body = (
        f"{variant.sku},{variant.product.slug},{variant.product.name},"
        f"{variant.product.category.slug},99.00,5\n"
        "NEW-1,new-thing,New thing,no-such-category,abc,5\n"
    )
    upload = SimpleUploadedFile("p.csv", (header + body).encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/dashboard/import/products/", {"file": upload})
    job = StaffJob.objects.get()
    assert job.status == "failed" and "Nothing imported" in job.result
    assert Variant.objects.get(pk=variant.pk).price == before
    assert not Variant.objects.filter(sku="NEW-1").exists()
    # not a CSV: a form error, no job
    bad = SimpleUploadedFile("p.xlsx", b"PK\x03\x04", "application/octet-stream")
    response = client.post("/admin/dashboard/import/products/", {"file": bad})
    assert (
        response.status_code == 200
        and "Choose a .csv file." in response.content.decode()
    )
    assert StaffJob.objects.count() == 1


def test_a_redelivered_job_message_changes_nothing(
    client, django_capture_on_commit_callbacks
):
    OrderFactory(status=S.SHIPPED)
    client.force_login(staff_with("view_order"))
    job = start_export(
        client, "orders", "status__exact=shipped", django_capture_on_commit_callbacks
    )
    from dashboard.tasks import staff_job_task

    assert (
        staff_job_task.apply(kwargs={"job_id": job.pk}).result
        == "skipped: already finished"
    )
    assert StaffJob.objects.get(pk=job.pk).file_name == job.file_name
    assert len(mail.outbox) == 1


@pytest.mark.worker
def test_a_real_worker_finishes_the_export_off_the_web_request(
    celery_worker_factory, client
):
    for _ in range(3):
        OrderFactory(status=S.SHIPPED)
    OrderFactory(status=S.CANCELLED)
    worker = celery_worker_factory(queues="default")
    client.force_login(staff_with("view_order"))
    response = client.post("/admin/dashboard/export/orders/?status__exact=shipped")
    job = StaffJob.objects.get()
    assert response.status_code == 302
    assert job.status == StaffJob.Status.QUEUED  # the request did not run it

    def finished() -> bool:
        job.refresh_from_db()
        return job.status in ("done", "failed")

    wait_until(finished, 60, message=f"export done; worker log:\n{worker.log()}")
    assert job.status == "done" and job.rows_total == 3
    assert len(read_csv(job)) == 3
    page = client.get(f"/admin/dashboard/jobs/{job.pk}/").content.decode()
    assert "Download the CSV" in page
