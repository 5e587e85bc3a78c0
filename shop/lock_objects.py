"""Row locks of the catalog. Stock rows are always locked in variant-pk order,
after any cart or order row the caller holds (cart → order → payment → stock)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Variant


def variants_lock(*, variant_ids: Iterable[int]) -> QuerySet[Variant]:
    """Lock variants in pk order (PostgreSQL locks rows in the sorted output order),
    so two checkouts sharing variants can never deadlock."""
    return (
        Variant.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(set(variant_ids)))
        .select_related("product")
        .order_by("pk")
    )
