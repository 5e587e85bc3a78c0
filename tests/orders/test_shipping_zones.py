"""Shipping methods ship to their countries only: listed, offered and charged so."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.exceptions import ValidationError

from orders.models import Order, Payment, ShippingMethod
from tests.factories.orders import (
    ADDRESS,
    CatalogVariantFactory,
    ShippingMethodFactory,
    cart_with,
    checkout_payload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fulfilment")]


@pytest.fixture
def zoned():
    ShippingMethodFactory(code="standard", name="Standard", countries=[])
    ShippingMethodFactory(code="domestic", name="Domestic", countries=["US"])
    ShippingMethodFactory(code="europe", name="Europe", countries=["GB", "FR"])


def test_the_api_lists_the_methods_that_ship_to_a_country(client, zoned):
    def codes(query: str) -> set[str]:
        return {
            m["code"] for m in client.get(f"/api/v1/shipping-methods/{query}").json()
        }

    assert codes("?country=gb") == {"standard", "europe"}
    assert codes("?country=US") == {"standard", "domestic"}
    assert codes("") == {"standard", "domestic", "europe"}


def test_checkout_refuses_a_method_that_does_not_ship_there_and_charges_nothing(
    client, zoned
):
    assert ADDRESS["country"] == "GB"
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=3), 1)])
    response = client.post(
        "/api/v1/checkout/",
        data=json.dumps(checkout_payload(cart, shipping_method="domestic")),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "shipping_not_available"
    assert "does not ship to GB" in body["shipping_method"][0]
    assert not Order.objects.exists() and not Payment.objects.exists()


def test_the_shipping_step_offers_only_methods_for_the_address(client, zoned):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=3), 1)])
    session = client.session
    session["cart_token"] = cart.token
    session.save()
    address = dict(ADDRESS) | {"email": "guest@example.com"}
    assert client.post("/checkout/", address).status_code == 302
    page = client.get("/checkout/shipping/").content.decode()
    assert 'value="europe"' in page and 'value="standard"' in page
    assert 'value="domestic"' not in page
    refused = client.post("/checkout/shipping/", {"shipping_method": "domestic"})
    assert refused.status_code == 200  # the form error, not the next step


def test_country_codes_are_checked_and_normalised():
    method = ShippingMethod(code="x", name="X", price=1, countries=["us", "gb", "us"])
    method.clean()
    assert method.countries == ["GB", "US"]
    with pytest.raises(ValidationError):
        ShippingMethod(code="y", name="Y", price=1, countries=["ZZ"]).clean()
