from __future__ import annotations

import pytest

from tests.factories.orders import (
    ShippingMethodFactory,
    order_shipped_captured,
    user_create,
)


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


@pytest.fixture
def manager(client):
    """A staff user of the "Order managers" group, signed in on `client`."""
    from django.contrib.auth.models import Group

    from orders.groups import ORDER_MANAGERS

    user = user_create(is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_MANAGERS))
    client.force_login(user)
    return user


@pytest.fixture
def shipped(db):
    """A shipped order of 25.00, captured, stock committed."""
    return order_shipped_captured()


@pytest.fixture
def gateway_failures():
    """simulate_failures() for this test only: none left over afterwards."""
    from orders.integrations.payments.test_gateway import simulate_failures

    simulate_failures()
    yield simulate_failures
    simulate_failures()
