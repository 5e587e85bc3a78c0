"""Staff-only writes on an order that are not status changes: resending a
notification, each one written into the timeline with who and why."""

from __future__ import annotations

from django.db import transaction

from notifications.selectors import notification_log_for_order
from notifications.services import notification_resend

from ..exceptions import OrdersError
from ..models import Order, OrderEvent
from .transitions import Actor, actor_describe


def order_notification_resend(
    *, order: Order, log_id: int, actor: Actor = None, reason: str = ""
) -> str:
    """Send one of the order's notifications again; return its new status."""
    log = (
        notification_log_for_order(order_number=order.number).filter(pk=log_id).first()
    )
    if log is None:
        raise OrdersError(f"That notification was not sent for order {order.number}.")
    log = notification_resend(log=log)
    user, label = actor_describe(actor)
    with transaction.atomic():
        OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.NOTE,
            message=(
                f"Resent {log.event_type} ({log.get_channel_display()}) to "
                f"{log.recipient}: {log.get_status_display().lower()}. "
                f"Reason: {reason}"
            ),
            actor=user,
            actor_label=label,
        )
    return str(log.status)
