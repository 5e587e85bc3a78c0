"""Placing an order: the one short transaction of checkout.

It locks cart → payment → stock rows (by variant pk), reserves stock through
the shop, creates the order, its lines, its first timeline entry and the
`order.placed` outbox row, empties the cart and closes the idempotency claim,
all or nothing. No network call happens inside it; fulfilment starts after
commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.services import event_record
from promotions.services import cart_voucher_clear, voucher_redeem
from securecart.addresses import Address
from securecart.query_plans import QueryPlan
from securecart.write_plans import InsertPlan, UpdatePlan
from shop.models import Cart, CartLine
from shop.selectors import cart_issues
from shop.services import cart_count_forget
from shop.stock import stock_reserve

from ..exceptions import StaleCart
from ..models import (
    CheckoutIdempotencyKey,
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    Payment,
    ShippingMethod,
    order_number_generate,
)
from ..pricing import Totals, money
from ..tracking import event_time
from .fulfilment import fulfilment_start
from .idempotency import CheckoutOutcome, Respond, idempotency_complete
from .transitions import actor_describe

logger = logging.getLogger(__name__)

# 30^8 numbers: a collision is rare, several in a row mean something else is wrong.
ORDER_NUMBER_ATTEMPTS = 5


class PaymentTaken(Exception):
    """The authorisation was used or voided by another process meanwhile."""


@dataclass
class CheckoutPlan:
    """What checkout validated without locks, to be confirmed under them."""

    cart: Cart
    method: ShippingMethod
    lines: list[CartLine]
    totals: Totals
    snapshot: list[tuple[int, int, str]] = field(default_factory=list)
    voucher_id: int | None = None


def cart_snapshot(lines: list[CartLine]) -> list[tuple[int, int, str]]:
    return sorted((ln.variant_id, ln.quantity, str(ln.unit_price)) for ln in lines)


def _customer(user: Any) -> Any:
    return user if user is not None and user.is_authenticated else None


# The reads every checkout makes under its locks, compiled once per process
# (securecart.query_plans).
_CART_LOCK = QueryPlan(
    Cart,
    lambda pk: Cart.objects.select_for_update(of=("self",)).filter(pk=pk).only("pk"),
    pk=int,
)
_PAYMENT_LOCK = QueryPlan(
    Payment,
    lambda pk: (
        Payment.objects.select_for_update(of=("self",))
        .filter(pk=pk, order__isnull=True, status=Payment.Status.AUTHORISED)
        .only("pk")
    ),
    pk=int,
)
_LINES = QueryPlan(
    CartLine,
    lambda cart_id: CartLine.objects.filter(cart_id=cart_id).select_related(
        "variant__product"
    ),
    cart_id=int,
)
# ... and the writes (InsertPlan, UpdatePlan).
_ORDER_INSERT = InsertPlan(Order, ignore_conflicts=True)
_LINES_INSERT = InsertPlan(OrderLine)
_DISCOUNTS_INSERT = InsertPlan(OrderDiscount)
_EVENT_INSERT = InsertPlan(OrderEvent)
_PAYMENT_USED = UpdatePlan(Payment, "order", "updated_at")


def order_place(
    *,
    plan: CheckoutPlan,
    payment: Payment,
    user,
    email: str,
    phone: str,
    sms_opt_in: bool,
    address: Address,
    client_ip: str | None,
    record: CheckoutIdempotencyKey | None = None,
    respond: Respond | None = None,
) -> Order:
    """Reserve stock and create the order for an authorised payment, in one
    transaction (raises StaleCart / InsufficientStock / PaymentTaken, and
    nothing is kept)."""
    with transaction.atomic():
        # Lock order: cart → payment → stock rows by variant pk.
        _CART_LOCK.all(pk=plan.cart.pk)
        # A slow twin (taken-over claim) or the orphan sweep may have used or
        # voided this authorisation meanwhile: it pays for one order at most.
        if not _PAYMENT_LOCK.all(pk=payment.pk):
            raise PaymentTaken
        lines = _LINES.all(cart_id=plan.cart.pk)
        if cart_snapshot(lines) != plan.snapshot:
            raise StaleCart("Your cart changed during checkout.", lines=[])
        quantities = {line.variant_id: line.quantity for line in lines}
        variants = {v.pk: v for v in stock_reserve(quantities=quantities)}
        for line in lines:
            line.variant = variants[line.variant_id]  # the locked, current row
        changed = [
            issue.as_line()
            for issue in cart_issues(lines=lines)
            if issue.kind == "price_changed"
        ]
        if changed:
            raise StaleCart("Prices changed during checkout.", lines=changed)
        now = timezone.now()
        totals = plan.totals
        order = Order(
            number="",  # drawn by _order_insert (not twice: no default drawn here)
            user=_customer(user),
            email=email,
            phone=phone,
            sms_opt_in=sms_opt_in,
            **address.as_columns(prefix="shipping_"),
            shipping_method=plan.method,
            currency=plan.cart.currency,
            subtotal=totals.subtotal,
            shipping_total=totals.shipping_total,
            tax_total=totals.tax_total,
            total=totals.total,
            discount_total=totals.discount_total,
            voucher_code=_voucher_code(totals),
            tax_rate=totals.tax_rate,
            prices_include_tax=totals.prices_include_tax,
            status=Order.Status.PLACED,
            event_sequence=1,
            status_changed_at=now,
            placed_at=now,
            client_ip=client_ip or None,
        )
        _order_insert(order)
        order_lines = _LINES_INSERT.bulk_create(
            [
                OrderLine(
                    order=order,
                    variant_id=line.variant_id,
                    sku=line.variant.sku,
                    product_name=line.variant.product.name,
                    variant_name=line.variant.name,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    line_total=money(line.unit_price * line.quantity),
                    discount_total=_line_discount(totals, line.variant_id),
                    **_line_sale(totals, line.variant_id),
                )
                for line in lines
            ]
        )
        _discounts_record(order=order, totals=totals, user=user)
        payment.order = order
        _PAYMENT_USED.save(payment)
        actor, label = actor_describe(_customer(user) or "customer")
        placed_event = OrderEvent(
            order=order,
            kind=OrderEvent.Kind.PLACED,
            to_status=Order.Status.PLACED,
            message=f"Order placed; payment of {order.total} {order.currency} authorised.",
            actor=actor,
            actor_label=label,
        )
        _EVENT_INSERT.save(placed_event)
        event_record(
            type="order.placed",
            order_number=order.number,
            data={
                "status": order.status,
                "total": str(order.total),
                "currency": order.currency,
                "line_count": len(order_lines),
                "item_count": sum(line.quantity for line in order_lines),
                "guest": order.user_id is None,
                "risk_level": payment.risk_level,
                "sequence": order.event_sequence,
                "at": event_time(placed_event.created_at),
            },
        )
        _LINES.delete(cart_id=plan.cart.pk)  # the cart's lines, emptied
        cart_count_forget(cart=plan.cart)
        if plan.voucher_id is not None:
            # The voucher the shopper reviewed is the one used (and counted).
            cart_voucher_clear(cart_id=plan.cart.pk)
        order._checkout_lines = order_lines  # type: ignore[attr-defined]
        if record is not None:
            idempotency_complete(
                record=record,
                outcome=CheckoutOutcome(record_id=record.pk, order=order),
                respond=respond,
            )
        order_id = order.pk
        transaction.on_commit(lambda: fulfilment_start(order_id=order_id))
    order._checkout_lines = order_lines  # type: ignore[attr-defined]
    return order


def _voucher_code(totals: Totals) -> str:
    pricing = totals.pricing
    return pricing.voucher.code if pricing and pricing.voucher else ""


def _line_discount(totals: Totals, variant_id: int) -> Decimal:
    line = totals.pricing.line(variant_id) if totals.pricing else None
    return line.discount_total if line is not None else Decimal("0.00")


def _line_sale(totals: Totals, variant_id: int) -> dict[str, Any]:
    """The sale that priced the line, as the cart's pricing found it."""
    line = totals.pricing.line(variant_id) if totals.pricing else None
    if line is None or line.sale_id is None:
        return {}
    return {"sale_id": line.sale_id, "sale_name": line.sale_name[:120]}


