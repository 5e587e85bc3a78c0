"""The Lambda route's fraud_facts step: the worker reads the order's facts and
answers them (as JSON) for the fraud function, which then scores them alone."""

from __future__ import annotations

import json

import pytest

from orders.fraud_lambda import handler
from orders.services.fraud import order_facts, risk_assess
from orders.services.fulfilment_steps import fulfilment_step_run
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def test_fraud_facts_step_answers_the_facts_the_lambda_scores_like_the_worker():
    order = OrderFactory(shipping_phone="+15555550100", shipping_country="GB")
    OrderFactory(email=order.email)  # velocity: another order from the address
    output = fulfilment_step_run(
        message={"step": "fraud_facts", "order_number": order.number}
    )
    assert output["step"] == "fraud_facts" and output["status"] == "placed"
    assert output["facts"] == order_facts(order=order)
    assert output["facts"]["orders_same_email"] == 1
    # what SendTaskSuccess carries, and what the state machine hands the Lambda
    facts = json.loads(json.dumps(output))["facts"]
    verdict = handler({"facts": facts}, None)
    local = risk_assess(order=order)
    assert (verdict["score"], verdict["reasons"]) == (local.score, local.reasons)
