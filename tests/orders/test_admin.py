"""Staff admin for orders and the "Order managers" group."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from orders.groups import ORDER_MANAGERS
from orders.models import Order, Payment
from shop.models import Variant
from tests.factories.orders import OrderFactory, user_create

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


def test_order_managers_group_has_exactly_the_order_rights():
    group = Group.objects.get(name=ORDER_MANAGERS)
    codenames = set(
        group.permissions.values_list("content_type__app_label", "codename")
    )
    assert codenames == {
        ("orders", "view_order"),
        ("orders", "view_orderline"),
        ("orders", "view_orderevent"),
        ("orders", "view_payment"),
        ("orders", "view_paymenttransaction"),
        ("orders", "hold_order"),
        ("orders", "cancel_order"),
        ("orders", "ship_order"),
        ("orders", "refund_order"),
        ("orders", "release_order"),
        ("orders", "deliver_order"),
        ("orders", "resend_order_notification"),
        ("orders", "view_refund"),
        ("orders", "view_refundline"),
        ("orders", "view_returnrequest"),
        ("orders", "view_returnline"),
        ("orders", "decide_returnrequest"),
        ("orders", "receive_returnrequest"),
        ("securecart", "view_operations"),
    }


def test_manager_sees_order_page_with_lines_payment_and_events(client, manager):
    order = OrderFactory()
    page = client.get(f"{CHANGELIST}{order.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert order.number in content and order.lines.get().sku in content
    assert order.payment.reference in content


def test_list_filters_and_search(client, manager):
    held = OrderFactory(email="held@example.com", status=Order.Status.ON_HOLD)
    placed = OrderFactory(email="placed@example.com")

    by_status = client.get(CHANGELIST, {"status__exact": "on_hold"}).content.decode()
    by_email = client.get(CHANGELIST, {"q": "placed@example.com"}).content.decode()
    by_number = client.get(CHANGELIST, {"q": held.number}).content.decode()
    by_payment = client.get(CHANGELIST, {"payment": "captured"}).content.decode()

    assert held.number in by_status and placed.number not in by_status
    assert placed.number in by_email and held.number not in by_email
    assert held.number in by_number and placed.number not in by_number
    assert held.number not in by_payment and placed.number not in by_payment


def _act(client, action, orders, **extra):
    """Pick the action on the list, then confirm it with a reason."""
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [o.pk for o in orders],
            "confirm": "1",
            "reason": "staff test",
            **extra,
        },
        follow=True,
    )


def test_hold_then_release_then_cancel_releases_stock_and_voids(client, manager):
    order = OrderFactory()
    variant = order.lines.get().variant

    _act(client, "hold", [order])
    order.refresh_from_db()
    assert order.status == "on_hold"
    _act(client, "release", [order])
    order.refresh_from_db()
    assert order.status == "processing"
    _act(client, "cancel", [order])

    order.refresh_from_db()
    assert order.status == "cancelled" and order.stock_released_at is not None
    assert Variant.objects.get(pk=variant.pk).stock_reserved == 0
    assert Payment.objects.get(order=order).status == "voided"
    labels = list(
        order.events.filter(kind="status").values_list("actor_label", flat=True)
    )
    assert labels == [f"staff:{manager.username}"] * 3


def test_mark_shipped_asks_for_tracking_then_commits_stock(client, manager):
    order = OrderFactory(status=Order.Status.PROCESSING)
    variant = order.lines.get().variant

    form = _act(client, "mark_shipped", [order])
    assert b"tracking_number" in form.content
    _act(
        client,
        "mark_shipped",
        [order],
        apply="1",
        tracking_number="1Z999",
        carrier="UPS",
    )

    order.refresh_from_db()
    assert (order.status, order.tracking_number, order.carrier) == (
        "shipped",
        "1Z999",
        "UPS",
    )
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (8, 0)
    _act(client, "mark_delivered", [order])
    order.refresh_from_db()
    assert order.status == "delivered" and order.delivered_at is not None


def test_invalid_action_is_refused_with_a_message(client, manager):
    order = OrderFactory()  # placed: cannot be marked delivered
    response = _act(client, "mark_delivered", [order])
    order.refresh_from_db()
    assert order.status == "placed"
    assert "cannot go from placed to delivered" in response.content.decode()


def test_refund_of_delivered_order_refunds_captured_payment(client, manager):
    from orders.services import payment_capture

    order = OrderFactory(status=Order.Status.DELIVERED)
    payment_capture(order=order)
    _act(client, "refund", [order])
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert order.status == "refunded"
    assert payment.status == "refunded" and payment.refunded_amount == payment.amount


def test_staff_without_the_group_cannot_act_or_see(client):
    client.force_login(user_create(is_staff=True))
    order = OrderFactory()
    assert client.get(CHANGELIST).status_code == 403
    _act(client, "cancel", [order])
    order.refresh_from_db()
    assert order.status == "placed"


def test_releasing_a_fraud_hold_in_admin_resumes_fulfilment_to_shipped(
    client, manager, django_capture_on_commit_callbacks
):
    # given an order that fraud review put on hold
    order = OrderFactory(status=Order.Status.ON_HOLD)
    # when staff release it (eager Celery runs the workflow after commit)
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "release", [order])
    # then capture, shipment and shipped follow without further staff action
    order.refresh_from_db()
    assert order.status == "shipped" and order.tracking_number
    assert Payment.objects.get(order=order).status == "captured"
    steps = list(order.events.filter(kind="status").values_list("to_status", flat=True))
    assert steps == ["processing", "shipped"]


def test_order_page_shows_the_notifications_sent_for_it(client, manager):
    order = OrderFactory()
    page = client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    assert "Sent to the customer" in page
    assert f"?order_number={order.number}" in page
