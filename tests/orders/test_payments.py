"""Payment services over the test gateway: idempotent, every call recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifications.models import OutboxEvent
from orders.exceptions import PaymentDeclined, PaymentError
from orders.integrations.payments import GatewayUnavailable, get_gateway
from orders.integrations.payments.test_gateway import TestGateway, simulate_failures
from orders.models import Payment
from orders.services import payment_capture, payment_refund, payment_void
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_leftover_failures():
    simulate_failures()
    yield
    simulate_failures()


def test_gateway_is_chosen_by_setting(settings):
    settings.PAYMENT_GATEWAY = "test"
    assert isinstance(get_gateway(), TestGateway)
    settings.PAYMENT_GATEWAY = "orders.integrations.payments.test_gateway.TestGateway"
    assert isinstance(get_gateway(), TestGateway)


@pytest.mark.parametrize(
    ("token", "approved", "risk"),
    [
        ("tok_visa", True, "normal"),
        ("tok_chargeDeclined", False, ""),
        ("tok_riskLevelHighest", True, "highest"),
        ("tok_bogus", False, ""),
    ],
)
def test_test_gateway_tokens(token, approved, risk):
    result = TestGateway().authorise(
        token=token, amount=Decimal("5.00"), currency="USD", idempotency_key="k"
    )
    assert result.succeeded is approved
    if approved:
        assert result.risk_level == risk and result.fingerprint.startswith("fp_")


def test_same_idempotency_key_gives_the_same_authorisation():
    gateway = TestGateway()
    first = gateway.authorise(
        token="tok_visa", amount=Decimal("1"), currency="USD", idempotency_key="x"
    )
    again = gateway.authorise(
        token="tok_visa", amount=Decimal("1"), currency="USD", idempotency_key="x"
    )
    other = gateway.authorise(
        token="tok_visa", amount=Decimal("1"), currency="USD", idempotency_key="y"
    )
    assert first.reference == again.reference != other.reference


def test_capture_is_idempotent_and_writes_payment_captured_once():
    order = OrderFactory()
    first = payment_capture(order=order)
    second = payment_capture(order=order)
    payment = Payment.objects.get(order=order)
    assert first.pk == second.pk and first.succeeded
    assert payment.status == "captured" and payment.captured_amount == payment.amount
    assert payment.transactions.filter(kind="capture").count() == 1
    assert OutboxEvent.objects.filter(type="payment.captured").count() == 1


def test_transient_capture_failure_is_recorded_and_a_retry_succeeds():
    order = OrderFactory()
    simulate_failures(capture=1)
    with pytest.raises(GatewayUnavailable):
        payment_capture(order=order)
    assert Payment.objects.get(order=order).status == "authorised"
    payment_capture(order=order)
    kinds = list(
        Payment.objects.get(order=order).transactions.values_list("kind", "succeeded")
    )
    assert kinds == [("capture", False), ("capture", True)]


def test_capture_token_that_always_fails_and_one_that_is_refused():
    failing = OrderFactory()
    Payment.objects.filter(order=failing).update(reference="tg_capfail_abc")
    with pytest.raises(GatewayUnavailable):
        payment_capture(order=failing)
    refused = OrderFactory()
    Payment.objects.filter(order=refused).update(reference="tg_capdecl_abc")
    with pytest.raises(PaymentDeclined):
        payment_capture(order=refused)
    assert OutboxEvent.objects.filter(
        type="payment.failed", order_number=refused.number
    ).exists()


def test_void_is_idempotent_and_blocks_capture():
    order = OrderFactory()
    first = payment_void(order=order)
    second = payment_void(order=order)
    assert first.pk == second.pk
    assert (
        Payment.objects.get(order=order).transactions.filter(kind="void").count() == 1
    )
    with pytest.raises(PaymentError):
        payment_capture(order=order)


def test_refund_partial_then_rest_then_nothing_more():
    order = OrderFactory(total=Decimal("25.00"))
    payment_capture(order=order)
    payment_refund(order=order, amount=Decimal("10.00"))
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("captured", Decimal("10.00"))
    payment_refund(order=order)
    payment_refund(order=order)  # nothing left: no gateway call
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("25.00"))
    assert payment.transactions.filter(kind="refund").count() == 2
    with pytest.raises(PaymentError):
        payment_void(order=order)


def test_refund_more_than_captured_is_refused():
    order = OrderFactory(total=Decimal("25.00"))
    payment_capture(order=order)
    with pytest.raises(PaymentError):
        payment_refund(order=order, amount=Decimal("25.01"))
