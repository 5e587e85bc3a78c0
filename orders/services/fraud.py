"""Fraud scoring of a placed order: the facts from the database, the rules elsewhere.

`order_facts` reads the order and its neighbours (the last 24 h of orders and
payments) into the plain facts dict of orders.fraud_rules; `risk_assess` scores
them with the one rule function, in process (FRAUD_SCORER=inprocess, the default)
or by invoking the fraud Lambda (FRAUD_SCORER=lambda, FRAUD_FUNCTION_NAME), whose
handler runs the same function. The fulfilment workflow records the score and
reasons on the order and holds it for staff above settings.FRAUD_HOLD_THRESHOLD.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils import timezone

from securecart import aws

from ..fraud_rules import (
    VELOCITY_WINDOW_HOURS,
    RiskAssessment,
    assess,
    phone_countries,
)
from ..models import Order, Payment

__all__ = [
    "FraudScorerError",
    "RiskAssessment",
    "invoke_fraud_lambda",
    "order_facts",
    "phone_countries",
    "risk_assess",
]

VELOCITY_WINDOW = timedelta(hours=VELOCITY_WINDOW_HOURS)


class FraudScorerError(Exception):
    """The fraud Lambda was not reached, failed, or answered no verdict.

    A transient error of the fraud step (orders.tasks.TRANSIENT_ERRORS): the
    step retries with backoff, then compensates like any failed step.
    """


def order_facts(*, order: Order) -> dict[str, Any]:
    """The facts the rules score, JSON-able (the fraud Lambda's input)."""
    payment = Payment.objects.filter(order=order).first()
    since = timezone.now() - VELOCITY_WINDOW
    recent = Order.objects.filter(placed_at__gte=since).exclude(pk=order.pk)
    same_card = None
    if payment is not None and payment.fingerprint:
        same_card = (
            Payment.objects.filter(
                fingerprint=payment.fingerprint, created_at__gte=since
            )
            .exclude(pk=payment.pk)
            .count()
        )
    return {
        "total": str(order.total),
        "currency": order.currency,
        "payment_risk_level": str(payment.risk_level) if payment is not None else None,
        "orders_same_email": recent.filter(email__iexact=order.email).count(),
        "orders_same_ip": (
            recent.filter(client_ip=order.client_ip).count()
            if order.client_ip
            else None
        ),
        "payments_same_card": same_card,
        "phone": order.shipping_phone or order.phone,
        "shipping_country": order.shipping_country,
    }


def invoke_fraud_lambda(facts: dict[str, Any]) -> RiskAssessment:
    """Score `facts` with the fraud Lambda (synchronous invoke, its answer checked)."""
    try:
        response = aws.client("lambda").invoke(
            FunctionName=settings.FRAUD_FUNCTION_NAME,
            InvocationType="RequestResponse",
            Payload=json.dumps({"facts": facts}).encode(),
        )
        body = response["Payload"].read()
    except (BotoCoreError, ClientError) as exc:  # throttled, unreachable, denied
        raise FraudScorerError(f"fraud function not invoked: {exc}") from exc
    if response.get("FunctionError"):
        raise FraudScorerError(
            f"fraud function {settings.FRAUD_FUNCTION_NAME} failed: {body[:500]!r}"
        )
    try:
        answer = json.loads(body)
        score, reasons = int(answer["score"]), [str(r) for r in answer["reasons"]]
    except (ValueError, TypeError, KeyError) as exc:
        raise FraudScorerError(f"fraud function answered {body[:500]!r}") from exc
    if not 0 <= score <= 100:
        raise FraudScorerError(f"fraud function answered score {score}")
    return RiskAssessment(score=score, reasons=reasons)


def risk_assess(*, order: Order) -> RiskAssessment:
    """Score the order: value, gateway risk, velocity and country mismatch."""
    facts = order_facts(order=order)
    if settings.FRAUD_SCORER == "lambda":
        return invoke_fraud_lambda(facts)
    return assess(facts)
