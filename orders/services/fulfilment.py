"""The fulfilment workflow: fraud check → capture → shipment → shipped.

Checkout calls `fulfilment_start` after its transaction commits; it enqueues a
Celery chain of small tasks (orders/tasks.py), one per service below, or, with
FULFILMENT_ENGINE=stepfunctions, starts an execution of the state machine whose
workers call the same services (orders/services/stepfunctions.py). SQS
delivers at least once, so every step re-reads the order under a row lock and
returns early when its work is already done or no longer applies: running a
step twice changes nothing. No row lock is held across a gateway or warehouse
call (they happen between two short transactions, and both are idempotent by
key: the capture by payment, the booking by order number).

When a step fails for good (retries exhausted, or a permanent refusal),
`order_fulfilment_fail` compensates:
- before any money moved (fraud check unavailable → hold; capture failed →
  cancel): the order is cancelled, its stock released and the authorisation
  voided (or it waits on_hold for staff when the fraud check could not run);
- after capture (shipment or ship step): the order goes on_hold for staff, who
  release it (`orders.services.order_release`: the workflow resumes) or
  cancel/refund.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import chain, current_app
from celery.canvas import Signature
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import QuerySet

from promotions.services import voucher_release
from securecart.addresses import Address

from ..integrations.payments import GatewayError
from ..integrations.warehouse import WarehouseUnavailable, get_warehouse
from ..lock_objects import order_lock
from ..models import Order, OrderEvent, Payment
from ..selectors import order_list_stuck
from .documents import order_documents_enqueue
from .fraud import FraudScorerError, RiskAssessment, risk_assess
from .payments import payment_capture, payment_void
from .refunds import payment_refund
from .stepfunctions import sfn_fulfilment_start, sfn_order_redrive
from .stock import stock_commit, stock_release
from .transitions import order_transition

logger = logging.getLogger(__name__)
S = Order.Status
P = Payment.Status
ACTOR = "system:fulfilment"

# Steps whose failure leaves the money untouched (cancel and void is safe).
STEP_FRAUD = "fraud_check"
STEP_CAPTURE = "payment_capture"
STEP_SHIPMENT = "shipment_request"
STEP_SHIP = "ship"

# Errors worth another try with backoff (Celery autoretry, the state machine's
# Retry on Step.Transient); anything else fails the step for good.
TRANSIENT_ERRORS = (
    GatewayError,
    WarehouseUnavailable,
    OperationalError,
    InterfaceError,
    FraudScorerError,  # FRAUD_SCORER=lambda: the fraud function failed or throttled
)


# The workflow's tasks (orders/tasks.py, an entry point above this layer) are
# named here, not imported: a service never imports the tasks that call it.
WORKFLOW_TASKS = (
    "orders.tasks.order_fraud_check_task",
    "orders.tasks.order_payment_capture_task",
    "orders.tasks.order_shipment_request_task",
    "orders.tasks.order_ship_task",
)
PAYMENT_RELEASE_TASK = "orders.tasks.order_payment_release_task"


def _task(name: str, order_id: int) -> Signature:
    return current_app.signature(name, args=(order_id,), immutable=True)


def _payment_status(order_id: int) -> str | None:
    return (
        Payment.objects.filter(order_id=order_id)
        .values_list("status", flat=True)
        .first()
    )


# --- entry points --------------------------------------------------------------
def fulfilment_start(*, order_id: int) -> None:
    """Hand an order to the fulfilment workflow (call after commit).

    With a broker the chain goes to the `fulfilment` queue; in eager mode (no
    broker) it runs here, in-process. A failing eager step has already been
    compensated by its task, so the error is logged rather than raised into the
    request that placed the order.
    """
    if settings.FULFILMENT_ENGINE == "stepfunctions":
        sfn_fulfilment_start(order_id=order_id)
        return
    workflow = chain(*(_task(name, order_id) for name in WORKFLOW_TASKS))
    if current_app.conf.task_always_eager:
        try:
            workflow.apply_async()
        except Exception:
            logger.exception("eager fulfilment of order %s stopped", order_id)
        return
    workflow.apply_async()


# --- the steps (each called by one task) ----------------------------------------
def order_fraud_check(*, order_id: int, verdict: dict | None = None) -> str:
    """Score a placed order; move it to processing, or on_hold above threshold.

    `verdict` ({"score", "reasons"}) is a score made elsewhere (the fraud Lambda
    of the state machine); without it the order is scored here: in process, or,
    with FRAUD_SCORER=lambda, by invoking the fraud function before the order's
    row lock is taken (a network call never holds the lock).
    """
    if verdict is None and settings.FRAUD_SCORER == "lambda":
        unlocked = Order.objects.get(pk=order_id)
        if unlocked.status != S.PLACED:
            return f"skipped: order is {unlocked.status}"
        scored = risk_assess(order=unlocked)
        verdict = {"score": scored.score, "reasons": scored.reasons}
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PLACED:
            return f"skipped: order is {order.status}"
        risk = (
            risk_assess(order=order)
            if verdict is None
            else RiskAssessment(
                score=int(verdict["score"]), reasons=list(verdict["reasons"])
            )
        )
        order.risk_score = risk.score
        order.risk_reasons = risk.reasons
        order.save(update_fields=["risk_score", "risk_reasons"])
        if risk.score > settings.FRAUD_HOLD_THRESHOLD:
            order_transition(
                order=order,
                to=S.ON_HOLD,
                actor=ACTOR,
                reason=f"Fraud check: risk score {risk.score} is above "
                f"{settings.FRAUD_HOLD_THRESHOLD} ({'; '.join(risk.reasons)}).",
            )
            return "on_hold"
        order_transition(
            order=order,
            to=S.PROCESSING,
            actor=ACTOR,
            reason=f"Fraud check passed (risk score {risk.score}).",
        )
        return "processing"


def order_payment_capture(*, order_id: int) -> str:
    """Capture the authorised payment of a processing order."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PROCESSING:
            return f"skipped: order is {order.status}"
        status = _payment_status(order_id)
        if status in (P.CAPTURED, P.REFUNDED):
            return "already captured"
    # Outside the lock: a network call, idempotent by the payment's key.
    payment_capture(order=order, actor_label=ACTOR)
    order_documents_enqueue(order_id=order_id)  # paid: invoice + packing slip
    return "captured"