def _discounts_record(*, order: Order, totals: Totals, user: Any) -> None:
    """The order's discount lines, and the voucher's use counted (conditional
    UPDATE under the voucher's row lock: raises VoucherExhausted & co, which
    roll the whole order back)."""
    pricing = totals.pricing
    if pricing is None:
        return
    rows = []
    if pricing.sale_discount > 0:
        rows.append(
            OrderDiscount(
                order=order,
                kind=OrderDiscount.Kind.SALE,
                label=", ".join(pricing.sale_names) or "Sale",
                amount=pricing.sale_discount,
            )
        )
    voucher = pricing.voucher
    if voucher is not None:
        rows.append(
            OrderDiscount(
                order=order,
                kind=OrderDiscount.Kind.VOUCHER,
                code=voucher.code,
                label=f"Voucher {voucher.code}",
                amount=pricing.voucher_discount,
                free_shipping=pricing.free_shipping,
            )
        )
        voucher_redeem(
            voucher_id=voucher.voucher_id,
            order_number=order.number,
            email=order.email,
            user=_customer(user),
            discount=pricing.voucher_discount,
            order_total=order.total,
            currency=order.currency,
        )
    _DISCOUNTS_INSERT.bulk_create(rows)
    order._checkout_discounts = rows  # type: ignore[attr-defined]


def _order_insert(order: Order) -> None:
    """Insert the order under a fresh random number, drawing another one when
    the number is taken (INSERT ... ON CONFLICT DO NOTHING: the transaction goes
    on, no savepoint needed). A conflict on another unique value, a CHECK or any
    other error still fails the checkout."""
    for attempt in range(1, ORDER_NUMBER_ATTEMPTS + 1):
        order.number = order_number_generate()
        if _ORDER_INSERT.save(order):
            return
        if not Order.objects.filter(number=order.number).exists():
            raise IntegrityError(
                "the order conflicts with an existing one on a unique value "
                "other than its number"
            )
        if attempt == ORDER_NUMBER_ATTEMPTS:
            raise IntegrityError(
                f"order numbers taken {ORDER_NUMBER_ATTEMPTS} times in a row"
            )
        logger.warning("order number %s already taken; drawing another", order.number)
