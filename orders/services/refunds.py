"""Refunds, whole or in part, by amount or by line, with optional restock.

Two steps, so concurrent refunds can never pay out more than was captured:

1. reserve: under the payment's row lock, check the amount against what is
   left (captured - refunded - still pending) and write a pending Refund with
   its own gateway idempotency key;
2. complete: call the gateway with no lock held, then record the outcome under
   the lock again (refunded_amount, the transaction, timeline, restock, email).

A transient gateway failure leaves the refund pending with its error; calling
`refund_complete` again retries with the same key, so the gateway pays at most
once. The CHECK refunded_amount <= captured_amount on Payment is the backstop.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from notifications.services import event_record
from shop import stock as shop_stock

from ..exceptions import PaymentError
from ..integrations.payments import GatewayError, get_gateway
from ..lock_objects import payment_lock
from ..models import (
    Order,
    OrderEvent,
    Payment,
    PaymentTransaction,
    Refund,
    RefundLine,
)
from ..staff_selectors import (
    refund_line_amount,
    refund_remaining,
    refunded_quantities,
)
from .payments import _call, _last, _payment_of, _record
from .transitions import Actor, actor_describe

P = Payment.Status
K = PaymentTransaction.Kind
R = Refund.Status


def _check_lines(order: Order, lines: Mapping[int, int]) -> Decimal:
    """Validate {line id: quantity} against what is left; return its amount."""
    order_lines = {line.pk: line for line in order.lines.all()}
    done = refunded_quantities(order=order)
    total = Decimal("0.00")
    for line_id, qty in lines.items():
        line = order_lines.get(line_id)
        if line is None:
            raise PaymentError(f"Line {line_id} is not part of order {order.number}.")
        left = line.quantity - done.get(line_id, 0)
        if qty < 1 or qty > left:
            raise PaymentError(f"{line.sku}: refund between 1 and {left} unit(s).")
        total += refund_line_amount(line=line, quantity=qty, order=order)
    return total


def refund_reserve(
    *,
    order: Order,
    amount: Decimal | None,
    lines: Mapping[int, int],
    restock: bool,
    actor: Actor,
    reason: str,
    notify: bool,
) -> Refund | None:
    """Write a pending refund under the payment lock; None if nothing is left
    and no amount was asked for (a whole refund that already happened)."""
    user, label = actor_describe(actor)
    if restock and not lines:
        raise PaymentError("Choose the lines to put back on the shelf.")
    if restock and order.stock_committed_at is None:
        raise PaymentError("Only shipped goods can be restocked.")
    with transaction.atomic():
        payment = payment_lock(payment_id=_payment_of(order).pk)
        if payment.status not in (P.CAPTURED, P.REFUNDED):
            raise PaymentError(
                f"Payment of {order.number} is {payment.status}: nothing to refund."
            )
        remaining = refund_remaining(payment=payment)
        if amount is None and lines:
            amount = min(_check_lines(order, lines), remaining)
        elif lines:
            _check_lines(order, lines)
        if amount is None:
            if remaining <= 0:
                return None
            amount = remaining
        if amount <= 0 or amount > remaining:
            raise PaymentError(
                f"Refund amount must be between 0.01 and {max(remaining, 0)}."
            )
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            amount=amount,
            idempotency_key=f"refund:{payment.pk}:{uuid.uuid4().hex}",
            reason=reason,
            restock=restock,
            notify_customer=notify,
            actor=user,
            actor_label=label,
        )
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, order_line_id=line_id, quantity=qty)
            for line_id, qty in lines.items()
        )
    return refund


def _succeeded(refund: Refund, payment: Payment, txn: PaymentTransaction) -> None:
    """Book a refund the gateway paid (inside the locked transaction)."""
    payment.refunded_amount += refund.amount
    if payment.refunded_amount >= payment.captured_amount:
        payment.status = P.REFUNDED
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    refund.status, refund.transaction, refund.error = R.SUCCEEDED, txn, ""
    refund.completed_at = timezone.now()
    refund.save(update_fields=["status", "transaction", "error", "completed_at"])
    message = f"Refunded {refund.amount} {payment.currency}."
    if refund.reason:
        message += f" Reason: {refund.reason}"
    OrderEvent.objects.create(
        order_id=refund.order_id,
        kind=OrderEvent.Kind.PAYMENT,
        message=message,
        actor=refund.actor,
        actor_label=refund.actor_label,
    )
    lines = list(refund.lines.select_related("order_line"))
    if refund.restock and lines:
        quantities: dict[int, int] = {}
        for item in lines:
            variant_id = item.order_line.variant_id
            quantities[variant_id] = quantities.get(variant_id, 0) + item.quantity
        shop_stock.stock_restock(quantities=quantities)
        OrderEvent.objects.create(
            order_id=refund.order_id,
            kind=OrderEvent.Kind.STOCK,
            message="Restocked: "
            + ", ".join(f"{i.quantity} × {i.order_line.sku}" for i in lines),
            actor=refund.actor,
            actor_label=refund.actor_label,
        )
    if refund.notify_customer:
        event_record(
            type="order.refunded_partially",
            order_number=refund.order.number,
            data={
                "amount": str(refund.amount),
                "currency": payment.currency,
                "reason": refund.reason,
                "refunded_lines": [
                    {"sku": i.order_line.sku, "quantity": i.quantity} for i in lines
                ],
                "refund_id": refund.pk,
            },
        )


def refund_complete(*, refund: Refund) -> Refund:
    """Send a pending refund to the gateway (again: same key) and book the
    outcome. Raises GatewayError (stays pending, retry is safe) or
    PaymentError (refused: the refund failed and its amount is free again)."""
    if refund.status != R.PENDING:
        return refund
    payment = refund.payment
    gateway = get_gateway(payment.gateway)
    try:
        result = _call(
            payment,
            K.REFUND,
            refund.amount,
            lambda: gateway.refund(
                reference=payment.reference,
                amount=refund.amount,
                currency=payment.currency,
                idempotency_key=refund.idempotency_key,
            ),
        )
    except GatewayError as exc:
        Refund.objects.filter(pk=refund.pk).update(error=str(exc)[:500])
        raise
    with transaction.atomic():
        locked_payment = payment_lock(payment_id=payment.pk)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status != R.PENDING:  # a racing retry booked it
            return locked
        txn = _record(
            payment=locked_payment, kind=K.REFUND, amount=locked.amount, result=result
        )
        if result.succeeded:
            _succeeded(locked, locked_payment, txn)
        else:
            locked.status, locked.transaction = R.FAILED, txn
            locked.error = result.error or "Refund refused."
            locked.completed_at = timezone.now()
            locked.save(
                update_fields=["status", "transaction", "error", "completed_at"]
            )
    if not result.succeeded:
        raise PaymentError(locked.error)
    return locked


def refunds_retry_stuck(*, order: Order) -> int:
    """Send again, with their own keys, the order's refunds that a gateway
    failure left pending; return how many were retried."""
    stuck = list(Refund.objects.filter(order=order, status=R.PENDING).exclude(error=""))
    for refund in stuck:
        refund_complete(refund=refund)
    return len(stuck)


def refund_issue(
    *,
    order: Order,
    amount: Decimal | None = None,
    lines: Mapping[int, int] | None = None,
    restock: bool = False,
    actor: Actor = None,
    reason: str = "",
    notify: bool = True,
) -> Refund:
    """Refund part of an order: an amount, or lines ({line id: quantity},
    priced as paid unless `amount` is given), optionally putting the units back
    on the shelf. The customer is emailed (`order.refunded_partially`).
    Refunds a gateway timeout left pending are retried first (same keys)."""
    refunds_retry_stuck(order=order)
    refund = refund_reserve(
        order=order,
        amount=None if amount is None else Decimal(amount),
        lines=dict(lines or {}),
        restock=restock,
        actor=actor,
        reason=reason,
        notify=notify,
    )
    if refund is None:
        raise PaymentError(f"Order {order.number} has nothing left to refund.")
    return refund_complete(refund=refund)


def payment_refund(
    *, order: Order, amount: Decimal | None = None, actor_label: str = "system"
) -> PaymentTransaction | None:
    """Refund captured money (all that is left by default), with no email of
    its own (the order's status change sends one). Idempotent: a fully
    refunded payment returns its last refund without a gateway call, and a
    refund left pending by a gateway failure is retried (same key) first."""
    payment = _payment_of(order)
    refunds_retry_stuck(order=order)
    refund = refund_reserve(
        order=order,
        amount=None if amount is None else Decimal(amount),
        lines={},
        restock=False,
        actor=actor_label,
        reason="",
        notify=False,
    )
    if refund is None:
        return _last(payment, K.REFUND)
    return refund_complete(refund=refund).transaction