@dataclass(frozen=True)
class _ShipmentRequest:
    number: str
    address: dict[str, str]
    lines: list[dict[str, object]]


def order_shipment_request(*, order_id: int) -> str:
    """Book the shipment of a paid, processing order with the warehouse."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PROCESSING:
            return f"skipped: order is {order.status}"
        if order.tracking_number:
            return "already booked"
        captured = Payment.objects.filter(
            order_id=order_id, status__in=(P.CAPTURED,)
        ).exists()
        if not captured:
            # Capture has not happened (its message may be in flight): leave it
            # to that step's own chain or to reconcile_orders.
            return "skipped: payment not captured"
        request = _ShipmentRequest(
            number=order.number,
            address=Address.from_object(order, prefix="shipping_").as_dict(),
            lines=[
                {"sku": sku, "quantity": qty}
                for sku, qty in order.lines.values_list("sku", "quantity")
            ],
        )
    booking = get_warehouse().shipment_book(
        order_number=request.number, address=request.address, lines=request.lines
    )
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.tracking_number:
            return "already booked"
        order.tracking_number = booking.tracking_number
        order.carrier = booking.carrier
        order.save(update_fields=["tracking_number", "carrier"])
        OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.NOTE,
            actor_label=ACTOR,
            message=f"Shipment booked with {booking.carrier}, "
            f"tracking number {booking.tracking_number}.",
        )
    return "booked"


def order_ship(*, order_id: int) -> str:
    """Mark a booked order shipped and take its stock off the shelf."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PROCESSING:
            return f"skipped: order is {order.status}"
        if not order.tracking_number:
            return "skipped: no shipment booked"
        stock_commit(order=order, actor_label=ACTOR)
        order_transition(
            order=order,
            to=S.SHIPPED,
            actor=ACTOR,
            reason=f"Shipped with {order.carrier} ({order.tracking_number}).",
        )
    return "shipped"


