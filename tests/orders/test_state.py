"""The order state machine: one table, one function, every move recorded."""

from __future__ import annotations

import pytest

from notifications.models import OutboxEvent
from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.services.transitions import TRANSITIONS, order_transition
from tests.factories.orders import OrderFactory, user_create

pytestmark = pytest.mark.django_db
S = Order.Status


def test_transition_table_matches_the_architecture():
    assert TRANSITIONS == {
        S.PLACED: {S.PROCESSING, S.ON_HOLD, S.CANCELLED},
        S.PROCESSING: {S.SHIPPED, S.ON_HOLD, S.CANCELLED},
        S.ON_HOLD: {S.PROCESSING, S.CANCELLED},
        S.SHIPPED: {S.DELIVERED, S.REFUNDED},
        S.DELIVERED: {S.REFUNDED},
        S.CANCELLED: set(),
        S.REFUNDED: set(),
    }


def test_allowed_transition_updates_order_and_records_event_and_outbox():
    order = OrderFactory()
    staff = user_create(is_staff=True)
    before = order.status_changed_at

    returned = order_transition(
        order=order, to=S.ON_HOLD, actor=staff, reason="fraud review"
    )

    assert returned.status == order.status == "on_hold"
    assert order.status_changed_at > before
    event = order.events.get(kind="status")
    assert (event.from_status, event.to_status, event.message) == (
        "placed",
        "on_hold",
        "fraud review",
    )
    assert event.actor == staff and event.actor_label == f"staff:{staff.username}"
    outbox = OutboxEvent.objects.get(type="order.on_hold")
    assert outbox.order_number == order.number
    assert outbox.data["from_status"] == "placed" and outbox.data["status"] == "on_hold"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.PLACED, S.SHIPPED),
        (S.PLACED, S.DELIVERED),
        (S.CANCELLED, S.PROCESSING),
        (S.DELIVERED, S.CANCELLED),
        (S.REFUNDED, S.SHIPPED),
        (S.SHIPPED, S.ON_HOLD),
        (S.PLACED, S.PLACED),
    ],
)
def test_invalid_transition_raises_and_changes_nothing(start, to):
    order = OrderFactory(status=start)
    with pytest.raises(InvalidTransition):
        order_transition(order=order, to=to, actor="system:test")
    order.refresh_from_db()
    assert order.status == start
    assert not order.events.exists()
    assert not OutboxEvent.objects.exists()


def test_unknown_status_is_an_invalid_transition():
    with pytest.raises(InvalidTransition):
        order_transition(order=OrderFactory(), to="teleported")


def test_transition_uses_the_database_status_not_a_stale_instance():
    order = OrderFactory()
    stale = Order.objects.get(pk=order.pk)
    order_transition(order=order, to=S.CANCELLED, actor="system:test")
    with pytest.raises(InvalidTransition):
        order_transition(order=stale, to=S.PROCESSING, actor="system:fulfilment")


def test_shipped_and_delivered_timestamps_and_system_actor_label():
    order = OrderFactory(status=S.PROCESSING)
    order_transition(order=order, to=S.SHIPPED, actor="system:fulfilment")
    order_transition(order=order, to=S.DELIVERED)
    order.refresh_from_db()
    assert order.shipped_at and order.delivered_at
    labels = list(order.events.values_list("actor_label", flat=True))
    assert labels == ["system:fulfilment", "system"]
