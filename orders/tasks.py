"""Celery tasks of the fulfilment workflow: each takes an order id, calls one
service of orders/services/fulfilment.py and is safe to run twice (SQS delivers at
least once; the services re-check the order under a lock).

Transient errors (gateway or warehouse unavailable, a dropped database
connection) retry with exponential backoff; the longest countdown stays far
below the SQS visibility timeout (300 s), so a waiting retry is never
redelivered as well. When the last retry fails, or a step fails for good,
`on_failure` runs the compensation service.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task

from .services import order_lookup_email_send, payment_void_orphaned
from .services.documents import order_documents_generate
from .services.fulfilment import (
    STEP_CAPTURE,
    STEP_FRAUD,
    STEP_SHIP,
    STEP_SHIPMENT,
    TRANSIENT_ERRORS,
    order_fraud_check,
    order_fulfilment_fail,
    order_payment_capture,
    order_payment_release,
    order_ship,
    order_shipment_request,
    orders_reconcile,
)

logger = logging.getLogger(__name__)

# Backoff 2, 4, 8 s (with jitter): a transient outage gets ~15 s before the
# order is compensated; reconcile_orders is the longer safety net.
RETRY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}
STEP = {
    "bind": True,
    "acks_late": True,
    "task_reject_on_worker_lost": True,
    "ignore_result": True,
    **RETRY,
}
# Queues are assigned by task_routes in securecart/celery.py (orders.tasks.order_*
# -> fulfilment), not per task: Celery deprecates the `queue` task attribute.


class FulfilmentTask(Task):
    """A task that, run eagerly (no broker), retries and fails like on a worker.

    With task_eager_propagates (the test and dev default) Celery re-raises the
    first error of an eager run, skipping both the retries and on_failure; the
    workflow must compensate in eager mode too, so these tasks never propagate.
    fulfilment_start logs the error of an eager chain that stopped.
    """

    abstract = True

    def apply(self, *args: Any, throw: bool | None = None, **kwargs: Any) -> Any:
        return super().apply(*args, throw=False if throw is None else throw, **kwargs)


class FulfilmentStep(FulfilmentTask):
    """A workflow step: compensates the order when it fails for good."""

    abstract = True
    step = ""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        order_id = kwargs.get("order_id") if kwargs else None
        if order_id is None and args:
            order_id = args[0]
        if order_id is None:
            return
        try:
            order_fulfilment_fail(
                order_id=int(order_id),
                step=self.step,
                error=f"{type(exc).__name__}: {exc}",
            )
        except Exception:
            # Left for reconcile_orders, which re-drives the order later.
            logger.exception("compensation of order %s failed", order_id)


@shared_task(base=FulfilmentStep, step=STEP_FRAUD, **STEP)
def order_fraud_check_task(self: Task, order_id: int) -> str:
    return order_fraud_check(order_id=order_id)


@shared_task(base=FulfilmentStep, step=STEP_CAPTURE, **STEP)
def order_payment_capture_task(self: Task, order_id: int) -> str:
    return order_payment_capture(order_id=order_id)


@shared_task(base=FulfilmentStep, step=STEP_SHIPMENT, **STEP)
def order_shipment_request_task(self: Task, order_id: int) -> str:
    return order_shipment_request(order_id=order_id)


@shared_task(base=FulfilmentStep, step=STEP_SHIP, **STEP)
def order_ship_task(self: Task, order_id: int) -> str:
    return order_ship(order_id=order_id)


@shared_task(
    base=FulfilmentTask,
    bind=True,
    acks_late=True,
    task_reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=90,
    retry_jitter=True,
    max_retries=5,
)
def order_payment_release_task(self: Task, order_id: int) -> str:
    # When this gives up, reconcile_orders finds the cancelled order with its
    # money still held and enqueues this task again.
    return order_payment_release(order_id=order_id)


@shared_task(acks_late=True, ignore_result=True)
def orders_reconcile_task() -> dict[str, int]:
    return orders_reconcile()


@shared_task(acks_late=True, ignore_result=True)
def payment_void_orphaned_task() -> int:
    # Authorisations a crashed or abandoned checkout left without an order.
    return payment_void_orphaned()


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def order_documents_task(order_id: int) -> list[str]:
    # Invoice and packing slip into private storage; idempotent by version.
    return order_documents_generate(order_id=order_id)


@shared_task(name="orders.tasks.lookup_email_task", ignore_result=True)
def lookup_email_task(*, number: str, email: str) -> bool:
    """Find my order: email the link if the order and address match (the page
    answers the same either way, and never waits for the lookup)."""
    return order_lookup_email_send(number=number, email=email)
