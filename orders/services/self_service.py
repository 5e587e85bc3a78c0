"""What a customer does with their own order: cancel it before it ships, put its
items back in the cart, find it again by email, and get their guest orders in
their account once they have verified its email address.

Cancelling reuses `order_cancel` (state machine, stock release, void or refund, the
`order.cancelled` event whose email the notification pipeline sends).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from securecart.http import site_origin
from shop.exceptions import InsufficientStock, ProductUnavailable, UnknownSku
from shop.models import Cart
from shop.services import cart_line_add

from ..exceptions import InvalidTransition
from ..lookup import lookup_token_make
from ..milestones import customer_can_cancel
from ..models import Order
from ..selectors import order_get_for_lookup
from .orders import order_cancel, payment_settle_after_cancel
from .transitions import Actor, actor_describe

logger = logging.getLogger(__name__)
S = Order.Status

CUSTOMER_CANCEL_REASON = "Cancelled by the customer."
LOOKUP_TEMPLATES = (
    "orders/email/order_lookup_subject.txt",
    "orders/email/order_lookup_body.txt",
)


def order_cancel_by_customer(*, order: Order, actor: Actor) -> bool:
    """Cancel the customer's order if it has not shipped; True if this call did.

    A second request for an order that is already cancelled changes nothing and
    returns False (a double click, a resubmitted form); reconcile_orders also
    releases a payment left held. An order that has shipped
    (or was refunded) raises InvalidTransition, as does one that ships while this
    runs (the state machine's row lock decides). Payment errors after the cancel
    propagate from `order_cancel`: the order stays cancelled.
    """
    order.refresh_from_db(fields=["status"])
    if order.status == S.CANCELLED:
        # Nothing to cancel; a payment an earlier attempt could not release is
        # tried again (a no-op once voided or refunded).
        payment_settle_after_cancel(order=order, actor_label=actor_describe(actor)[1])
        return False
    if not customer_can_cancel(order.status):
        raise InvalidTransition(
            f"Order {order.number} has shipped and can no longer be cancelled."
        )
    order_cancel(order=order, actor=actor, reason=CUSTOMER_CANCEL_REASON)
    return True


@dataclass
class ReorderOutcome:
    """What `order_reorder` put in the cart, by line name ("Product (Variant)")."""

    added: list[str] = field(default_factory=list)
    # added, but fewer than ordered: (name, how many)
    partly: list[tuple[str, int]] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def _line_name(line) -> str:
    if line.variant_name:
        return f"{line.product_name} ({line.variant_name})"
    return line.product_name


def order_reorder(*, order: Order, cart: Cart) -> ReorderOutcome:
    """Add the order's items to `cart` at today's prices: each line as ordered,
    or as many as are left, or not at all when the variant is no longer sold."""
    outcome = ReorderOutcome()
    for line in order.lines.all():
        name = _line_name(line)
        try:
            cart_line_add(cart=cart, sku=line.sku, quantity=line.quantity)
        except InsufficientStock as exc:
            in_cart = exc.requested - line.quantity
            room = exc.available - in_cart
            if room <= 0:
                outcome.unavailable.append(name)
                continue
            cart_line_add(cart=cart, sku=line.sku, quantity=room)
            outcome.partly.append((name, room))
        except (ProductUnavailable, UnknownSku):
            outcome.unavailable.append(name)
        else:
            outcome.added.append(name)
    return outcome


def order_lookup_email_send(*, number: str, email: str) -> bool:
    """Email a signed link to the order `number` if it was placed with `email`.

    Runs in a worker (orders.tasks): the "find my order" page answers the same
    whether or not anything matched. Returns whether a message was sent.
    """
    order = order_get_for_lookup(number=number, email=email)
    if order is None:
        logger.info("order lookup matched nothing")
        return False
    token = lookup_token_make(number=order.number, email=order.email)
    path = reverse("orders:order_lookup_open")
    context = {
        "number": order.number,
        "link": f"{site_origin()}{path}?{urlencode({'t': token})}",
        "hours": max(1, settings.ORDER_LOOKUP_LINK_SECONDS // 3600),
        "site_name": settings.SITE_NAME,
    }
    subject_template, body_template = LOOKUP_TEMPLATES
    send_mail(
        " ".join(render_to_string(subject_template, context).split()),
        render_to_string(body_template, context),
        None,
        [order.email],
    )
    return True


def orders_attach_guest(*, user) -> int:
    """Attach the guest orders placed with `user`'s email address (any case) to the
    account. Called once the address is verified; returns how many."""
    email = (getattr(user, "email", "") or "").strip()
    if not email:
        return 0
    attached = Order.objects.filter(user__isnull=True, email__iexact=email).update(
        user=user
    )
    if attached:
        logger.info("guest orders attached to a verified account: %d", attached)
    return attached
