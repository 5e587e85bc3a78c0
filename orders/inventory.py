"""Stock reservation, release and commit.

Every write is one statement over all lines (CASE per variant), so a checkout
costs the same number of queries for 1 line as for 10, and rows are locked in
variant-pk order first (orders.lock_objects.variants_lock). The database CHECK
`stock_reserved <= stock_on_hand` is the backstop: even a bug here cannot
oversell, it can only fail the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from shop.models import Variant

from .exceptions import InsufficientStock
from .lock_objects import order_lock, variants_lock
from .models import Order, OrderEvent

logger = logging.getLogger(__name__)


def _by_variant(quantities: Mapping[int, int]) -> Case:
    return Case(
        *[When(pk=pk, then=Value(qty)) for pk, qty in quantities.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def _invalidate_catalog(product_ids: Iterable[int]) -> None:
    """Tell the shop's cache that stock changed (after commit)."""
    try:
        from shop.services import catalog_cache_invalidate
    except ImportError:  # the shop app may not provide it
        return
    ids = sorted(set(product_ids))
    transaction.on_commit(lambda: catalog_cache_invalidate(product_ids=ids))


def stock_reserve(*, quantities: Mapping[int, int]) -> list[Variant]:
    """Reserve `quantities` ({variant_id: qty}) or raise InsufficientStock.

    Must run inside the caller's transaction (the order is created in it).
    Returns the locked variants (with their product) in pk order.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock_reserve() must run inside a transaction")
    variants = list(variants_lock(variant_ids=quantities))
    found = {variant.pk: variant for variant in variants}
    short: list[dict[str, Any]] = []
    for pk, qty in quantities.items():
        variant = found.get(pk)
        if variant is None or not (variant.is_active and variant.product.is_active):
            short.append(
                {"variant_id": pk, "sku": getattr(variant, "sku", ""),
                 "requested": qty, "available": 0}
            )
        elif variant.available < qty:
            short.append(
                {"variant_id": pk, "sku": variant.sku, "requested": qty,
                 "available": max(variant.available, 0)}
            )
    if short:
        raise InsufficientStock("Not enough stock.", lines=short)
    try:
        with transaction.atomic():
            Variant.objects.filter(pk__in=list(quantities)).update(
                stock_reserved=F("stock_reserved") + _by_variant(quantities)
            )
    except IntegrityError as exc:  # the CHECK constraint caught what we missed
        logger.error("stock CHECK constraint rejected a reservation: %s", exc)
        raise InsufficientStock("Not enough stock.", lines=[]) from exc
    for variant in variants:
        variant.stock_reserved += quantities[variant.pk]
    _invalidate_catalog(v.product_id for v in variants)
    return variants


def _order_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for variant_id, qty in order.lines.values_list("variant_id", "quantity"):
        quantities[variant_id] = quantities.get(variant_id, 0) + qty
    return quantities


def stock_release(*, order: Order, actor_label: str = "system") -> bool:
    """Give an order's reserved stock back (cancel). Idempotent.

    Returns True if this call released it, False if it was already released or
    committed (shipped stock is not released).
    """
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if locked.stock_released_at or locked.stock_committed_at:
            return False
        quantities = _order_quantities(locked)
        variants = list(variants_lock(variant_ids=quantities))
        Variant.objects.filter(pk__in=list(quantities)).update(
            stock_reserved=F("stock_reserved") - _by_variant(quantities)
        )
        locked.stock_released_at = timezone.now()
        locked.save(update_fields=["stock_released_at"])
        OrderEvent.objects.create(
            order=locked, kind=OrderEvent.Kind.STOCK,
            message="Reserved stock released.", actor_label=actor_label,
        )
        _invalidate_catalog(v.product_id for v in variants)
    order.stock_released_at = locked.stock_released_at
    return True


def stock_commit(*, order: Order, actor_label: str = "system") -> bool:
    """Take shipped stock off the shelf: on_hand -= qty, reserved -= qty. Idempotent.

    Returns True if this call committed it, False if already done (or released).
    """
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if locked.stock_committed_at or locked.stock_released_at:
            return False
        quantities = _order_quantities(locked)
        variants = list(variants_lock(variant_ids=quantities))
        by_variant = _by_variant(quantities)
        Variant.objects.filter(pk__in=list(quantities)).update(
            stock_on_hand=F("stock_on_hand") - by_variant,
            stock_reserved=F("stock_reserved") - by_variant,
        )
        locked.stock_committed_at = timezone.now()
        locked.save(update_fields=["stock_committed_at"])
        OrderEvent.objects.create(
            order=locked, kind=OrderEvent.Kind.STOCK,
            message="Stock committed (shipped).", actor_label=actor_label,
        )
        _invalidate_catalog(v.product_id for v in variants)
    order.stock_committed_at = locked.stock_committed_at
    return True
