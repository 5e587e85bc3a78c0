"""What a customer may see of an order: milestones in plain words.

The order's own timeline (`OrderEvent`) records everything the shop does — fraud
scores, stock moves, staff notes. Customers see only the milestones below, keyed by
the order status an event moved the order into. One mapping, used by the order page
read from the database and by any projection of it, so both say the same words.
Pure Python: no Django import.
"""

from __future__ import annotations

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
