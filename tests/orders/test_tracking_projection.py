"""The order tracking projection on DynamoDB (moto server): convergence under any
delivery order, rebuild = live projection, the order page and API without RDS."""

from __future__ import annotations

import json
import logging
import uuid
from contextlib import ExitStack, contextmanager

import pytest
from django.core.management import call_command
from django.db import OperationalError, connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from notifications.exceptions import MalformedMessage
from notifications.models import OutboxEvent
from orders.models import Order
from orders.services.orders import order_mark_delivered, order_mark_shipped
from orders.services.tracking import order_tracking_message_handle
from orders.services.transitions import order_transition
from orders.tracking_table import ensure_table, table_name
from securecart.aws import client
from tests.factories.accounts import UserFactory
from tests.orders.test_tasks_fulfilment import place_order

pytestmark = [pytest.mark.aws, pytest.mark.postgres, pytest.mark.django_db]

S = Order.Status


@pytest.fixture
def tracking_table(aws, settings):
    settings.ORDER_TRACKING_TABLE = f"t{uuid.uuid4().hex[:8]}-order-tracking"
    ensure_table()
    return table_name()


@pytest.fixture
def journey() -> tuple[Order, list[str]]:
    """A real order placed, held, released, shipped and delivered; its event bodies."""
    order = place_order()
    order_transition(order=order, to=S.ON_HOLD, reason="Fraud score 81: mismatch")
    order_transition(order=order, to=S.PROCESSING)
    order = order_mark_shipped(order=order, tracking_number="1Z999", carrier="UPS")
    order = order_mark_delivered(order=order)
    events = OutboxEvent.objects.filter(
        order_number=order.number, type__startswith="order."
    ).order_by("occurred_at")
    bodies = [json.dumps(event.envelope()) for event in events]
    assert [json.loads(b)["data"]["sequence"] for b in bodies] == [1, 2, 3, 4, 5]
    return Order.objects.get(pk=order.pk), bodies


def raw_item(number: str) -> dict | None:
    item = (
        client("dynamodb")
        .get_item(
            TableName=table_name(), Key={"number": {"S": number}}, ConsistentRead=True
        )
        .get("Item")
    )
    if item and "milestones" in item:
        item["milestones"] = {"SS": sorted(item["milestones"]["SS"])}
    return item


def forget(number: str) -> None:
    client("dynamodb").delete_item(
        TableName=table_name(), Key={"number": {"S": number}}
    )


def project(bodies: list[str]) -> list[str]:
    return [
        order_tracking_message_handle(channel="order-tracking", body=body)[0]
        for body in bodies
    ]


@contextmanager
def rds_down():
    """Every query on every database connection fails, as with RDS unreachable."""

    def refuse(*args, **kwargs):
        raise OperationalError("RDS unreachable (test)")

    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(refuse))
        yield


def test_in_order_projection_holds_status_milestones_and_no_internal_words(
    tracking_table, journey
):
    # given
    order, bodies = journey
    # when
    outcomes = project(bodies)
    # then
    assert outcomes == ["applied"] * 5
    item = raw_item(order.number)
    assert item["status"] == {"S": "delivered"} and item["seq"] == {"N": "5"}
    # milestones as data, in time order (the JSON starts with the time)
    assert [json.loads(m)["status"] for m in item["milestones"]["SS"]] == [
        "placed",
        "processing",
        "shipped",
        "delivered",
    ]
    assert item["tracking_number"] == {"S": "1Z999"}
    assert order.access_token not in json.dumps(item)
    assert "Fraud" not in json.dumps(item) and "on_hold" not in json.dumps(item)
    assert int(item["expires_at"]["N"]) > int(order.placed_at.timestamp()) + 86400


def test_a_duplicate_or_older_event_never_moves_the_order_back(tracking_table, journey):
    # given the order projected up to shipped
    order, bodies = journey
    project(bodies[:4])
    # when placed and hold arrive again
    outcomes = project([bodies[0], bodies[1], bodies[3]])
    # then
    assert outcomes == ["stale", "stale", "stale"]
    assert raw_item(order.number)["status"] == {"S": "shipped"}


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_projection_converges_whatever_the_delivery_order(
    tracking_table, journey, data
):
    order, bodies = journey
    # given every event at least once, in any order, some of them repeated
    deliveries = data.draw(st.permutations(bodies))
    for extra in data.draw(st.lists(st.sampled_from(bodies), max_size=6)):
        deliveries.insert(data.draw(st.integers(0, len(deliveries))), extra)
    forget(order.number)
    project(bodies)
    expected = raw_item(order.number)
    forget(order.number)
    # when
    project(deliveries)
    # then
    assert raw_item(order.number) == expected


def test_rebuild_equals_the_live_projection_and_resumes_after_a_number(
    tracking_table, journey, capsys
):
    # given the live projection of one order, and a second order never projected
    order, bodies = journey
    project(bodies)
    live = raw_item(order.number)
    other = place_order(email="grace@example.com")
    forget(order.number)
    # when rebuilt from the database
    call_command("rebuild_order_tracking", "--batch-size", "25")
    # then
    assert raw_item(order.number) == live
    assert raw_item(other.number)["status"] == {"S": "placed"}
    assert "written=2 skipped=0" in capsys.readouterr().out
    # and a resumed rebuild writes only the orders after the number given
    first, second = sorted([order.number, other.number])
    forget(first)
    forget(second)
    call_command("rebuild_order_tracking", "--after", first)
    assert raw_item(first) is None and raw_item(second) is not None


def test_rebuild_leaves_an_item_the_live_projection_moved_past(tracking_table, journey):
    # given the projection at the newest event, the database read before it
    order, bodies = journey
    project(bodies)
    Order.objects.filter(pk=order.pk).update(event_sequence=4, status=S.SHIPPED)
    # when
    call_command("rebuild_order_tracking")
    # then
    assert raw_item(order.number)["status"] == {"S": "delivered"}


def test_order_page_and_api_read_the_projection_with_rds_down(
    tracking_table, journey, client, settings
):
    # given a projected guest order whose link this browser opened
    settings.ORDER_TRACKING_STORE = "dynamodb"
    order, bodies = journey
    project(bodies)
    opened = client.get(f"/orders/{order.number}/?token={order.access_token}")
    assert opened.status_code == 302
    # when RDS is unreachable
    with rds_down():
        with pytest.raises(OperationalError):
            Order.objects.filter(pk=order.pk).exists()
        page = client.get(f"/orders/{order.number}/")
        api = client.get(
            f"/api/v1/orders/{order.number}/", {"access_token": order.access_token}
        )
        wrong = client.get(
            f"/api/v1/orders/{order.number}/", {"access_token": "not-the-token"}
        )
    # then the page and the API answer from DynamoDB
    assert page.status_code == 200, page.content[:500]
    html = page.content.decode()
    assert 'id="order-status">Delivered<' in html
    for words in ("Order placed", "Payment confirmed", "Shipped", "Delivered"):
        assert words in html
    assert "UPS 1Z999" in html and order.lines.first().product_name in html
    assert "Fraud" not in html
    assert api.status_code == 200
    body = api.json()
    assert body["status"] == "delivered" and body["tracking_number"] == "1Z999"
    assert [m["label"] for m in body["milestones"]] == [
        "Order placed",
        "Payment confirmed",
        "Shipped",
        "Delivered",
    ]
    assert wrong.status_code == 404


def test_api_reads_the_same_from_either_store(
    tracking_table, journey, client, settings
):
    # given
    order, bodies = journey
    project(bodies)
    url = f"/api/v1/orders/{order.number}/"
    from_rds = client.get(url, {"access_token": order.access_token}).json()
    # when
    settings.ORDER_TRACKING_STORE = "dynamodb"
    from_dynamodb = client.get(url, {"access_token": order.access_token}).json()
    # then every field the projection keeps says the same
    for name in ("access_token", "payment_status", "events"):
        from_rds.pop(name)
    assert from_dynamodb == from_rds


def test_an_order_missing_from_the_projection_is_read_from_rds_and_logged(
    tracking_table, client, settings, caplog
):
    # given a brand-new order the projector has not written yet
    settings.ORDER_TRACKING_STORE = "dynamodb"
    order = place_order()
    # when
    with caplog.at_level(logging.INFO, logger="orders.selectors"):
        page = client.get(
            f"/orders/{order.number}/?token={order.access_token}", follow=True
        )
    # then
    assert page.status_code == 200
    assert 'id="order-status">Placed<' in page.content.decode()
    assert any(r.getMessage() == "order tracking miss" for r in caplog.records)


def test_signed_in_owner_reads_their_projected_order_and_nobody_else_does(
    tracking_table, journey, client, settings
):
    # given a projected order of a signed-in customer
    order, bodies = journey
    owner, stranger = UserFactory(), UserFactory()
    Order.objects.filter(pk=order.pk).update(user=owner)
    project(bodies)
    settings.ORDER_TRACKING_STORE = "dynamodb"
    # when / then
    client.force_login(owner)
    page = client.get(f"/orders/{order.number}/")
    assert page.status_code == 200
    assert 'id="order-status">Delivered<' in page.content.decode()
    client.force_login(stranger)
    assert client.get(f"/orders/{order.number}/").status_code == 404


def test_projector_ignores_other_events_and_rejects_a_bad_sequence(tracking_table):
    # given
    body = {
        "id": str(uuid.uuid4()),
        "type": "payment.captured",
        "version": 1,
        "occurred_at": "2026-11-30T12:00:00Z",
        "order_number": "SC-NOPE0001",
        "data": {},
    }
    # when / then: not an order status event: nothing written
    assert project([json.dumps(body)]) == ["ignored"]
    assert raw_item("SC-NOPE0001") is None
    body.update(type="order.shipped", data={"sequence": "3"})
    with pytest.raises(MalformedMessage):
        project([json.dumps(body)])
    assert raw_item("SC-NOPE0001") is None
