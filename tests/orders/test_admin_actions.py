"""The order page's actions: buttons by permission, a confirmation page that
says what will happen, a reason in the timeline, services doing the work."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from notifications.models import NotificationLog
from orders.models import Order, OrderEvent, Payment, Refund
from orders.services import order_hold
from shop.models import Variant
from tests.factories.orders import OrderFactory, order_shipped_captured, user_create

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


def _page(order: Order) -> str:
    return f"{CHANGELIST}{order.pk}/change/"


def _act_url(order: Order, action: str) -> str:
    return f"{CHANGELIST}{order.pk}/act/{action}/"


def test_order_page_shows_the_buttons_the_status_and_rights_allow(client, manager):
    held = OrderFactory(status=Order.Status.ON_HOLD)
    page = client.get(_page(held)).content.decode()
    assert _act_url(held, "release") in page and _act_url(held, "cancel") in page
    assert _act_url(held, "deliver") not in page  # not shipped
    assert _act_url(held, "refund") not in page  # nothing captured
    shipped = order_shipped_captured()
    page = client.get(_page(shipped)).content.decode()
    assert _act_url(shipped, "refund") in page and _act_url(shipped, "deliver") in page
    assert _act_url(shipped, "cancel") not in page


def test_staff_without_the_right_see_no_button_and_get_403(client):
    clerk = user_create(is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "cancel_order"])
    )
    client.force_login(clerk)
    order = OrderFactory(status=Order.Status.ON_HOLD)
    page = client.get(_page(order)).content.decode()
    assert _act_url(order, "cancel") in page and _act_url(order, "release") not in page
    assert client.get(_act_url(order, "release")).status_code == 403
    response = client.post(_act_url(order, "release"), {"reason": "x", "confirm": "1"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "on_hold"


def test_cancel_confirmation_says_what_happens_and_needs_a_reason(client, manager):
    order = OrderFactory()
    line = order.lines.get()
    page = client.get(_act_url(order, "cancel")).content.decode()
    assert "What will happen" in page
    assert f"2 × {line.sku}" in page  # stock back on sale
    assert "authorisation of 25.00" in page and "voided" in page
    assert order.email in page
    response = client.post(_act_url(order, "cancel"), {"confirm": "1"})
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "placed"


def test_cancel_from_the_page_records_who_and_why(client, manager):
    order = OrderFactory()
    variant = order.lines.get().variant
    response = client.post(
        _act_url(order, "cancel"), {"confirm": "1", "reason": "customer called"}
    )
    assert response.status_code == 302 and response["Location"] == _page(order)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Variant.objects.get(pk=variant.pk).stock_reserved == 0
    assert Payment.objects.get(order=order).status == "voided"
    event = order.events.get(to_status="cancelled")
    assert event.actor == manager and event.message == "customer called"


def test_partial_refund_by_line_reviews_then_refunds_once(
    client, manager, gateway_refunds, django_capture_on_commit_callbacks
):
    order = order_shipped_captured()
    line = order.lines.get()
    on_hand = Variant.objects.get(pk=line.variant_id).stock_on_hand
    form = {
        "mode": "lines",
        f"line_{line.pk}": "1",
        "restock": "on",
        "reason": "one arrived broken",
    }
    review = client.post(_act_url(order, "refund"), form)
    text = review.content.decode()
    assert review.status_code == 200 and "What will happen" in text
    assert f"Payment: 10.00 {order.currency} is refunded to the card" in text
    assert f"back on the shelf: 1 × {line.sku}" in text
    assert gateway_refunds == [] and not Refund.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_act_url(order, "refund"), {**form, "confirm": "1"})
    assert done.status_code == 302
    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == Decimal("10.00") and len(gateway_refunds) == 1
    assert Variant.objects.get(pk=line.variant_id).stock_on_hand == on_hand + 1
    event = order.events.filter(kind="payment", actor=manager).get()
    assert "one arrived broken" in event.message
    assert [m.to for m in mail.outbox if "Part of order" in m.subject] == [
        [order.email]
    ]


def test_refund_above_what_is_left_is_a_form_error_and_nothing_changes(
    client, manager, gateway_refunds
):
    order = order_shipped_captured()
    response = client.post(
        _act_url(order, "refund"),
        {"mode": "amount", "amount": "25.01", "reason": "x", "confirm": "1"},
    )
    assert response.status_code == 400
    assert "between 0.01 and 25.00" in response.content.decode()
    assert gateway_refunds == []
    assert Payment.objects.get(order=order).refunded_amount == 0


def test_refund_by_lines_without_units_is_a_form_error(client, manager):
    order = order_shipped_captured()
    response = client.post(
        _act_url(order, "refund"), {"mode": "lines", "reason": "x", "confirm": "1"}
    )
    assert response.status_code == 400 and not Refund.objects.exists()


def test_full_refund_from_the_page_marks_the_order_refunded(client, manager):
    order = order_shipped_captured()
    client.post(
        _act_url(order, "refund"), {"mode": "full", "reason": "lost in post"}
    )  # review first
    assert Order.objects.get(pk=order.pk).status == "shipped"
    client.post(
        _act_url(order, "refund"),
        {"mode": "full", "reason": "lost in post", "confirm": "1"},
    )
    order.refresh_from_db()
    assert order.status == "refunded"
    assert Payment.objects.get(order=order).status == "refunded"


def test_mark_delivered_from_the_page(client, manager):
    order = order_shipped_captured()
    client.post(
        _act_url(order, "deliver"), {"reason": "carrier confirmed", "confirm": "1"}
    )
    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.events.get(to_status="delivered").message == "carrier confirmed"


def test_resend_a_notification_from_the_page(
    client, manager, django_capture_on_commit_callbacks
):
    order = OrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order_hold(order=order, reason="review")
    log = NotificationLog.objects.get(order_number=order.number, channel="email")
    before = len(mail.outbox)
    page = client.get(_act_url(order, "resend")).content.decode()
    assert "order.on_hold" in page
    client.post(
        _act_url(order, "resend"),
        {"notification": str(log.pk), "reason": "customer lost it", "confirm": "1"},
    )
    assert len(mail.outbox) == before + 1 and mail.outbox[-1].to == [order.email]
    note = order.events.get(kind=OrderEvent.Kind.NOTE)
    assert note.actor == manager and "customer lost it" in note.message


def test_bulk_cancel_confirms_before_acting(client, manager):
    orders = [OrderFactory(), OrderFactory()]
    first = client.post(
        CHANGELIST, {"action": "cancel", "_selected_action": [o.pk for o in orders]}
    )
    text = first.content.decode()
    assert first.status_code == 200 and "What will happen" in text
    assert all(o.number in text for o in orders)
    assert set(Order.objects.values_list("status", flat=True)) == {"placed"}
    no_reason = client.post(
        CHANGELIST,
        {
            "action": "cancel",
            "_selected_action": [o.pk for o in orders],
            "confirm": "1",
        },
    )
    assert no_reason.status_code == 400
    assert set(Order.objects.values_list("status", flat=True)) == {"placed"}
    client.post(
        CHANGELIST,
        {
            "action": "cancel",
            "_selected_action": [o.pk for o in orders],
            "confirm": "1",
            "reason": "duplicate orders",
        },
    )
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}


def test_risk_reasons_read_as_a_list(client, manager):
    order = OrderFactory(risk_score=70, risk_reasons=["new card (+20)", "far IP (+50)"])
    page = client.get(_page(order)).content.decode()
    assert "<li>new card (+20)</li>" in page and '["new card' not in page
