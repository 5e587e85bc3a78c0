"""Stock writes: reserve, release and commit quantities of variants.

The shop owns `Variant` and its stock columns, so it owns every write to them;
orders calls these with {variant_id: quantity} and keeps its own bookkeeping
(which order released or shipped what). Each write is one statement over all
lines (CASE per variant), so 1 line costs the same queries as 10, after the rows
are locked in variant-pk order. The database CHECK `stock_reserved <=
stock_on_hand` is the backstop: a bug here can fail a transaction, never oversell.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import Case, F, IntegerField, Value, When

from . import cart_statements
from .exceptions import InsufficientStock
from .lock_objects import variants_lock
from .models import Variant
from .services import catalog_cache_invalidate

logger = logging.getLogger(__name__)


def _by_variant(quantities: Mapping[int, int]) -> Case:
    return Case(
        *[When(pk=pk, then=Value(qty)) for pk, qty in quantities.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name}() must run inside the caller's transaction")


def _invalidate_after_commit(variants: list[Variant]) -> None:
    ids = sorted({variant.product_id for variant in variants})
    transaction.on_commit(lambda: catalog_cache_invalidate(product_ids=ids))


def _shortages(
    quantities: Mapping[int, int], found: Mapping[int, Variant]
) -> list[dict[str, Any]]:
    short: list[dict[str, Any]] = []
    for pk, qty in quantities.items():
        variant = found.get(pk)
        if variant is None or not (variant.is_active and variant.product.is_active):
            available = 0
        elif variant.available < qty:
            available = max(variant.available, 0)
        else:
            continue
        short.append(
            {
                "variant_id": pk,
                "sku": getattr(variant, "sku", ""),
                "requested": qty,
                "available": available,
            }
        )
    return short


def _reserved_add(quantities: Mapping[int, int]) -> None:
    """Add the quantities to the variants' reserved stock: one prepared statement
    on PostgreSQL (the ORM would build its CASE per call), the ORM elsewhere."""
    ids = list(quantities)
    changed = cart_statements.run(
        cart_statements.RESERVE,
        {"ids": ids, "quantities": [quantities[pk] for pk in ids]},
        using=router.db_for_write(Variant),
    )
    if changed is None:
        Variant.objects.filter(pk__in=ids).update(
            stock_reserved=F("stock_reserved") + _by_variant(quantities)
        )
    elif changed[0] != len(ids):  # the rows were locked: they are all there
        raise RuntimeError(f"reserved {changed[0]} of {len(ids)} variants")


def stock_reserve(*, quantities: Mapping[int, int]) -> list[Variant]:
    """Reserve `quantities` ({variant_id: qty}) or raise InsufficientStock.

    Runs inside the caller's transaction (the order is created in it). Returns
    the locked variants (with their product) in pk order.
    """
    _require_transaction("stock_reserve")
    variants = list(variants_lock(variant_ids=quantities))
    short = _shortages(quantities, {variant.pk: variant for variant in variants})
    if short:
        raise InsufficientStock(lines=short)
    try:
        # No savepoint (two round trips): on a CHECK violation the caller's
        # transaction is rolled back as a whole anyway, by InsufficientStock.
        with transaction.atomic(savepoint=False):
            _reserved_add(quantities)
    except IntegrityError as exc:  # the CHECK constraint caught what we missed
        logger.error("stock CHECK constraint rejected a reservation: %s", exc)
        raise InsufficientStock(lines=[]) from exc
    for variant in variants:
        variant.stock_reserved += quantities[variant.pk]
    _invalidate_after_commit(variants)
    return variants


def _stock_take_back(*, quantities: Mapping[int, int], shipped: bool) -> None:
    variants = list(variants_lock(variant_ids=quantities))
    by_variant = _by_variant(quantities)
    changes: dict[str, Any] = {"stock_reserved": F("stock_reserved") - by_variant}
    if shipped:
        changes["stock_on_hand"] = F("stock_on_hand") - by_variant
    Variant.objects.filter(pk__in=list(quantities)).update(**changes)
    _invalidate_after_commit(variants)


def stock_release(*, quantities: Mapping[int, int]) -> None:
    """Give reserved quantities back to the shelf (an order was cancelled)."""
    _require_transaction("stock_release")
    _stock_take_back(quantities=quantities, shipped=False)


def stock_commit(*, quantities: Mapping[int, int]) -> None:
    """Take reserved quantities off the shelf: on hand and reserved both drop."""
    _require_transaction("stock_commit")
    _stock_take_back(quantities=quantities, shipped=True)


def stock_restock(*, quantities: Mapping[int, int]) -> None:
    """Put returned units back on the shelf (a refunded line came back)."""
    _require_transaction("stock_restock")
    variants = list(variants_lock(variant_ids=quantities))
    Variant.objects.filter(pk__in=list(quantities)).update(
        stock_on_hand=F("stock_on_hand") + _by_variant(quantities)
    )
    _invalidate_after_commit(variants)
