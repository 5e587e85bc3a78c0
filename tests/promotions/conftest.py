from __future__ import annotations

import json
import uuid

import pytest

from tests.factories.orders import ShippingMethodFactory


@pytest.fixture
def standard_shipping(db):
    return ShippingMethodFactory()


@pytest.fixture
def no_fulfilment(monkeypatch):
    started: list[int] = []
    monkeypatch.setattr(
        "orders.services.placement.fulfilment_start",
        lambda *, order_id: started.append(order_id),
    )
    return started


def checkout(client, payload, key=None):
    return client.post(
        "/api/v1/checkout/",
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def apply_code(client, cart, code):
    return client.post(
        f"/api/v1/carts/{cart.token}/voucher/",
        data=json.dumps({"code": code}),
        content_type="application/json",
    )
