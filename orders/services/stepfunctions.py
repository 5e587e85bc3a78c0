"""Fulfilment on AWS Step Functions (FULFILMENT_ENGINE=stepfunctions).

Only the orchestration differs from the Celery chain: the state machine of
orders/fulfilment/statemachine.asl.json sends each step to the fulfilment-steps
queue, `manage.py consume_fulfilment` runs the same step services
(orders/services/fulfilment_steps.py) and answers with the task token.

An execution ends when the order is held (fraud check) or compensated; staff
release starts a new execution at the step the order stopped at
(`resume_step`), rather than an execution waiting on a task token for days:
see docs/architecture.md.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings

from ..integrations.stepfunctions import (
    console_url,
    execution_describe,
    execution_start,
)
from ..models import Order, OrderEvent, Payment

logger = logging.getLogger(__name__)
S = Order.Status
P = Payment.Status


def resume_step(*, order: Order) -> str:
    """The first step still to do for `order`, judged from what it records."""
    if order.status == S.PLACED:
        return "fraud_check"
    captured = Payment.objects.filter(
        order_id=order.pk, status__in=(P.CAPTURED, P.REFUNDED)
    ).exists()
    if not captured:
        return "payment_capture"
    if not order.tracking_number:
        return "shipment_request"
    return "ship"


def sfn_fulfilment_start(*, order_id: int) -> str:
    """Start an execution for the order and store its ARN ("" when it could not).

    Runs after commit, in the request that placed or released the order: an
    error is logged, not raised; reconcile_orders starts the order later.
    """
    order = Order.objects.get(pk=order_id)
    if order.status not in (S.PLACED, S.PROCESSING):
        return ""
    step = resume_step(order=order)
    try:
        arn = execution_start(
            state_machine_arn=settings.FULFILMENT_STATE_MACHINE_ARN,
            name=f"{order.number}-{step.replace('_', '-')}-{uuid.uuid4().hex[:8]}",
            data={"order_number": order.number, "resume_at": step, "verdict": None},
        )
    except Exception:
        logger.exception("could not start the fulfilment execution of %s", order.number)
        return ""
    Order.objects.filter(pk=order_id).update(fulfilment_execution_arn=arn)
    return arn


def sfn_order_redrive(*, order_id: int) -> str:
    """Re-drive a stuck order: leave a running execution be, else start anew."""
    arn = Order.objects.values_list("fulfilment_execution_arn", flat=True).get(
        pk=order_id
    )
    status = "none"
    if arn:
        described = execution_describe(arn=arn)
        status = described["status"] if described else "gone"
        if status == "RUNNING":
            return "running"
    OrderEvent.objects.create(
        order_id=order_id,
        kind=OrderEvent.Kind.NOTE,
        actor_label="system:reconcile",
        message=f"Fulfilment re-driven by reconcile_orders (execution: {status}).",
    )
    sfn_fulfilment_start(order_id=order_id)
    return status


def fulfilment_execution_summary(*, order: Order) -> dict[str, str]:
    """Engine, execution status and current state, console link (admin page)."""
    arn = order.fulfilment_execution_arn
    if not arn:
        return {"engine": "celery", "status": "", "state": "", "url": ""}
    summary = {"engine": "stepfunctions", "url": console_url(arn)}
    try:
        described = execution_describe(arn=arn)
    except Exception:
        logger.exception("could not describe execution %s", arn)
        return {
            **summary,
            "status": "unknown (Step Functions unreachable)",
            "state": "",
        }
    if described is None:
        return {**summary, "status": "gone", "state": ""}
    return {**summary, **described}
