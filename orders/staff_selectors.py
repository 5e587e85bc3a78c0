"""Reads for staff order actions: what is left to refund, and what an action
will do (money, stock, emails), shown on its confirmation page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from .models import Order, OrderLine, Payment, Refund, RefundLine, ReturnLine
from .pricing import money

S = Order.Status
P = Payment.Status


def refund_remaining(*, payment: Payment) -> Decimal:
    """Captured money not yet refunded nor reserved by a pending refund."""
    pending = Refund.objects.filter(
        payment=payment, status=Refund.Status.PENDING
    ).aggregate(s=Sum("amount"))["s"]
    return payment.captured_amount - payment.refunded_amount - (pending or 0)


def refund_line_amount(*, line: OrderLine, quantity: int, order: Order) -> Decimal:
    """What `quantity` units of `line` cost the customer (after its discount
    share, with tax when prices were shown without it)."""
    paid = (line.line_total - line.discount_total) * quantity / line.quantity
    if not order.prices_include_tax:
        paid *= 1 + order.tax_rate
    return money(paid)


def refunded_quantities(*, order: Order) -> dict[int, int]:
    """Units of each line already refunded or being refunded (line id → qty)."""
    rows = (
        RefundLine.objects.filter(refund__order=order)
        .exclude(refund__status=Refund.Status.FAILED)
        .values("order_line_id")
        .annotate(qty=Sum("quantity"))
    )
    return {row["order_line_id"]: row["qty"] for row in rows}


def order_refundable(order: Order) -> bool:
    """Whether captured money of `order` is left to refund."""
    payment = _payment(order)
    if payment is None or payment.status != P.CAPTURED:
        return False
    return refund_remaining(payment=payment) > 0


def _payment(order: Order) -> Payment | None:
    return Payment.objects.filter(order_id=order.pk).first()


def _units(order: Order) -> str:
    return ", ".join(f"{line.quantity} × {line.sku}" for line in order.lines.all())


def _stock_on_cancel(order: Order) -> str:
    if order.stock_released_at or order.stock_committed_at:
        return "Stock: nothing to release (already released or shipped)."
    return f"Stock: the reservation is released, back on sale: {_units(order)}."


def _money_on_cancel(order: Order) -> str:
    payment = _payment(order)
    if payment is None or payment.status in (P.PENDING, P.FAILED, P.VOIDED):
        return "Payment: nothing was charged, nothing to give back."
    if payment.status == P.AUTHORISED:
        return (
            f"Payment: the authorisation of {payment.amount} {payment.currency} "
            "is voided (nothing was charged)."
        )
    left = refund_remaining(payment=payment)
    return f"Payment: {left} {payment.currency} is refunded to the card."


def _email(order: Order, what: str) -> str:
    return f"Email: {what} is sent to {order.email}."


def order_action_effects(*, order: Order, action: str) -> list[str]:
    """Plain sentences saying what `action` will do to `order`."""
    status = S(order.status).label.lower()
    if action == "release":
        return [
            f"Status: {status} → processing; fulfilment resumes "
            "(capture, shipment, shipped).",
            "Email: none now; the customer hears when the order ships.",
        ]
    if action == "hold":
        return [f"Status: {status} → on hold.", _email(order, "“being reviewed”")]
    if action == "cancel":
        return [
            f"Status: {status} → cancelled.",
            _stock_on_cancel(order),
            _money_on_cancel(order),
            _email(order, "“order cancelled”"),
        ]
    if action == "deliver":
        return [f"Status: {status} → delivered.", _email(order, "“delivered”")]
    if action == "refund":
        return refund_effects(order=order)
    if action == "refund_full":
        return refund_effects(order=order, mode="full")
    if action == "resend":
        return ["The chosen notification is sent again to the same recipient."]
    return []


def refund_effects(
    *,
    order: Order,
    mode: str = "",
    amount: Decimal | None = None,
    lines: Mapping[int, int] | None = None,
    restock: bool = False,
) -> list[str]:
    """What a refund does; without a mode, what can still be refunded."""
    payment = _payment(order)
    if payment is None or payment.status not in (P.CAPTURED, P.REFUNDED):
        return ["Payment: nothing was captured, so nothing can be refunded."]
    left = refund_remaining(payment=payment)
    currency = payment.currency
    if not mode:
        return [
            f"Payment: {left} {currency} of {payment.captured_amount} can be refunded."
        ]
    by_line = {line.pk: line for line in order.lines.all()}
    chosen = {by_line[pk]: qty for pk, qty in (lines or {}).items() if pk in by_line}
    amount = _refund_amount(order, mode, amount, chosen, left)
    effects = [
        f"Payment: {amount} {currency} is refunded to the card (of {left} left)."
    ]
    if mode == "full":
        effects += ["Status: → refunded.", _email(order, "“order refunded”")]
    else:
        effects.append(_email(order, f"“{amount} {currency} refunded”"))
    units = ", ".join(f"{qty} × {line.sku}" for line, qty in chosen.items())
    if units:
        effects.append(f"Refunded units: {units}.")
    restocked = restock and units
    effects.append(
        f"Stock: back on the shelf: {units}." if restocked else "Stock: unchanged."
    )
    return effects


def _refund_amount(
    order: Order,
    mode: str,
    amount: Decimal | None,
    chosen: Mapping[OrderLine, int],
    left: Decimal,
) -> Decimal | None:
    if mode == "full":
        return left
    if mode == "lines":
        total = sum(
            (
                refund_line_amount(line=ln, quantity=q, order=order)
                for ln, q in chosen.items()
            ),
            Decimal("0.00"),
        )
        return min(total, left)
    return amount


OPEN_RETURNS = ("requested", "approved", "receiving")


def return_window_ends(*, order: Order) -> datetime | None:
    """When the shopper can no longer ask for a return (None: not shipped)."""
    start = order.delivered_at or order.shipped_at
    if start is None or order.status not in (S.SHIPPED, S.DELIVERED):
        return None
    return start + timedelta(days=settings.RETURN_WINDOW_DAYS)


def returnable_quantities(*, order: Order) -> dict[int, int]:
    """Units of each line the shopper can still send back (line id → qty):
    bought, minus refunded, minus already in an open return."""
    done = refunded_quantities(order=order)
    rows = (
        ReturnLine.objects.filter(
            return_request__order=order, return_request__status__in=OPEN_RETURNS
        )
        .values("order_line_id")
        .annotate(qty=Sum("quantity"))
    )
    in_return = {row["order_line_id"]: row["qty"] for row in rows}
    left = {
        line.pk: line.quantity - done.get(line.pk, 0) - in_return.get(line.pk, 0)
        for line in order.lines.all()
    }
    return {pk: qty for pk, qty in left.items() if qty > 0}


def return_effects(*, rma, action: str) -> list[str]:
    """What approving, rejecting or receiving a return will do."""
    order = rma.order
    units = ", ".join(
        f"{item.quantity} × {item.order_line.sku}"
        for item in rma.lines.select_related("order_line")
    )
    email = _email(order, f"“return {action}”")
    if action != "received":
        return [
            f"Return {rma.pk} ({units}): {rma.get_status_display().lower()} → {action}.",
            email,
        ]
    amount = sum(
        (
            refund_line_amount(
                line=item.order_line, quantity=item.quantity, order=order
            )
            for item in rma.lines.select_related("order_line")
        ),
        Decimal("0.00"),
    )
    return [
        f"Payment: {amount} {order.currency} is refunded to the card (units priced as paid).",
        f"Stock: back on the shelf (unless unticked): {units}.",
        email,
    ]
