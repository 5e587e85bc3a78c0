from __future__ import annotations

import pytest

from tests.factories.orders import ShippingMethodFactory


@pytest.fixture
def standard_shipping(db):
    return ShippingMethodFactory()


@pytest.fixture
def no_fulfilment(monkeypatch):
    """Record hand-offs to fulfilment instead of running the workflow, so
    checkout tests see checkout's effects only. Returns the order ids."""
    started: list[int] = []
    monkeypatch.setattr(
        "orders.services.placement.fulfilment_start",
        lambda *, order_id: started.append(order_id),
    )
    return started
