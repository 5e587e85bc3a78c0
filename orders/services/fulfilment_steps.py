"""One fulfilment step asked for by the state machine, run by its step service.

The worker (`manage.py consume_fulfilment`) passes the SQS message body the
state machine sent ({step, order_number, task_token, ...}); the answer is the
task's output: what the step did and the order's status after it, which the
state machine's Choice states read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models import Order
from .fraud import order_facts
from .fulfilment import (
    STEP_CAPTURE,
    STEP_FRAUD,
    STEP_SHIP,
    STEP_SHIPMENT,
    order_fraud_check,
    order_fulfilment_fail,
    order_payment_capture,
    order_payment_release,
    order_ship,
    order_shipment_request,
)

STEP_COMPENSATE = "compensate"
STEP_PAYMENT_RELEASE = "payment_release"
STEP_FRAUD_FACTS = "fraud_facts"


class MalformedStep(ValueError):
    """A message that no step can run (unknown step or order): fail it for good."""


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('Error', 'Error')}: {error.get('Cause', '')}"
    return str(error or "unknown error")


def _compensate(order_id: int, message: dict[str, Any]) -> str:
    return order_fulfilment_fail(
        order_id=order_id,
        step=str(message.get("failed_step", "")),
        error=_error_text(message.get("error")),
        release_payment=False,  # the state machine's PaymentRelease step does it
    )


def _fraud_facts(order_id: int, _: dict[str, Any]) -> dict[str, Any]:
    # The Lambda route: the order's facts for the fraud function, read here so
    # the function needs no database access.
    order = Order.objects.select_related("payment").get(pk=order_id)
    return {"outcome": "facts", "facts": order_facts(order=order)}


# A service returns its outcome, or a dict of output fields (with "outcome").
StepService = Callable[[int, dict[str, Any]], "str | dict[str, Any]"]
STEP_SERVICES: dict[str, StepService] = {
    STEP_FRAUD: lambda order_id, message: order_fraud_check(
        order_id=order_id, verdict=message.get("verdict")
    ),
    STEP_CAPTURE: lambda order_id, _: order_payment_capture(order_id=order_id),
    STEP_SHIPMENT: lambda order_id, _: order_shipment_request(order_id=order_id),
    STEP_SHIP: lambda order_id, _: order_ship(order_id=order_id),
    STEP_COMPENSATE: _compensate,
    STEP_PAYMENT_RELEASE: lambda order_id, _: order_payment_release(order_id=order_id),
    STEP_FRAUD_FACTS: _fraud_facts,
}


def fulfilment_step_run(*, message: dict[str, Any]) -> dict[str, Any]:
    """Run the message's step for its order; return {step, outcome, status, ...}.

    Steps are idempotent (see orders/services/fulfilment.py): a redelivered
    message or a replayed token runs a step that returns "skipped"/"already".
    """
    step = message.get("step")
    service = STEP_SERVICES.get(str(step))
    if service is None:
        raise MalformedStep(f"unknown fulfilment step {step!r}")
    order_id = (
        Order.objects.filter(number=str(message.get("order_number", "")))
        .values_list("pk", flat=True)
        .first()
    )
    if order_id is None:
        raise MalformedStep(f"no order {message.get('order_number')!r}")
    result = service(order_id, message)
    fields = result if isinstance(result, dict) else {"outcome": result}
    status = Order.objects.values_list("status", flat=True).get(pk=order_id)
    return {"step": str(step), "outcome": "done", **fields, "status": status}
