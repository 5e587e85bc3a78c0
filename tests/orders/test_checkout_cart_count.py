"""Placing an order empties the cart, and the header's cached item count with it."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal

import pytest

from tests.factories.orders import (
    CatalogVariantFactory,
    cart_with,
    checkout_payload,
    user_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fulfilment")]


def _cart_count(client) -> str | None:
    body = client.get("/cart/").content.decode()
    match = re.search(r'<span class="cart-count"[^>]*>(\d+)</span>', body)
    return match.group(1) if match else None


def test_checkout_drops_the_header_count(
    client, standard_shipping, django_capture_on_commit_callbacks
):
    user = user_create()
    client.force_login(user)
    variant = CatalogVariantFactory(price=Decimal("12.50"), stock_on_hand=5)
    cart = cart_with([(variant, 2)], user=user)
    assert _cart_count(client) == "2"  # now cached for this customer

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/checkout/",
            data=json.dumps(checkout_payload(cart, email=user.email)),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
    assert response.status_code == 201, response.content
    assert _cart_count(client) is None
