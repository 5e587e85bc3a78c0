"""The staff sales report: revenue, orders and units by day and by category."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, Payment
from tests.factories.orders import CatalogVariantFactory, OrderFactory, user_create

pytestmark = pytest.mark.django_db
S = Order.Status
URL = "/admin/dashboard/sales/"


@pytest.fixture
def lead(client):
    from django.contrib.auth.models import Permission

    user = user_create(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_operations"))
    client.force_login(user)
    return user


def test_report_sums_days_and_categories_leaving_out_cancelled_and_refunds(
    client, lead, django_assert_max_num_queries
):
    today = timezone.localdate()
    now = timezone.now()
    variant = CatalogVariantFactory(stock_on_hand=10, stock_reserved=4)
    # each: 2 units, 25.00 total, lines 20.00
    a = OrderFactory(placed_at=now, with_line__variant=variant)
    b = OrderFactory(placed_at=now - timedelta(days=1), with_line__variant=variant)
    Payment.objects.filter(order=b).update(
        status=Payment.Status.CAPTURED,
        captured_amount=Decimal("25.00"),
        refunded_amount=Decimal("5.00"),
    )
    OrderFactory(placed_at=now, status=S.CANCELLED)  # not revenue
    OrderFactory(placed_at=now - timedelta(days=40))  # outside the range
    start = (today - timedelta(days=6)).isoformat()
    with django_assert_max_num_queries(8):  # session, user, perms + 3 report queries
        page = client.get(URL, {"start": start, "end": today.isoformat()})
    assert page.status_code == 200
    days = {row["day"]: row for row in page.context["days"]}
    assert len(days) == 7  # empty days included
    assert days[today]["orders"] == 1 and days[today]["units"] == 2
    assert days[today]["revenue"] == Decimal("25.00")
    assert days[today - timedelta(days=1)]["revenue"] == Decimal("20.00")
    assert page.context["totals"]["revenue"] == Decimal("45.00")
    (category,) = page.context["categories"]
    assert category["category"] == a.lines.get().variant.product.category.name
    assert category["orders"] == 2 and category["units"] == 4
    assert category["revenue"] == Decimal("40.00")
    html = page.content.decode()
    assert html.count('class="ops-bar"') == 7 and 'id="sales-chart"' in html


def test_report_as_csv_has_both_tables(client, lead):
    variant = CatalogVariantFactory(stock_on_hand=10, stock_reserved=2)
    OrderFactory(with_line__variant=variant)
    today = timezone.localdate().isoformat()
    response = client.get(URL, {"start": today, "end": today, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["day", "orders", "units", "revenue"]
    assert rows[1] == [today, "1", "2", "25.00"]
    assert rows[3] == ["category", "orders", "units", "revenue"]
    assert rows[4] == [variant.product.category.name, "1", "2", "20.00"]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "is before"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "at most 366 days"),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date"),
    ],
)
def test_bad_ranges_are_a_form_error(client, lead, query, message):
    response = client.get(URL, query)
    assert response.status_code == 400 and message in response.content.decode()


def test_report_needs_the_operations_permission(client):
    client.force_login(user_create(is_staff=True))
    assert client.get(URL).status_code == 403
