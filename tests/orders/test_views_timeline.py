"""The customer's order page shows milestones in plain words, the API keeps codes."""

from __future__ import annotations

import re

import pytest

from orders.models import Order, OrderEvent
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def _timeline(html: str) -> str:
    match = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert match, "no timeline on the page"
    return " ".join(match.group(1).split())


@pytest.fixture
def held_order() -> Order:
    order = OrderFactory(with_line=False, status=Order.Status.ON_HOLD)
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        to_status=Order.Status.PLACED,
        message="Order placed.",
    )
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.STATUS,
        from_status=Order.Status.PLACED,
        to_status=Order.Status.ON_HOLD,
        message="Held for review.",
    )
    return order


def test_order_page_timeline_shows_milestones_and_hides_the_hold(client, held_order):
    # when
    page = client.get(
        f"/orders/{held_order.number}/?token={held_order.access_token}", follow=True
    )
    # then: customer words only (orders.milestones); why it is held is staff's
    assert page.status_code == 200
    html = page.content.decode()
    timeline = _timeline(html)
    assert "Order placed" in timeline
    assert "Held for review" not in html and "On hold" not in html
    assert 'id="order-status">Processing<' in html


def test_order_page_timeline_leaves_out_an_unknown_status_code(client, held_order):
    # given: a code no longer among the statuses (history keeps whatever was written)
    OrderEvent.objects.create(
        order=held_order,
        kind=OrderEvent.Kind.STATUS,
        from_status="on_hold",
        to_status="legacy_state",
    )
    # when
    page = client.get(
        f"/orders/{held_order.number}/?token={held_order.access_token}", follow=True
    )
    # then
    timeline = _timeline(page.content.decode())
    assert "legacy_state" not in timeline and "Order placed" in timeline


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
