"""Returns (RMA): requested by the shopper, approved or rejected by staff,
received by staff (which refunds the returned units and puts them back on the
shelf). Every step is in the order's timeline and emails the shopper
(order.return_requested / _approved / _rejected / _received)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from notifications.services import event_record

from ..exceptions import OrdersError, PaymentError
from ..models import Order, OrderEvent, Refund, ReturnLine, ReturnRequest
from ..staff_selectors import return_window_ends, returnable_quantities
from .refunds import refund_complete, refund_reserve
from .transitions import Actor, actor_describe

R = ReturnRequest.Status


class ReturnNotAllowed(OrdersError):
    code = "return_not_allowed"


def _units(rma: ReturnRequest) -> list[dict[str, Any]]:
    return [
        {
            "sku": item.order_line.sku,
            "name": item.order_line.product_name,
            "quantity": item.quantity,
        }
        for item in rma.lines.select_related("order_line")
    ]


def _record(
    rma: ReturnRequest, step: str, actor: Actor, message: str, **data: Any
) -> None:
    """Timeline entry and the shopper's email, in the caller's transaction."""
    user, label = actor_describe(actor)
    OrderEvent.objects.create(
        order_id=rma.order_id,
        kind=OrderEvent.Kind.NOTE,
        message=message,
        actor=user,
        actor_label=label,
    )
    event_record(
        type=f"order.return_{step}",
        order_number=rma.order.number,
        data={"return_id": rma.pk, "returned_lines": _units(rma), **data},
    )


def return_request(
    *, order: Order, lines: Mapping[int, int], reason: str, actor: Actor = None
) -> ReturnRequest:
    """The shopper asks to send units of shipped lines back ({line id: qty})."""
    ends = return_window_ends(order=order)
    if ends is None:
        raise ReturnNotAllowed("Only shipped orders can be returned.")
    if timezone.now() > ends:
        raise ReturnNotAllowed(f"The return window closed on {ends:%d %b %Y}.")
    wanted = {pk: qty for pk, qty in lines.items() if qty}
    if not wanted:
        raise ReturnNotAllowed("Choose at least one item to return.")
    with transaction.atomic():
        Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        left = returnable_quantities(order=order)
        for pk, qty in wanted.items():
            if qty < 0 or qty > left.get(pk, 0):
                raise ReturnNotAllowed(
                    f"At most {left.get(pk, 0)} unit(s) of that item can be returned."
                )
        rma = ReturnRequest.objects.create(order=order, reason=reason.strip())
        ReturnLine.objects.bulk_create(
            ReturnLine(return_request=rma, order_line_id=pk, quantity=qty)
            for pk, qty in wanted.items()
        )
        units = ", ".join(f"{u['quantity']} × {u['sku']}" for u in _units(rma))
        _record(rma, "requested", actor, f"Return requested: {units}. {rma.reason}")
    return rma


def _decide(rma: ReturnRequest, to: str, actor: Actor, note: str) -> ReturnRequest:
    user, _ = actor_describe(actor)
    with transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=rma.pk)
        if locked.status != R.REQUESTED:
            raise ReturnNotAllowed(
                f"This return is already {locked.get_status_display().lower()}."
            )
        locked.status, locked.staff_note = to, note
        locked.decided_by, locked.decided_at = user, timezone.now()
        locked.save(update_fields=["status", "staff_note", "decided_by", "decided_at"])
        step = "approved" if to == R.APPROVED else "rejected"
        _record(locked, step, actor, f"Return {locked.pk} {step}: {note}", note=note)
    return locked


def return_approve(
    *, rma: ReturnRequest, actor: Actor = None, note: str = ""
) -> ReturnRequest:
    return _decide(rma, R.APPROVED, actor, note)


def return_reject(
    *, rma: ReturnRequest, actor: Actor = None, note: str = ""
) -> ReturnRequest:
    return _decide(rma, R.REJECTED, actor, note)


def _claim(rma: ReturnRequest, actor: Actor, note: str, restock: bool) -> Refund:
    """Approved → receiving with its refund reserved; or, for a return whose
    refund the gateway left pending, that same refund (retried, same key)."""
    if ReturnRequest.objects.filter(pk=rma.pk, status=R.APPROVED).update(
        status=R.RECEIVING
    ):
        lines = dict(rma.lines.values_list("order_line_id", "quantity"))
        try:
            refund = refund_reserve(
                order=rma.order,
                amount=None,
                lines=lines,
                restock=restock,
                actor=actor,
                reason=f"Return {rma.pk}" + (f": {note}" if note else ""),
                notify=False,  # the return_received email says it
            )
        except PaymentError:
            ReturnRequest.objects.filter(pk=rma.pk).update(status=R.APPROVED)
            raise
        assert refund is not None  # lines given: never "nothing left"
        ReturnRequest.objects.filter(pk=rma.pk).update(refund=refund)
        return refund
    rma.refresh_from_db()
    if rma.status == R.RECEIVING and rma.refund is not None:
        return rma.refund
    raise ReturnNotAllowed(
        f"Only approved returns can be received (this one is "
        f"{rma.get_status_display().lower()})."
    )


def return_receive(
    *, rma: ReturnRequest, actor: Actor = None, note: str = "", restock: bool = True
) -> ReturnRequest:
    """The parcel came back: refund its units (priced as paid), put them back
    on the shelf, tell the shopper. The return is claimed first (approved →
    receiving, with its refund reserved), so two staff pressing at once refund
    once; a gateway timeout leaves it receiving and pressing again retries the
    same refund; a refused refund gives the return back to approved."""
    refund = _claim(rma, actor, note, restock)
    try:
        refund = refund_complete(refund=refund)
    except PaymentError:
        ReturnRequest.objects.filter(pk=rma.pk).update(status=R.APPROVED, refund=None)
        raise
    with transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=rma.pk)
        if locked.status == R.RECEIVED:
            return locked
        locked.status, locked.refund = R.RECEIVED, refund
        locked.received_at = timezone.now()
        locked.save(update_fields=["status", "refund", "received_at"])
        _record(
            locked,
            "received",
            actor,
            f"Return {locked.pk} received; {refund.amount} "
            f"{rma.order.currency} refunded.",
            amount=str(refund.amount),
            currency=rma.order.currency,
        )
    return locked
