"""Row locks of the catalog. Stock rows are always locked in variant-pk order,
after any cart or order row the caller holds (cart → order → payment → stock)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from securecart.query_plans import QueryPlan

from .models import Variant


def _variants_lock_query(ids: list[int]) -> QuerySet[Variant]:
    return (
        Variant.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("product")
        .order_by("pk")
    )


# Taken by every checkout: compiled once per process and cart size.
_VARIANTS_LOCK = QueryPlan(Variant, _variants_lock_query, ids=list)


def variants_lock(*, variant_ids: Iterable[int]) -> list[Variant]:
    """Lock variants in pk order (PostgreSQL locks rows in the sorted output order),
    so two checkouts sharing variants can never deadlock."""
    return _VARIANTS_LOCK.all(ids=sorted(set(variant_ids)))
