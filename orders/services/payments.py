"""Payment writes: authorise, capture, void, refund, each recorded.

Gateway calls are network calls: they are made with no row lock held and
outside any transaction of ours; the outcome is then recorded in a short
transaction. Each call carries a deterministic idempotency key, so retrying
after a timeout (or two workers racing) can never charge twice. Callers
should not wrap these functions in their own transaction: a retried failure
must still leave its PaymentTransaction row behind.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from notifications.services import event_record
from securecart.write_plans import InsertPlan, UpdatePlan

from ..exceptions import PaymentDeclined, PaymentError
from ..integrations.payments import GatewayError, GatewayResult, get_gateway
from ..lock_objects import payment_lock
from ..models import Order, OrderEvent, Payment, PaymentTransaction

logger = logging.getLogger(__name__)
P = Payment.Status
K = PaymentTransaction.Kind

# Written by every checkout: compiled once per process (securecart.query_plans).
_TRANSACTION_INSERT = InsertPlan(PaymentTransaction)
_AUTHORISE_OUTCOME = UpdatePlan(
    Payment,
    "status",
    "reference",
    "risk_level",
    "fingerprint",
    "decline_reason",
    "updated_at",
)


def _record(
    *,
    payment: Payment,
    kind: str,
    amount: Decimal,
    result: GatewayResult | None,
    error: str = "",
) -> PaymentTransaction:
    row = PaymentTransaction(
        payment=payment,
        kind=kind,
        amount=amount,
        succeeded=bool(result and result.succeeded),
        reference=result.reference if result else "",
        error=error or (result.error if result else ""),
    )
    _TRANSACTION_INSERT.save(row)
    return row


def _order_event(payment: Payment, message: str, actor_label: str = "system") -> None:
    if payment.order_id:
        OrderEvent.objects.create(
            order_id=payment.order_id,
            kind=OrderEvent.Kind.PAYMENT,
            message=message,
            actor_label=actor_label,
        )


def _call(payment: Payment, kind: str, amount: Decimal, call) -> GatewayResult:
    """Make one gateway call; a transient failure is recorded, then re-raised."""
    try:
        return call()
    except GatewayError as exc:
        _record(payment=payment, kind=kind, amount=amount, result=None, error=str(exc))
        logger.warning("gateway %s failed for payment %s: %s", kind, payment.pk, exc)
        raise


def payment_authorise(*, payment: Payment, token: str) -> Payment:
    """Authorise `payment.amount` on a card token (idempotent via authorise_key).

    A decline sets status failed; a transient failure raises GatewayError and
    leaves the payment pending (retrying with the same key is safe).
    """
    gateway = get_gateway(payment.gateway)
    result = _call(
        payment,
        K.AUTHORISE,
        payment.amount,
        lambda: gateway.authorise(
            token=token,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=payment.authorise_key,
        ),
    )
    with transaction.atomic():
        _record(payment=payment, kind=K.AUTHORISE, amount=payment.amount, result=result)
        if result.succeeded:
            payment.status = P.AUTHORISED
            payment.reference = result.reference
            payment.risk_level = result.risk_level or Payment.RiskLevel.NORMAL
            payment.fingerprint = result.fingerprint
        else:
            payment.status = P.FAILED
            payment.decline_reason = result.error[:200]
        _AUTHORISE_OUTCOME.save(payment)
    return payment


def _payment_of(order: Order) -> Payment:
    payment = Payment.objects.filter(order_id=order.pk).first()
    if payment is None:
        raise PaymentError(f"Order {order.number} has no payment.")
    return payment


def _last(payment: Payment, kind: str) -> PaymentTransaction | None:
    return (
        payment.transactions.filter(kind=kind, succeeded=True).order_by("-id").first()
    )


def payment_capture(*, order: Order, actor_label: str = "system") -> PaymentTransaction:
    """Capture the authorised amount. Idempotent: if already captured, return
    the capture transaction without calling the gateway.

    Raises GatewayError (transient: retry), PaymentDeclined (permanent: the
    gateway refused; payment.failed is recorded) or PaymentError (nothing to
    capture, e.g. voided).
    """
    payment = _payment_of(order)
    if payment.status in (P.CAPTURED, P.REFUNDED):
        done = _last(payment, K.CAPTURE)
        if done is not None:
            return done
    if payment.status != P.AUTHORISED:
        raise PaymentError(
            f"Payment of {order.number} is {payment.status}, not authorised."
        )
    gateway = get_gateway(payment.gateway)
    result = _call(
        payment,
        K.CAPTURE,
        payment.amount,
        lambda: gateway.capture(
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=f"capture:{payment.pk}",
        ),
    )
    with transaction.atomic():
        locked = payment_lock(payment_id=payment.pk)
        if locked.status in (P.CAPTURED, P.REFUNDED):  # a racing call won
            done = _last(locked, K.CAPTURE)
            if done is not None:
                return done
        txn = _record(
            payment=locked, kind=K.CAPTURE, amount=locked.amount, result=result
        )
        data = {
            "amount": str(locked.amount),
            "currency": locked.currency,
            "gateway": locked.gateway,
        }
        if result.succeeded:
            locked.status = P.CAPTURED
            locked.captured_amount = locked.amount
            locked.save(update_fields=["status", "captured_amount", "updated_at"])
            _order_event(locked, f"Payment of {locked.amount} captured.", actor_label)
            event_record(type="payment.captured", order_number=order.number, data=data)
    if not result.succeeded:
        with transaction.atomic():
            _order_event(locked, f"Capture refused: {result.error}", actor_label)
            event_record(
                type="payment.failed",
                order_number=order.number,
                data={**data, "operation": "capture", "error": result.error},
            )
        raise PaymentDeclined(result.error or "Capture refused.")
    return txn


def payment_void_payment(
    *, payment: Payment, actor_label: str = "system"
) -> PaymentTransaction | None:
    """Release an authorisation (no money moved). Idempotent; None if there
    was nothing to void (never authorised)."""
    if payment.status == P.VOIDED:
        return _last(payment, K.VOID)
    if payment.status in (P.PENDING, P.FAILED):
        return None
    if payment.status != P.AUTHORISED:
        raise PaymentError(
            f"Payment is {payment.status}: refund it instead of voiding."
        )
    gateway = get_gateway(payment.gateway)
    result = _call(
        payment,
        K.VOID,
        payment.amount,
        lambda: gateway.void(
            reference=payment.reference, idempotency_key=f"void:{payment.pk}"
        ),
    )
    with transaction.atomic():
        locked = payment_lock(payment_id=payment.pk)
        if locked.status == P.VOIDED:
            return _last(locked, K.VOID)
        txn = _record(payment=locked, kind=K.VOID, amount=locked.amount, result=result)
        if result.succeeded:
            locked.status = P.VOIDED
            locked.save(update_fields=["status", "updated_at"])
            _order_event(locked, "Payment authorisation voided.", actor_label)
    payment.status = locked.status
    if not result.succeeded:
        raise PaymentError(result.error or "Void refused.")
    return txn


def payment_void(
    *, order: Order, actor_label: str = "system"
) -> PaymentTransaction | None:
    """Void the order's authorisation (see payment_void_payment)."""
    return payment_void_payment(payment=_payment_of(order), actor_label=actor_label)
