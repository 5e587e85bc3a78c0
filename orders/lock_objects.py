"""Row locks of the orders domain, always taken in one global order:
cart → order → payment → stock rows by variant pk (shop.lock_objects)."""

from __future__ import annotations

from .models import Order, Payment


def order_lock(*, order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def payment_lock(*, payment_id: int) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)
