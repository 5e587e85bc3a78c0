"""Staff and system actions on placed orders. Each is validated by the state
machine (orders.services.transitions) before anything else changes; payment calls come after
the order's transaction commits (no network call inside it)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from promotions.services import voucher_release

from ..exceptions import InvalidTransition, PaymentError
from ..integrations.payments import GatewayError
from ..models import Order, Payment
from .fulfilment import fulfilment_start
from .payments import payment_void
from .refunds import payment_refund
from .stock import stock_commit, stock_release
from .transitions import Actor, actor_describe, order_transition, transition_allowed

logger = logging.getLogger(__name__)
S = Order.Status


def _check(order: Order, to: str) -> None:
    order.refresh_from_db(fields=["status"])
    if not transition_allowed(from_status=order.status, to=to):
        raise InvalidTransition(
            f"Order {order.number} cannot go from {S(order.status).label.lower()} "
            f"to {S(to).label.lower()}."
        )


def order_hold(*, order: Order, actor: Actor = None, reason: str = "") -> Order:
    return order_transition(order=order, to=S.ON_HOLD, actor=actor, reason=reason)


def order_release(*, order: Order, actor: Actor = None, reason: str = "") -> Order:
    """Release a held order back into processing; fulfilment resumes after commit.

    Staff release from the admin and the fulfilment workflow share this path, so a
    released order always goes on to capture, shipment and shipped.
    """
    _check(order, S.PROCESSING)
    if order.status != S.ON_HOLD:
        raise InvalidTransition(f"Order {order.number} is not on hold.")
    with transaction.atomic():
        order = order_transition(
            order=order, to=S.PROCESSING, actor=actor, reason=reason
        )
        order_id = order.pk
        transaction.on_commit(lambda: fulfilment_start(order_id=order_id))
    return order


def order_cancel(*, order: Order, actor: Actor = None, reason: str = "") -> Order:
    """Cancel: release the reserved stock and the status in one transaction,
    then void the authorisation (or refund a captured payment).

    If the payment call fails, the order stays cancelled and the failure is
    raised (GatewayError/PaymentError); calling again retries only the payment.
    """
    _, label = actor_describe(actor)
    with transaction.atomic():
        order = order_transition(
            order=order, to=S.CANCELLED, actor=actor, reason=reason
        )
        stock_release(order=order, actor_label=label)
        voucher_release(order_number=order.number)  # the use is given back
    payment_settle_after_cancel(order=order, actor_label=label)
    return order


def payment_settle_after_cancel(*, order: Order, actor_label: str = "system") -> None:
    """Void or refund the payment of a cancelled order (idempotent)."""
    payment = Payment.objects.filter(order_id=order.pk).first()
    if payment is None:
        return
    if payment.status == Payment.Status.AUTHORISED:
        payment_void(order=order, actor_label=actor_label)
    elif payment.status == Payment.Status.CAPTURED:
        payment_refund(order=order, actor_label=actor_label)


def order_mark_shipped(
    *,
    order: Order,
    tracking_number: str = "",
    carrier: str = "",
    actor: Actor = None,
    reason: str = "",
) -> Order:
    """Mark shipped: tracking info, stock leaves the shelf, status → shipped."""
    _, label = actor_describe(actor)
    with transaction.atomic():
        _check(order, S.SHIPPED)
        Order.objects.filter(pk=order.pk).update(
            tracking_number=tracking_number.strip()[:100], carrier=carrier.strip()[:60]
        )
        order.tracking_number, order.carrier = tracking_number, carrier
        order = order_transition(order=order, to=S.SHIPPED, actor=actor, reason=reason)
        stock_commit(order=order, actor_label=label)
    return order


def order_mark_delivered(
    *, order: Order, actor: Actor = None, reason: str = ""
) -> Order:
    return order_transition(order=order, to=S.DELIVERED, actor=actor, reason=reason)


def order_refund(
    *,
    order: Order,
    actor: Actor = None,
    reason: str = "",
    amount: Decimal | None = None,
) -> Order:
    """Refund a shipped/delivered order: money first (it is the part that can
    fail), then the status; a failed refund leaves the status unchanged."""
    _check(order, S.REFUNDED)
    _, label = actor_describe(actor)
    payment = Payment.objects.filter(order_id=order.pk).first()
    if payment is not None and payment.status == Payment.Status.AUTHORISED:
        try:
            payment_void(order=order, actor_label=label)
        except (GatewayError, PaymentError):
            logger.warning("void of %s before refund failed", order.number)
            raise
    elif payment is not None and payment.status in (
        Payment.Status.CAPTURED,
        Payment.Status.REFUNDED,
    ):
        payment_refund(order=order, amount=amount, actor_label=label)
    return order_transition(order=order, to=S.REFUNDED, actor=actor, reason=reason)
