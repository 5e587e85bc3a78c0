"""What a customer may see of an order: milestones in plain words.

The order's own timeline (`OrderEvent`) records everything the shop does — fraud
scores, stock moves, staff notes. Customers see only the milestones below, keyed by
the order status an event moved the order into. One mapping, used by the order page
read from the database and by any projection of it, so both say the same words.
Pure Python: no Django import.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

# status an order moved into -> what the customer reads on their timeline
MILESTONES: dict[str, str] = {
    "placed": "Order placed",
    "processing": "Payment confirmed",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
}

# status -> the status label a customer sees (a held order is still "being processed":
# why it is held is for staff only)
CUSTOMER_STATUS: dict[str, str] = {
    "placed": "Placed",
    "processing": "Processing",
    "on_hold": "Processing",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
}


def milestone_for(status: str) -> str | None:
    """The customer-facing words for an order moving into `status`, or None (hidden)."""
    return MILESTONES.get(status)


def customer_status(status: str) -> str:
    """The status label shown to the customer for an order in `status`."""
    return CUSTOMER_STATUS.get(status, "Processing")


# statuses an order can still be cancelled from by its customer (not yet shipped)
CANCELLABLE: frozenset[str] = frozenset({"placed", "processing", "on_hold"})


def customer_can_cancel(status: str) -> bool:
    """Whether the customer may still cancel an order in `status` (before it ships)."""
    return status in CANCELLABLE


def customer_timeline(
    moves: Iterable[tuple[str, T]],
) -> list[tuple[str, T]]:
    """The customer's timeline from (status moved into, when) pairs, oldest first.

    Hidden moves (a hold, anything internal) are left out, and each milestone
    appears once, at its first occurrence (a hold released back into processing
    does not confirm the payment twice).
    """
    seen: set[str] = set()
    timeline: list[tuple[str, T]] = []
    for status, at in moves:
        words = milestone_for(status)
        if words is None or words in seen:
            continue
        seen.add(words)
        timeline.append((words, at))
    return timeline
