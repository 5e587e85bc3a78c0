"""The order state machine: the one place where an order's status changes.

`TRANSITIONS` is read only here. `order_transition` locks the order row,
validates the move, records an OrderEvent (who/what/when) and writes the
matching `order.<status>` outbox event, all in one transaction: the status,
its timeline entry and its published event exist together or not at all.
Side effects (stock, payment) belong to the services that call it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from notifications.services import event_record

from ..exceptions import InvalidTransition
from ..models import Order, OrderEvent
from ..tracking import event_time
from .documents import DOCUMENT_STATUSES, order_documents_enqueue

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.PROCESSING, S.ON_HOLD, S.CANCELLED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.PROCESSING, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

Actor = AbstractBaseUser | AnonymousUser | str | None


def actor_describe(actor: Actor) -> tuple[Any, str]:
    """Return (user or None, label) for an actor: a user, a label or None."""
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    if not getattr(actor, "is_authenticated", False):
        return None, "customer"
    kind = "staff" if getattr(actor, "is_staff", False) else "customer"
    return actor, f"{kind}:{actor.get_username()}"


def transition_allowed(*, from_status: str, to: str) -> bool:
    return to in TRANSITIONS.get(from_status, frozenset())


def order_transition(
    *, order: Order, to: str, actor: Actor = None, reason: str = ""
) -> Order:
    """Move `order` to status `to`, or raise InvalidTransition.

    Re-reads the order under a row lock, so two workers racing on one order
    cannot both apply a transition from the same state. Returns the updated
    order (the passed instance is refreshed too).
    """
    if to not in S.values:
        raise InvalidTransition(f"Unknown order status {to!r}.")
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        from_status = locked.status
        if not transition_allowed(from_status=from_status, to=to):
            raise InvalidTransition(
                f"Order {locked.number} cannot go from "
                f"{S(from_status).label.lower()} to {S(to).label.lower()}.",
                from_status=from_status,
                to=to,
            )
        user, label = actor_describe(actor)
        status_event = OrderEvent.objects.create(
            order=locked,
            kind=OrderEvent.Kind.STATUS,
            from_status=from_status,
            to_status=to,
            message=reason,
            actor=user,
            actor_label=label,
        )
        # One moment for the timeline entry, the status columns and the event.
        now = status_event.created_at
        locked.status = to
        locked.status_changed_at = now
        locked.event_sequence += 1
        fields = ["status", "status_changed_at", "event_sequence"]
        if to == S.SHIPPED and locked.shipped_at is None:
            locked.shipped_at = now
            fields.append("shipped_at")
        if to == S.DELIVERED and locked.delivered_at is None:
            locked.delivered_at = now
            fields.append("delivered_at")
        locked.save(update_fields=fields)
        data: dict[str, Any] = {
            "from_status": from_status,
            "status": to,
            "reason": reason,
            "actor": label,
            "total": str(locked.total),
            "currency": locked.currency,
            # The order's event sequence and the timeline entry's time: what a
            # projection needs to apply events in order (orders.tracking).
            "sequence": locked.event_sequence,
            "at": event_time(status_event.created_at),
        }
        if to == S.SHIPPED:
            data.update(tracking_number=locked.tracking_number, carrier=locked.carrier)
        event_record(type=f"order.{to}", order_number=locked.number, data=data)
        if to in DOCUMENT_STATUSES:
            order_documents_enqueue(order_id=locked.pk)
    # Keep the caller's instance in step with the database.
    for field in fields:
        setattr(order, field, getattr(locked, field))
    return locked