# --- compensation -----------------------------------------------------------------
def order_fulfilment_fail(
    *, order_id: int, step: str, error: str, release_payment: bool = True
) -> str:
    """Compensate a step that failed for good (see the module docstring).

    Returns what was done. Idempotent: an order already cancelled, on hold or
    shipped is left as it is (its money is still put right by
    `order_payment_release`). `release_payment=False` leaves the void/refund to
    the caller (the state machine runs it as its own step).
    """
    reason = f"Fulfilment step {step} failed: {error}"[:500]
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        payment_status = _payment_status(order_id)
        money_taken = payment_status in (P.CAPTURED, P.REFUNDED)
        if order.status not in (S.PLACED, S.PROCESSING):
            outcome = f"nothing to do: order is {order.status}"
        elif step == STEP_FRAUD or money_taken:
            order_transition(order=order, to=S.ON_HOLD, actor=ACTOR, reason=reason)
            outcome = "on_hold"
        else:
            order_transition(order=order, to=S.CANCELLED, actor=ACTOR, reason=reason)
            stock_release(order=order, actor_label=ACTOR)
            voucher_release(order_number=order.number)  # the use is given back
            outcome = "cancelled"
        if order.status == S.CANCELLED and release_payment:
            transaction.on_commit(lambda: _payment_release_enqueue(order_id))
    logger.warning("order %s: %s (%s)", order_id, outcome, reason)
    return outcome


def _payment_release_enqueue(order_id: int) -> None:
    _task(PAYMENT_RELEASE_TASK, order_id).apply_async()


def order_payment_release(*, order_id: int) -> str:
    """Give a cancelled order's money back: void the authorisation or refund."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.CANCELLED:
            return f"skipped: order is {order.status}"
        status = _payment_status(order_id)
    # Gateway calls, outside the lock; both are idempotent.
    if status == P.AUTHORISED:
        payment_void(order=order, actor_label=ACTOR)
        return "voided"
    if status == P.CAPTURED:
        payment_refund(order=order, actor_label=ACTOR)
        return "refunded"
    return f"nothing to release: payment is {status}"


# --- reconciliation ---------------------------------------------------------------
def orders_stuck(*, minutes: int | None = None) -> QuerySet[Order]:
    """Orders in placed/processing for longer than `minutes` (oldest first)."""
    return order_list_stuck(minutes=minutes)


def orders_unreleased_payments() -> QuerySet[Order]:
    """Cancelled orders whose payment is still authorised or captured."""
    return Order.objects.filter(
        status=S.CANCELLED, payment__status__in=(P.AUTHORISED, P.CAPTURED)
    ).order_by("status_changed_at", "pk")


def order_redrive(*, order_id: int) -> bool:
    """Enqueue the workflow again for a stuck order (every step is idempotent).

    With Step Functions an order whose execution still runs is left to it; one
    whose execution failed, timed out or vanished gets a new execution from the
    step it stopped at (a step that fails again is compensated by it).
    Returns whether the order was re-driven.
    """
    if settings.FULFILMENT_ENGINE == "stepfunctions":
        return sfn_order_redrive(order_id=order_id) != "running"
    OrderEvent.objects.create(
        order_id=order_id,
        kind=OrderEvent.Kind.NOTE,
        actor_label="system:reconcile",
        message="Fulfilment re-driven by reconcile_orders.",
    )
    fulfilment_start(order_id=order_id)
    return True


def orders_reconcile(*, minutes: int | None = None, limit: int = 500) -> dict[str, int]:
    """Re-drive stuck orders and unreleased payments; return counts."""
    redriven = failed = released = 0
    for order_id in orders_stuck(minutes=minutes).values_list("pk", flat=True)[:limit]:
        try:
            if order_redrive(order_id=order_id):
                redriven += 1
        except Exception:
            logger.exception("could not re-drive order %s", order_id)
            failed += 1
    for order_id in orders_unreleased_payments().values_list("pk", flat=True)[:limit]:
        try:
            _payment_release_enqueue(order_id)
            released += 1
        except Exception:
            logger.exception("could not enqueue payment release of order %s", order_id)
            failed += 1
    return {"redriven": redriven, "payments": released, "failed": failed}
