"""The customer's order page names statuses by their labels, the API by codes."""

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


def test_order_page_timeline_shows_status_labels_not_codes(client, held_order):
    # when
    page = client.get(
        f"/orders/{held_order.number}/?token={held_order.access_token}", follow=True
    )
    # then
    assert page.status_code == 200
    timeline = _timeline(page.content.decode())
    assert "Status changed from Placed to On hold — Held for review." in timeline
    assert "on_hold" not in timeline and "from placed" not in timeline


def test_order_page_timeline_shows_an_unknown_status_code_as_is(client, held_order):
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
    assert "Status changed from On hold to legacy_state" in _timeline(
        page.content.decode()
    )


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
