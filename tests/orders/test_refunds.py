"""Partial refunds: by amount or line, restock, never above capture, one
gateway call per refund, the customer emailed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from orders.exceptions import PaymentError
from orders.integrations.payments import GatewayUnavailable
from orders.models import Payment, Refund
from orders.services import (
    payment_capture,
    payment_refund,
    refund_complete,
    refund_issue,
)
from orders.staff_selectors import refund_remaining
from shop.models import Variant
from tests.factories.orders import OrderFactory, order_shipped_captured, user_create

pytestmark = pytest.mark.django_db


def test_refund_by_amount_books_payment_timeline_and_gateway_once(gateway_refunds):
    order = order_shipped_captured()
    staff = user_create(is_staff=True)
    refund = refund_issue(
        order=order, amount=Decimal("7.50"), actor=staff, reason="scratched box"
    )
    payment = Payment.objects.get(order=order)
    assert refund.status == "succeeded" and refund.transaction.succeeded
    assert (payment.status, payment.refunded_amount) == ("captured", Decimal("7.50"))
    assert len(gateway_refunds) == 1
    assert gateway_refunds[0]["idempotency_key"] == refund.idempotency_key
    event = order.events.filter(kind="payment").last()
    assert event.actor == staff and "scratched box" in event.message
    assert "7.50" in event.message


def test_refund_by_line_prices_units_as_paid_and_restocks(
    django_capture_on_commit_callbacks,
):
    order = order_shipped_captured()
    line = order.lines.get()
    on_hand = Variant.objects.get(pk=line.variant_id).stock_on_hand
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_issue(
            order=order, lines={line.pk: 1}, restock=True, reason="returned"
        )
    assert refund.amount == Decimal("10.00")
    assert Variant.objects.get(pk=line.variant_id).stock_on_hand == on_hand + 1
    assert order.events.filter(kind="stock", message__contains="Restocked").exists()
    sent = [m for m in mail.outbox if "Part of order" in m.subject]
    assert len(sent) == 1 and sent[0].to == [order.email]
    assert "10.00" in sent[0].body and line.sku in sent[0].body


def test_refunded_units_cannot_be_refunded_twice():
    order = order_shipped_captured()
    line = order.lines.get()
    refund_issue(order=order, lines={line.pk: 2})
    with pytest.raises(PaymentError, match="between 1 and 0"):
        refund_issue(order=order, lines={line.pk: 1})


def test_never_more_than_captured_in_total():
    order = order_shipped_captured()
    refund_issue(order=order, amount=Decimal("20.00"))
    with pytest.raises(PaymentError, match="between 0.01 and 5.00"):
        refund_issue(order=order, amount=Decimal("5.01"))
    refund_issue(order=order, amount=Decimal("5.00"))
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("25.00"))
    with pytest.raises(PaymentError, match="nothing left"):
        refund_issue(order=order)


def test_database_refuses_refunded_above_captured():
    order = order_shipped_captured()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(order=order).update(refunded_amount=Decimal("25.01"))


def test_restock_needs_shipped_goods_and_lines():
    order = OrderFactory(total=Decimal("25.00"))
    payment_capture(order=order)
    line = order.lines.get()
    with pytest.raises(PaymentError, match="Only shipped goods"):
        refund_issue(order=order, lines={line.pk: 1}, restock=True)
    with pytest.raises(PaymentError, match="Choose the lines"):
        refund_issue(order=order, amount=Decimal("1.00"), restock=True)
    assert not Refund.objects.exists()


def test_uncaptured_payment_is_not_refunded():
    order = OrderFactory()
    with pytest.raises(PaymentError, match="nothing to refund"):
        refund_issue(order=order, amount=Decimal("1.00"))


def test_gateway_failure_keeps_the_refund_pending_and_a_retry_uses_the_same_key(
    gateway_refunds, gateway_failures
):
    order = order_shipped_captured()
    gateway_failures(refund=1)
    with pytest.raises(GatewayUnavailable):
        refund_issue(order=order, amount=Decimal("5.00"))
    pending = Refund.objects.get(order=order)
    assert pending.status == "pending" and pending.error
    # the reserved amount is not free while the outcome is unknown
    payment = Payment.objects.get(order=order)
    assert refund_remaining(payment=payment) == Decimal("20.00")
    refund_complete(refund=pending)
    pending.refresh_from_db()
    assert pending.status == "succeeded"
    keys = [call["idempotency_key"] for call in gateway_refunds]
    assert keys == [pending.idempotency_key, pending.idempotency_key]
    assert Payment.objects.get(order=order).refunded_amount == Decimal("5.00")


def test_a_new_refund_first_retries_one_left_pending(gateway_refunds, gateway_failures):
    order = order_shipped_captured()
    gateway_failures(refund=1)
    with pytest.raises(GatewayUnavailable):
        refund_issue(order=order, amount=Decimal("5.00"))
    stuck = Refund.objects.get(order=order)
    refund_issue(order=order, amount=Decimal("20.00"))
    assert list(Refund.objects.filter(order=order).values_list("amount", "status")) == [
        (Decimal("5.00"), "succeeded"),
        (Decimal("20.00"), "succeeded"),
    ]
    keys = [call["idempotency_key"] for call in gateway_refunds]
    assert keys[:2] == [stuck.idempotency_key, stuck.idempotency_key]
    assert Payment.objects.get(order=order).status == "refunded"


def test_full_refund_retries_a_stuck_refund_first_and_sends_no_partial_email(
    django_capture_on_commit_callbacks, gateway_failures
):
    order = order_shipped_captured()
    gateway_failures(refund=1)
    with pytest.raises(GatewayUnavailable):
        payment_refund(order=order, amount=Decimal("5.00"))
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(order=order)
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("25.00"))
    assert list(Refund.objects.values_list("status", "amount")) == [
        ("succeeded", Decimal("5.00")),
        ("succeeded", Decimal("20.00")),
    ]
    assert not [m for m in mail.outbox if "Part of order" in m.subject]
