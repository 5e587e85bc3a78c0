"""Row locks of the orders domain, always taken in one global order:
cart → order → payment → stock rows by variant pk (see STYLE.md)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from shop.models import Variant

from .models import Order, Payment


def order_lock(*, order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def payment_lock(*, payment_id: int) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)


def variants_lock(*, variant_ids: Iterable[int]) -> QuerySet[Variant]:
    """Lock variants in pk order (PostgreSQL locks rows in the sorted output order),
    so two checkouts sharing variants can never deadlock."""
    return (
        Variant.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(set(variant_ids)))
        .select_related("product")
        .order_by("pk")
    )
