"""Seam between checkout and the fulfilment workflow.

Checkout calls `fulfilment_start` after its transaction commits. The Celery
workflow (fraud check → capture → shipment → shipped) plugs in here.
"""

from __future__ import annotations


def fulfilment_start(*, order_id: int) -> None:
    """Hand a newly placed order to fulfilment (after commit)."""
    # The workflow tasks are enqueued here once orders/tasks.py exists.
    return None
