"""Staff tools in Chromium: an order-list export followed to its download, and the
invoice and packing slip from the admin order page and the shopper's order page."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from orders.groups import ORDER_MANAGERS, order_managers_group_ensure
from orders.models import Order
from orders.services.fulfilment import order_payment_capture
from orders.services.transitions import order_transition
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.orders import OrderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Order.Status


def _manager():
    order_managers_group_ensure()
    user = UserFactory(username="order-manager", is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_MANAGERS))
    return user


def _paid(**kwargs) -> Order:
    order = OrderFactory(**kwargs)
    order_transition(order=order, to=S.PROCESSING, actor="system:test")
    order_payment_capture(order_id=order.pk)  # eager: the documents task runs too
    return order


def test_manager_exports_the_filtered_order_list_and_downloads_it(staff_page):
    held = [OrderFactory(status=S.ON_HOLD) for _ in range(2)]
    OrderFactory(status=S.PLACED)
    staff = staff_page(_manager())
    staff.goto("/admin/orders/order/?status__exact=on_hold")
    staff.get_by_role("link", name="Export CSV").click()
    expect(staff.get_by_text("as it is filtered now")).to_be_visible()
    staff.get_by_role("button", name="Start the export").click()
    staff.wait_for_url("**/admin/dashboard/jobs/*/")
    # eager Celery in the live server: done by the time the page shows
    expect(staff.locator("#job-status")).to_contain_text("Done")
    expect(staff.locator("#job-result")).to_have_text("2 row(s) exported.")
    href = staff.get_by_role("link", name="Download the CSV").get_attribute("href")
    response = staff.context.request.get(href)
    assert response.ok
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert sorted(row["number"] for row in rows) == sorted(o.number for o in held)
    assert {row["status"] for row in rows} == {"on_hold"}


def test_invoice_from_the_admin_order_page_and_the_shoppers_order_page(
    page, staff_page
):
    shopper = UserFactory(username="shopper")
    order = _paid(user=shopper, email=shopper.email)
    staff = staff_page(_manager())
    staff.goto(f"/admin/orders/order/{order.pk}/change/")
    for name in ("Invoice", "Packing slip"):
        href = staff.get_by_role("link", name=name, exact=True).get_attribute("href")
        pdf = staff.context.request.get(href)
        assert pdf.ok and pdf.body().startswith(b"%PDF-")
        assert pdf.headers["cache-control"] == "private, no-store"

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(shopper.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/orders/{order.number}/")
    link = page.get_by_role("link", name="Invoice (PDF)")
    expect(link).to_be_visible()
    pdf = page.context.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    # another browser without the order gets nothing
    other = page.context.browser.new_context(base_url=page.url.split("/orders/")[0])
    try:
        assert other.request.get(f"/orders/{order.number}/invoice.pdf").status == 404
    finally:
        other.close()
