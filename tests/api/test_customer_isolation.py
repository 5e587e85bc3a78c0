"""Another customer's token on each object endpoint: 404 (as for a missing
object), and the owner's data unchanged."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Address
from orders.models import Order
from shop.models import Cart, CartLine
from tests.api.customer import call, checkout, sign_in
from tests.factories.accounts import AddressFactory, UserFactory
from tests.factories.orders import (
    CatalogVariantFactory,
    OrderFactory,
    ShippingMethodFactory,
    cart_with,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_data():
    owner = UserFactory()
    variant = CatalogVariantFactory(stock_on_hand=5)
    return {
        "owner": owner,
        "address": AddressFactory(user=owner, is_default=True),
        "order": OrderFactory(user=owner),
        "cart": cart_with([(variant, 1)], user=owner),
        "variant": variant,
    }


@pytest.fixture
def intruder():
    client = Client()
    tokens = sign_in(client, UserFactory().username)
    return client, tokens["access"]


def test_another_customers_token_gets_404_on_every_object_endpoint(
    owner_data, intruder
):
    client, token = intruder
    address, order, cart = (
        owner_data["address"],
        owner_data["order"],
        owner_data["cart"],
    )
    sku = owner_data["variant"].sku
    attempts = [
        ("get", f"me/addresses/{address.pk}/", None),
        ("patch", f"me/addresses/{address.pk}/", {"city": "Elsewhere"}),
        ("delete", f"me/addresses/{address.pk}/", None),
        ("get", f"orders/{order.number}/", None),
        ("get", f"carts/{cart.token}/", None),
        ("post", f"carts/{cart.token}/lines/", {"sku": sku, "quantity": 1}),
        ("patch", f"carts/{cart.token}/lines/{sku}/", {"quantity": 3}),
        ("delete", f"carts/{cart.token}/lines/{sku}/", None),
        ("post", f"carts/{cart.token}/voucher/", {"code": "NOPE"}),
    ]
    for method, path, body in attempts:
        response = call(client, method, path, body, token=token)
        assert response.status_code == 404, (method, path, response.content)
    # nothing of theirs is listed for the intruder
    assert call(client, "get", "me/addresses/", token=token).json() == []
    assert call(client, "get", "orders/", token=token).json()["count"] == 0
    # and nothing of the owner's changed
    assert Address.objects.get(pk=address.pk).city == address.city
    assert list(
        CartLine.objects.filter(cart=cart).values_list("quantity", flat=True)
    ) == [1]


def test_another_customers_cart_cannot_be_checked_out_or_merged(owner_data, intruder):
    ShippingMethodFactory()
    client, token = intruder
    cart = owner_data["cart"]
    placed = checkout(client, cart.token, token)
    assert placed.status_code == 400 and "cart_id" in placed.json()
    assert (
        not Order.objects.filter(user__isnull=False)
        .exclude(pk=owner_data["order"].pk)
        .exists()
    )
    # presenting it as a "guest cart" does not move it either
    merged = call(client, "post", "me/cart/", {"cart_id": cart.token}, token=token)
    assert merged.status_code == 200 and merged.json()["id"] != cart.token
    assert Cart.objects.get(pk=cart.pk).user_id == owner_data["owner"].pk


def test_signed_out_callers_get_401_with_a_bearer_challenge(owner_data):
    client = Client()
    for path in ("me/", "me/addresses/", "me/cart/", "orders/"):
        response = call(client, "get", path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"].startswith("Bearer")
    # a forged or garbled token is refused, never taken as anonymous
    forged = call(client, "get", "me/", token="not.a.token")
    assert forged.status_code == 401


def test_each_token_works_only_where_it_belongs():
    client = Client()
    tokens = sign_in(client, UserFactory().username)
    # a refresh token is not an access token, and the other way round
    assert call(client, "get", "me/", token=tokens["refresh"]).status_code == 401
    swapped = {"refresh": tokens["access"]}
    refused = call(client, "post", "auth/token/refresh/", swapped)
    assert refused.status_code == 401 and refused.json()["code"] == "token_not_valid"
    # a token signed with another key is refused
    header, payload, _ = tokens["access"].split(".")
    forged = f"{header}.{payload}.c2lnbmF0dXJl"
    assert call(client, "get", "me/", token=forged).status_code == 401
    # the genuine pair still works
    assert call(client, "get", "me/", token=tokens["access"]).status_code == 200
