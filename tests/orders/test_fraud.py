"""Rule-based fraud scoring and the fraud-check step of fulfilment."""

from __future__ import annotations

import pytest

from notifications.models import OutboxEvent
from orders.models import Order
from orders.services.fraud import phone_countries, risk_assess
from orders.services.fulfilment import order_fraud_check
from tests.orders.test_tasks_fulfilment import place_order

S = Order.Status
pytestmark = pytest.mark.django_db


def reasons(order: Order) -> str:
    return " | ".join(risk_assess(order=order).reasons)


def test_an_ordinary_order_scores_zero_and_proceeds():
    order = place_order(token="tok_visa_ordinary")
    assert risk_assess(order=order).score == 0
    assert order_fraud_check(order_id=order.pk) == "processing"
    order.refresh_from_db()
    assert order.status == S.PROCESSING
    assert (order.risk_score, order.risk_reasons) == (0, [])


def test_the_gateways_highest_risk_flag_holds_the_order_with_an_event(settings):
    settings.FRAUD_HOLD_THRESHOLD = 70
    order = place_order(token="tok_riskLevelHighest")
    assert order_fraud_check(order_id=order.pk) == "on_hold"
    order.refresh_from_db()
    assert order.status == S.ON_HOLD
    assert order.risk_score == 80
    assert order.risk_reasons == ["payment gateway risk level highest (+80)"]
    held = OutboxEvent.objects.get(order_number=order.number, type="order.on_hold")
    assert "risk score 80" in held.data["reason"]


def test_the_threshold_setting_decides_and_a_score_at_it_is_not_held(settings):
    settings.FRAUD_HOLD_THRESHOLD = 80
    order = place_order(token="tok_riskLevelHighest")  # scores exactly 80
    assert order_fraud_check(order_id=order.pk) == "processing"


def test_elevated_gateway_risk_and_high_value_add_up():
    order = place_order(token="tok_riskLevelElevated", price="600.00", quantity=2)
    risk = risk_assess(order=order)
    assert risk.score == 30 + 25
    assert "high order value 1205.00 USD" in reasons(order)


def test_many_recent_orders_from_one_email_raise_the_score():
    for n in range(3):
        place_order(token=f"tok_visa_{n}", email="bulk@example.com")
    order = place_order(token="tok_visa_last", email="BULK@example.com")
    assert "3 other orders from this email in 24h (+20)" in reasons(order)
    other = place_order(token="tok_visa_other", email="someone@example.com")
    assert risk_assess(order=other).score == 0


def test_one_card_used_across_many_orders_raises_the_score():
    orders = [
        place_order(token="tok_visa", email=f"p{n}@example.com") for n in range(4)
    ]
    assert "3 other payments with this card in 24h (+25)" in reasons(orders[-1])


def test_many_orders_from_one_ip_raise_the_score():
    orders = [
        place_order(token=f"tok_visa_{n}", email=f"ip{n}@example.com") for n in range(6)
    ]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(client_ip="203.0.113.9")
    orders[-1].refresh_from_db()
    assert "5 other orders from this IP in 24h (+15)" in reasons(orders[-1])


def test_a_phone_from_another_country_than_the_shipping_address_is_suspicious():
    foreign = place_order(token="tok_visa_a", phone="+49 30 1234567", country="GB")
    local = place_order(
        token="tok_visa_b",
        phone="+44 20 7946 0000",
        country="GB",
        email="local@example.com",
    )
    assert "phone country does not match shipping country GB (+10)" in reasons(foreign)
    assert risk_assess(order=local).score == 0


def test_phone_countries_reads_the_calling_code():
    assert phone_countries("+1 415 555 0100") == frozenset({"US", "CA", "PR"})
    assert phone_countries("+353 1 555 0100") == frozenset({"IE"})
    assert phone_countries("020 7946 0000") is None  # national format: unknown
    assert phone_countries("+999 1") is None


def test_scoring_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    orders = [place_order(token="tok_visa", email="q@example.com") for _ in range(5)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(client_ip="198.51.100.1")
    order = Order.objects.get(pk=orders[-1].pk)
    with django_assert_max_num_queries(4):
        risk_assess(order=order)
