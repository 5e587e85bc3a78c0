"""Returns: the shopper asks within the window, staff approve or reject and
mark received, which refunds and restocks; each step emails the shopper."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from orders.integrations.payments import GatewayUnavailable
from orders.models import Order, Payment, Refund, ReturnRequest
from orders.services.returns import (
    ReturnNotAllowed,
    return_approve,
    return_receive,
    return_reject,
    return_request,
)
from shop.models import Variant
from tests.factories.orders import OrderFactory, user_create

pytestmark = pytest.mark.django_db
RETURNS = "/admin/orders/returnrequest/"


def _subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


def test_a_return_from_request_to_refund_emails_every_step(
    shipped, django_capture_on_commit_callbacks
):
    line = shipped.lines.get()
    on_hand = Variant.objects.get(pk=line.variant_id).stock_on_hand
    staff = user_create(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        rma = return_request(order=shipped, lines={line.pk: 1}, reason="too small")
        rma = return_approve(rma=rma, actor=staff, note="send it back")
        rma = return_receive(rma=rma, actor=staff, note="arrived fine")
    assert rma.status == "received" and rma.refund.amount == Decimal("10.00")
    assert Payment.objects.get(order=shipped).refunded_amount == Decimal("10.00")
    assert Variant.objects.get(pk=line.variant_id).stock_on_hand == on_hand + 1
    subjects = _subjects()
    assert any("return request" in s for s in subjects)
    assert any("is approved" in s for s in subjects)
    received = [m for m in mail.outbox if "arrived and is refunded" in m.subject]
    assert len(received) == 1 and "10.00" in received[0].body
    assert not any("Part of order" in s for s in subjects)  # one email, not two
    notes = list(shipped.events.filter(kind="note").values_list("message", flat=True))
    assert len(notes) == 3 and "too small" in notes[0] and "send it back" in notes[1]


def test_rejected_return_emails_the_note_and_frees_the_units(
    shipped, django_capture_on_commit_callbacks
):
    line = shipped.lines.get()
    rma = return_request(order=shipped, lines={line.pk: 2}, reason="changed my mind")
    with pytest.raises(ReturnNotAllowed, match="At most 0"):
        return_request(order=shipped, lines={line.pk: 1}, reason="again")
    with django_capture_on_commit_callbacks(execute=True):
        return_reject(rma=rma, note="opened food items cannot be returned")
    rejected = [m for m in mail.outbox if "not accepted" in m.subject]
    assert len(rejected) == 1 and "opened food items" in rejected[0].body
    with pytest.raises(ReturnNotAllowed, match="already rejected"):
        return_approve(rma=rma)
    assert return_request(order=shipped, lines={line.pk: 2}, reason="x").pk


def test_no_return_outside_the_window_or_before_shipping(shipped, settings):
    line = shipped.lines.get()
    settings.RETURN_WINDOW_DAYS = 14
    Order.objects.filter(pk=shipped.pk).update(
        shipped_at=timezone.now() - timedelta(days=15)
    )
    shipped.refresh_from_db()
    with pytest.raises(ReturnNotAllowed, match="window closed"):
        return_request(order=shipped, lines={line.pk: 1}, reason="late")
    placed = OrderFactory()
    with pytest.raises(ReturnNotAllowed, match="Only shipped"):
        return_request(order=placed, lines={placed.lines.get().pk: 1}, reason="x")
    assert not ReturnRequest.objects.exists()


def test_receiving_twice_refunds_once(shipped):
    line = shipped.lines.get()
    rma = return_approve(
        rma=return_request(order=shipped, lines={line.pk: 1}, reason="x")
    )
    return_receive(rma=rma)
    with pytest.raises(ReturnNotAllowed, match="received and refunded"):
        return_receive(rma=ReturnRequest.objects.get(pk=rma.pk))
    assert Refund.objects.count() == 1


def test_a_gateway_timeout_on_receive_is_retried_with_the_same_refund(
    shipped, gateway_failures
):
    line = shipped.lines.get()
    rma = return_approve(
        rma=return_request(order=shipped, lines={line.pk: 1}, reason="x")
    )
    gateway_failures(refund=1)
    with pytest.raises(GatewayUnavailable):
        return_receive(rma=rma)
    rma.refresh_from_db()
    assert rma.status == "receiving" and rma.refund.status == "pending"
    return_receive(rma=rma)
    rma.refresh_from_db()
    assert rma.status == "received" and Refund.objects.count() == 1
    assert Payment.objects.get(order=shipped).refunded_amount == Decimal("10.00")


# --- the shopper's page ------------------------------------------------------
def _owned(shipped: Order, client):
    owner = user_create()
    Order.objects.filter(pk=shipped.pk).update(user=owner)
    client.force_login(owner)
    return owner


def test_shopper_requests_a_return_from_the_order_page(shipped, client):
    _owned(shipped, client)
    line = shipped.lines.get()
    page = client.get(f"/orders/{shipped.number}/").content.decode()
    assert f"/orders/{shipped.number}/return/" in page
    form = client.get(f"/orders/{shipped.number}/return/")
    assert form.status_code == 200 and "Up to 2." in form.content.decode()
    done = client.post(
        f"/orders/{shipped.number}/return/",
        {f"line_{line.pk}": "1", "reason": "wrong colour"},
    )
    assert done.status_code == 302
    rma = ReturnRequest.objects.get(order=shipped)
    assert rma.status == "requested" and rma.lines.get().quantity == 1
    page = client.get(f"/orders/{shipped.number}/").content.decode()
    assert "Requested" in page


def test_shopper_bad_return_input_is_a_400_and_nothing_is_saved(shipped, client):
    _owned(shipped, client)
    line = shipped.lines.get()
    url = f"/orders/{shipped.number}/return/"
    assert client.post(url, {"reason": "nothing chosen"}).status_code == 400
    assert client.post(url, {f"line_{line.pk}": "3", "reason": "x"}).status_code == 400
    assert not ReturnRequest.objects.exists()


def test_someone_elses_order_has_no_return_page(shipped, client):
    client.force_login(user_create())
    assert client.get(f"/orders/{shipped.number}/return/").status_code == 404


# --- staff in admin ------------------------------------------------------------
def test_staff_approve_then_receive_in_admin_with_confirmation(
    shipped, client, manager
):
    line = shipped.lines.get()
    rma = return_request(order=shipped, lines={line.pk: 1}, reason="too big")
    pick = {"action": "approve", "_selected_action": [rma.pk]}
    first = client.post(RETURNS, pick)
    assert first.status_code == 200 and "What will happen" in first.content.decode()
    assert ReturnRequest.objects.get(pk=rma.pk).status == "requested"
    client.post(RETURNS, {**pick, "confirm": "1", "note": "ok, send it"})
    assert ReturnRequest.objects.get(pk=rma.pk).status == "approved"
    receive = {"action": "receive", "_selected_action": [rma.pk]}
    page = client.post(RETURNS, receive).content.decode()
    assert f"Payment: 10.00 {shipped.currency} is refunded" in page
    client.post(RETURNS, {**receive, "confirm": "1", "note": "intact", "restock": "on"})
    rma.refresh_from_db()
    assert rma.status == "received" and rma.refund.restock
    assert shipped.events.filter(actor=manager, kind="note").count() == 2


def test_staff_without_return_rights_cannot_decide(shipped, client):
    clerk = user_create(is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename="view_returnrequest")
    )
    client.force_login(clerk)
    rma = return_request(order=shipped, lines={shipped.lines.get().pk: 1}, reason="x")
    client.post(
        RETURNS,
        {
            "action": "approve",
            "_selected_action": [rma.pk],
            "confirm": "1",
            "note": "x",
        },
    )
    assert ReturnRequest.objects.get(pk=rma.pk).status == "requested"
