"""A mobile app's whole journey through the customer API, with tokens only.

register → verify → sign in → refresh (rotation; a reused refresh token revokes
its family) → the same cart on a second device → checkout with the token (no
CSRF) → the order in GET /api/v1/orders/ → sign out → the refresh token refused
at once, the access token once it expires.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from orders.models import Order
from tests.api.customer import call, checkout, sign_in
from tests.factories.orders import CatalogVariantFactory, ShippingMethodFactory
from tests.services import wait_until

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_fulfilment"),
]

EMAIL = "ada@example.com"
PASSWORD = "analytical-engine-1843"
CONFIRM_TOKEN = re.compile(r"/accounts/signup/confirm/([^/\s]+)/")


@pytest.fixture
def no_fulfilment(monkeypatch):
    monkeypatch.setattr(
        "orders.services.placement.fulfilment_start", lambda *, order_id: None
    )


def _register_and_verify(app: Client) -> User:
    response = call(
        app, "post", "auth/register/", {"email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 202, response.content
    assert User.objects.get(email=EMAIL).is_active is False
    # An unconfirmed account cannot sign in yet.
    refused = call(app, "post", "auth/token/", {"login": EMAIL, "password": PASSWORD})
    assert refused.status_code == 401
    (token,) = CONFIRM_TOKEN.findall(mail.outbox[-1].body)
    verified = call(app, "post", "auth/verify/", {"token": token})
    assert verified.status_code == 200, verified.content
    # The link works once.
    again = call(app, "post", "auth/verify/", {"token": token})
    assert again.status_code == 400 and again.json()["code"] == "link_invalid"
    return User.objects.get(email=EMAIL)


def test_register_sign_in_refresh_two_devices_checkout_and_sign_out(settings):
    ShippingMethodFactory()
    lamp = CatalogVariantFactory(stock_on_hand=5)
    desk = CatalogVariantFactory(stock_on_hand=5)
    phone, tablet = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    # register → verify
    customer = _register_and_verify(phone)
    assert customer.is_active

    # a guest cart on the phone, then sign in presenting it: it becomes theirs
    guest = call(phone, "post", "carts/").json()["id"]
    added = call(
        phone, "post", f"carts/{guest}/lines/", {"sku": lamp.sku, "quantity": 1}
    )
    assert added.status_code == 201
    first = sign_in(phone, EMAIL, PASSWORD, cart_id=guest)
    assert first["token_type"] == "Bearer" and first["cart_id"] == guest
    me = call(phone, "get", "me/", token=first["access"])
    assert me.status_code == 200 and me.json()["email"] == EMAIL

    # refresh: a new pair; the old refresh token is spent
    second = call(phone, "post", "auth/token/refresh/", {"refresh": first["refresh"]})
    assert second.status_code == 200, second.content
    rotated = second.json()
    assert rotated["refresh"] != first["refresh"]
    assert call(phone, "get", "me/", token=rotated["access"]).status_code == 200
    # presenting the spent one again revokes the whole family, the new one too
    reused = call(phone, "post", "auth/token/refresh/", {"refresh": first["refresh"]})
    assert reused.status_code == 401 and reused.json()["code"] == "token_reused"
    after = call(phone, "post", "auth/token/refresh/", {"refresh": rotated["refresh"]})
    assert after.status_code == 401

    # the phone signs in again; the tablet signs in: one cart on both
    phone_tokens = sign_in(phone, EMAIL, PASSWORD)
    tablet_tokens = sign_in(tablet, EMAIL, PASSWORD)
    cart = call(tablet, "get", "me/cart/", token=tablet_tokens["access"]).json()
    assert cart["id"] == guest
    assert [line["sku"] for line in cart["lines"]] == [lamp.sku]
    more = call(
        tablet,
        "post",
        f"carts/{guest}/lines/",
        {"sku": desk.sku, "quantity": 2},
        token=tablet_tokens["access"],
    )
    assert more.status_code == 201, more.content
    on_phone = call(phone, "get", "me/cart/", token=phone_tokens["access"]).json()
    assert sorted(line["sku"] for line in on_phone["lines"]) == sorted(
        [lamp.sku, desk.sku]
    )
    # signed in, POST /carts/ gives the same active cart, not a second one
    assert (
        call(phone, "post", "carts/", token=phone_tokens["access"]).json()["id"]
        == guest
    )

    # checkout with the token from the tablet: no CSRF token, the order is theirs
    placed = checkout(tablet, guest, tablet_tokens["access"])
    assert placed.status_code == 201, placed.content
    number = placed.json()["number"]
    assert Order.objects.get(number=number).user_id == customer.pk

    # the order in the customer's list and detail, from the other device
    listed = call(phone, "get", "orders/", token=phone_tokens["access"])
    assert listed.status_code == 200
    assert [order["number"] for order in listed.json()["results"]] == [number]
    detail = call(phone, "get", f"orders/{number}/", token=phone_tokens["access"])
    assert detail.status_code == 200 and detail.json()["number"] == number

    # sign out on the tablet, holding a short-lived access token
    settings.API_ACCESS_TOKEN_SECONDS = 2
    short = call(
        tablet, "post", "auth/token/refresh/", {"refresh": tablet_tokens["refresh"]}
    )
    assert short.status_code == 200
    short = short.json()
    assert short["access_expires_in"] == 2
    signed_out = call(
        tablet, "post", "auth/token/revoke/", {"refresh": short["refresh"]}
    )
    assert signed_out.status_code == 204
    # the refresh token is refused at once
    refused = call(tablet, "post", "auth/token/refresh/", {"refresh": short["refresh"]})
    assert refused.status_code == 401
    # the access token lives out its short life, then is refused
    wait_until(
        lambda: call(tablet, "get", "me/", token=short["access"]).status_code == 401,
        timeout=15,
        message="the signed-out access token to expire",
    )
    expired = call(tablet, "get", "orders/", token=short["access"])
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"].startswith("Bearer")
    # the phone's session (another family) is not signed out
    assert call(phone, "get", "me/", token=phone_tokens["access"]).status_code == 200
    phone_refresh = {"refresh": phone_tokens["refresh"]}
    assert call(phone, "post", "auth/token/refresh/", phone_refresh).status_code == 200
