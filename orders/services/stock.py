"""An order's stock: released once when it is cancelled, committed once when it
ships. The shop moves the quantities (shop.stock); this module keeps the order's
side: the marker that makes each move happen at most once, and its timeline entry.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shop import stock as shop_stock

from ..lock_objects import order_lock
from ..models import Order, OrderEvent


def _order_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for variant_id, qty in order.lines.values_list("variant_id", "quantity"):
        quantities[variant_id] = quantities.get(variant_id, 0) + qty
    return quantities


def _order_stock_move(*, order: Order, marker: str, actor_label: str) -> bool:
    """Release or commit the order's reserved stock, once; True if this call did."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if locked.stock_released_at or locked.stock_committed_at:
            return False
        quantities = _order_quantities(locked)
        if marker == "stock_committed_at":
            shop_stock.stock_commit(quantities=quantities)
            message = "Stock committed (shipped)."
        else:
            shop_stock.stock_release(quantities=quantities)
            message = "Reserved stock released."
        setattr(locked, marker, timezone.now())
        locked.save(update_fields=[marker])
        OrderEvent.objects.create(
            order=locked,
            kind=OrderEvent.Kind.STOCK,
            message=message,
            actor_label=actor_label,
        )
    setattr(order, marker, getattr(locked, marker))
    return True


def stock_release(*, order: Order, actor_label: str = "system") -> bool:
    """Give a cancelled order's reserved stock back. Idempotent: False if it was
    already released or committed (shipped stock is not released)."""
    return _order_stock_move(
        order=order, marker="stock_released_at", actor_label=actor_label
    )


def stock_commit(*, order: Order, actor_label: str = "system") -> bool:
    """Take a shipped order's stock off the shelf. Idempotent: False if already
    done (or released)."""
    return _order_stock_move(
        order=order, marker="stock_committed_at", actor_label=actor_label
    )
