"""GET /api/v1/orders/…, /api/v1/shipping-methods/: owners only, never data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.services.transitions import order_transition
from tests.factories.orders import OrderFactory, ShippingMethodFactory, user_create

pytestmark = pytest.mark.django_db


def test_owner_sees_status_and_timeline(client):
    owner = user_create()
    order = OrderFactory(user=owner)
    order_transition(order=order, to="processing", actor="system:fulfilment")
    client.force_login(owner)

    body = client.get(f"/api/v1/orders/{order.number}/").json()

    assert body["number"] == order.number and body["status"] == "processing"
    assert body["payment_status"] == "authorised"
    assert [(e["to_status"], e["actor"]) for e in body["events"]] == [
        ("processing", "system:fulfilment")
    ]


def test_guest_with_access_token_sees_the_order(client):
    order = OrderFactory()
    response = client.get(
        f"/api/v1/orders/{order.number}/", {"access_token": order.access_token}
    )
    assert response.status_code == 200 and response.json()["total"] == "25.00"


@pytest.mark.parametrize(
    "who", ["anonymous", "other_customer", "wrong_token", "missing"]
)
def test_anyone_else_gets_404_without_data(client, who):
    order = OrderFactory(user=user_create())
    url, params = f"/api/v1/orders/{order.number}/", {}
    if who == "other_customer":
        client.force_login(user_create())
    elif who == "wrong_token":
        params = {"access_token": order.access_token[:-1] + "x"}
    elif who == "missing":
        url = "/api/v1/orders/SC-NOTHERE/"
    response = client.get(url, params)
    assert response.status_code == 404
    assert order.email not in response.content.decode()


def test_customer_order_list_has_only_their_orders(client):
    me = user_create()
    mine = OrderFactory(user=me)
    OrderFactory(user=user_create())
    client.force_login(me)
    body = client.get("/api/v1/orders/").json()
    assert body["count"] == 1 and body["results"][0]["number"] == mine.number


def test_order_list_needs_sign_in(client):
    # 401 with a Bearer challenge: an app knows to sign in (or refresh) again.
    response = client.get("/api/v1/orders/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_shipping_methods_lists_active_methods(client):
    ShippingMethodFactory(
        code="express", name="Express", price=Decimal("15.00"), free_over=None
    )
    ShippingMethodFactory(code="old", name="Old", is_active=False)
    body = client.get("/api/v1/shipping-methods/").json()
    assert body == [
        {
            "code": "express",
            "name": "Express",
            "description": "",
            "price": "15.00",
            "currency": "USD",
            "free_over": None,
        }
    ]


def test_openapi_schema_documents_checkout_and_orders(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert {
        "/api/v1/checkout/",
        "/api/v1/orders/",
        "/api/v1/orders/{number}/",
        "/api/v1/shipping-methods/",
    } <= set(schema["paths"])
    params = schema["paths"]["/api/v1/checkout/"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
