"""The staff operations dashboard (admin): access, content, query budget, browser."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.cache import cache
from django.utils import timezone

from dashboard import selectors, views
from dashboard.chart import chart_build
from orders.models import Order
from tests.factories.accounts import PASSWORD, StaffUserFactory, UserFactory
from tests.factories.orders import CatalogVariantFactory, OrderFactory

URL = "/admin/dashboard/"


@pytest.fixture
def shop_floor(db):
    """Orders in every interesting state, a low-stock variant, a failed notification."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    )

    def today_ago(delta: timedelta):
        """`delta` ago, but never before local midnight: placed today whatever the
        hour the test runs at (the dashboard counts today since midnight)."""
        return max(now - delta, midnight)

    for _ in range(3):
        OrderFactory(total=Decimal("25.00"), placed_at=today_ago(timedelta(minutes=5)))
    OrderFactory(
        status=Order.Status.ON_HOLD,
        risk_score=91,
        risk_reasons=["velocity"],
        total=Decimal("400.00"),
    )
    OrderFactory(
        status=Order.Status.PROCESSING,
        number="SC-STUCK001",
        status_changed_at=now - timedelta(hours=3),
        placed_at=today_ago(timedelta(hours=3)),
    )
    OrderFactory(
        status=Order.Status.CANCELLED,
        total=Decimal("999.00"),
        placed_at=today_ago(timedelta(minutes=1)),
    )
    low = CatalogVariantFactory(sku="LOW-1", stock_on_hand=3, stock_reserved=1)
    try:
        log_model = apps.get_model("notifications", "NotificationLog")
    except LookupError:
        log_model = None
    if log_model is not None:
        log_model.objects.create(
            event_id=uuid.uuid4(),
            event_type="order.shipped",
            channel="sms",
            recipient="+15415550100",
            status="failed",
            error="SNS throttled us",
        )
    return {"low": low, "notifications": log_model is not None}


@pytest.mark.django_db
def test_dashboard_is_for_staff_only(client):
    assert client.get(URL).status_code == 302  # to the admin login
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(StaffUserFactory())
    assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_admin_index_links_the_dashboard(client):
    client.force_login(StaffUserFactory())
    response = client.get("/admin/")
    assert response.status_code == 200
    assert f'href="{URL}"' in response.content.decode()


def test_dashboard_shows_each_section_within_its_query_budget(
    client, shop_floor, django_assert_max_num_queries
):
    client.force_login(StaffUserFactory())
    cache.clear()
    with django_assert_max_num_queries(views.QUERY_BUDGET):
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    snapshot = response.context["snapshot"]

    # today: 5 orders (the cancelled one is not revenue), 3×25 + 400 + 25
    assert snapshot["today_count"] == 5
    assert snapshot["today"][0]["revenue"] == Decimal("500.00")
    assert "500.00 USD" in html
    assert snapshot["chart"].total == 6
    assert len(re.findall(r'<rect class="ops-bar"', html)) == 24
    by_status = {row["status"]: row["count"] for row in snapshot["by_status"]}
    assert by_status["placed"] == 3 and by_status["on_hold"] == 1
    assert [o.number for o in snapshot["stuck"]] == ["SC-STUCK001"]
    assert [o.risk_score for o in snapshot["holds"]] == [91]
    assert "LOW-1" in [v.sku for v in snapshot["low_stock"]]
    if shop_floor["notifications"]:
        assert "SNS throttled us" in html

    # cached: a second render costs only the admin's own session/user reads
    with django_assert_max_num_queries(2):
        assert client.get(URL).status_code == 200


def test_orders_per_hour_fills_gaps_and_counts_per_hour(db):
    now = timezone.now().replace(minute=30, second=0, microsecond=0)
    OrderFactory(placed_at=now - timedelta(hours=2))
    OrderFactory(placed_at=now - timedelta(hours=2, minutes=10))
    OrderFactory(placed_at=now)
    points = selectors.orders_per_hour(now=now)
    assert len(points) == 24
    assert [p["count"] for p in points][-3:] == [2, 0, 1]
    chart = chart_build(points)
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.count == 2 and tallest.y == chart.plot_top
    assert chart.bars[-1].height == pytest.approx(tallest.height / 2, abs=0.2)


@pytest.mark.aws
@pytest.mark.django_db
def test_dashboard_lists_queue_and_dlq_depths(client, aws, settings):
    from securecart.aws import client as aws_client
    from securecart.observability.collectors import clear_queue_cache

    settings.CELERY_BROKER_URL = "sqs://"
    settings.SQS_QUEUE_PREFIX = "dash-"
    clear_queue_cache()
    sqs = aws_client("sqs")
    for name in ("default", "default-dlq"):
        sqs.create_queue(QueueName=f"dash-{name}")
    dlq = sqs.get_queue_url(QueueName="dash-default-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="poison")
    client.force_login(StaffUserFactory())
    response = client.get(URL)
    clear_queue_cache()
    queues = {q.name: q for q in response.context["snapshot"]["queues"]}
    assert queues["default"].visible == 0 and queues["default"].dlq_visible == 1
    assert queues["fulfilment"].visible is None  # missing queue shown as "?"
    assert 'id="ops-queues"' in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_sees_the_dashboard_chart_in_a_real_browser(page, shop_floor):
    staff = StaffUserFactory()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    # given a staff member signed in through the admin login form
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    # when they follow the link on the admin index
    page.click("#ops-dashboard-link a")
    page.wait_for_url(f"**{URL}")
    # then the chart is there, drawn and styled without any script
    chart = page.locator("svg#orders-per-hour")
    chart.wait_for()
    assert page.locator("svg#orders-per-hour rect.ops-bar").count() == 24
    assert chart.bounding_box()["width"] > 300
    fill = page.eval_on_selector(
        "svg#orders-per-hour rect.ops-bar", "el => getComputedStyle(el).fill"
    )
    assert fill == "rgb(65, 118, 144)", "dashboard.css applied under the CSP"
    assert page.locator("#ops-today-orders .ops-card-value").inner_text() == "5"
    assert "SC-STUCK001" in page.locator("#ops-stuck").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors
