"""The customer's order page shows milestones in plain words, never the shop's
internal events (fraud scores and rules, stock moves, staff notes); the API keeps
its machine-readable codes for the owner."""

from __future__ import annotations

import re

import pytest

from orders.models import Order, OrderEvent
from orders.selectors import order_customer_timeline, order_tracking_for_customer
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

FRAUD = (
    "Fraud check: risk score 100 is above 70 (payment gateway risk level "
    "highest (+80); 4 other orders from this email in 24h (+20))"
)


def _timeline(html: str) -> list[str]:
    match = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert match, "no timeline on the page"
    return [
        " ".join(re.sub(r"<[^>]+>", "", item).split()).split(": ", 1)[1]
        for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    ]


def _event(order: Order, kind: str, to: str = "", source: str = "", message=""):
    OrderEvent.objects.create(
        order=order, kind=kind, from_status=source, to_status=to, message=message
    )


@pytest.fixture
def held_order() -> Order:
    order = OrderFactory(with_line=False, status=Order.Status.ON_HOLD)
    _event(order, OrderEvent.Kind.PLACED, to="placed", message="Order placed.")
    _event(order, OrderEvent.Kind.STATUS, "on_hold", "placed", message=FRAUD)
    return order


def _page(client, order: Order) -> str:
    response = client.get(
        f"/orders/{order.number}/?token={order.access_token}", follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_held_order_shows_placed_and_processing_and_nothing_of_the_check(
    client, held_order
):
    html = _page(client, held_order)
    assert _timeline(html) == ["Order placed"]
    assert re.search(r'id="order-status">Processing<', html)
    for secret in ("risk", "score", "Fraud", "On hold", "on_hold", "+80", "Held"):
        assert secret not in html, secret


def test_a_shipped_order_shows_milestones_once_without_stock_or_notes(client):
    order = OrderFactory(with_line=False, status=Order.Status.SHIPPED)
    _event(order, OrderEvent.Kind.PLACED, to="placed")
    _event(order, OrderEvent.Kind.STATUS, "on_hold", "placed", "Fraud check: 90")
    _event(order, OrderEvent.Kind.STATUS, "processing", "on_hold", "released by staff")
    _event(order, OrderEvent.Kind.NOTE, message="customer called, VIP")
    _event(order, OrderEvent.Kind.STATUS, "on_hold", "processing", "second look")
    _event(order, OrderEvent.Kind.STATUS, "processing", "on_hold", "released again")
    _event(order, OrderEvent.Kind.STOCK, message="Stock committed (shipped).")
    _event(order, OrderEvent.Kind.STATUS, "shipped", "processing", "Shipped SCP1")

    html = _page(client, order)

    assert _timeline(html) == ["Order placed", "Payment confirmed", "Shipped"]
    for secret in ("released", "VIP", "Stock", "second look", "Fraud"):
        assert secret not in html, secret


def test_the_timeline_selector_reads_the_tracking_view_without_a_query(
    django_assert_num_queries,
):
    order = OrderFactory(with_line=False, status=Order.Status.CANCELLED)
    _event(order, OrderEvent.Kind.PLACED, to="placed")
    _event(order, OrderEvent.Kind.STATUS, "processing", "placed", "fraud passed")
    _event(order, OrderEvent.Kind.STATUS, "on_hold", "processing", "staff")
    _event(order, OrderEvent.Kind.STATUS, "processing", "on_hold", "released")
    _event(order, OrderEvent.Kind.STATUS, "cancelled", "processing", "by customer")
    tracking = order_tracking_for_customer(
        number=order.number, access_token=order.access_token
    )
    assert tracking is not None
    with django_assert_num_queries(0):
        timeline = order_customer_timeline(tracking=tracking)
    # the hold is not shown, and the payment is confirmed once
    assert [m.words for m in timeline] == [
        "Order placed",
        "Payment confirmed",
        "Cancelled",
    ]


def test_api_timeline_keeps_machine_readable_status_codes(client, held_order):
    # when
    response = client.get(
        f"/api/v1/orders/{held_order.number}/",
        {"access_token": held_order.access_token},
    )
    # then
    assert response.status_code == 200, response.content
    moves = [(e["from_status"], e["to_status"]) for e in response.json()["events"]]
    assert ("placed", "on_hold") in moves
