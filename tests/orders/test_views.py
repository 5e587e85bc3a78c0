"""Storefront checkout steps and the customer's order pages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from orders.models import Order, PaymentTransaction
from shop.models import CartLine
from tests.factories.orders import (
    ADDRESS,
    CatalogVariantFactory,
    OrderFactory,
    cart_with,
    user_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fulfilment")]


def _fill_checkout(client, token="tok_visa"):
    address = {k: v for k, v in ADDRESS.items()} | {"email": "guest@example.com"}
    assert client.post("/checkout/", address).status_code == 302
    assert (
        client.post("/checkout/shipping/", {"shipping_method": "standard"}).status_code
        == 302
    )
    assert (
        client.post("/checkout/payment/", {"payment_token": token}).status_code == 302
    )
    review = client.get("/checkout/review/")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.content.decode())
    return review, key.group(1) if key else None


def _guest_cart(client, variant, quantity=1):
    cart = cart_with([(variant, quantity)])
    session = client.session
    session["cart_token"] = cart.token
    session.save()
    return cart


def test_guest_walks_the_steps_and_a_double_submit_places_one_order(
    client, standard_shipping
):
    variant = CatalogVariantFactory(price=Decimal("20.00"), stock_on_hand=3)
    cart = _guest_cart(client, variant, 2)
    review, key = _fill_checkout(client)
    assert review.status_code == 200 and "$45.00" in review.content.decode()

    first = client.post("/checkout/place/", {"idempotency_key": key})
    second = client.post("/checkout/place/", {"idempotency_key": key})  # double click

    order = Order.objects.get()
    assert (
        first["Location"] == second["Location"] == f"/checkout/complete/{order.number}/"
    )
    assert PaymentTransaction.objects.filter(kind="authorise").count() == 1
    page = client.get(first["Location"])
    assert order.number in page.content.decode()
    assert (
        f"/orders/{order.number}/?token={order.access_token}" in page.content.decode()
    )
    assert not CartLine.objects.filter(cart=cart).exists()


def test_declined_card_returns_to_payment_step_with_a_message(
    client, standard_shipping
):
    variant = CatalogVariantFactory(stock_on_hand=3)
    _guest_cart(client, variant)
    _, key = _fill_checkout(client, token="tok_chargeDeclined")

    response = client.post("/checkout/place/", {"idempotency_key": key}, follow=True)

    assert response.redirect_chain[-1][0] == "/checkout/payment/"
    assert "declined" in response.content.decode()
    assert Order.objects.count() == 0
    variant.refresh_from_db()
    assert variant.stock_reserved == 0


def test_review_shows_changed_price_and_lets_shopper_accept_it(
    client, standard_shipping
):
    variant = CatalogVariantFactory(price=Decimal("10.00"), stock_on_hand=3)
    cart = _guest_cart(client, variant)
    variant.price = Decimal("12.00")
    variant.save()

    review, key = _fill_checkout(client)
    assert "price changed from $10.00 to $12.00" in review.content.decode()
    assert key is None  # no "Place order" while the cart is stale

    client.post("/checkout/accept-prices/")
    review, key = _fill_checkout(client)
    assert key is not None
    client.post("/checkout/place/", {"idempotency_key": key})
    assert Order.objects.get().total == Decimal("17.00")
    assert CartLine.objects.filter(cart=cart).count() == 0


def test_address_step_shows_field_errors_and_keeps_nothing(client, standard_shipping):
    _guest_cart(client, CatalogVariantFactory())
    response = client.post(
        "/checkout/", {**ADDRESS, "email": "nope", "country": "ZZ", "line1": ""}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"email", "country", "line1"} <= set(form.errors)
    assert "checkout" not in client.session


def test_checkout_with_empty_cart_goes_back_to_cart(client, standard_shipping):
    assert client.get("/checkout/")["Location"] == "/cart/"


def test_order_page_needs_the_owner_or_the_token(client):
    owner = user_create()
    order = OrderFactory(user=owner)
    url = f"/orders/{order.number}/"

    assert client.get(url).status_code == 404
    assert client.get(url + "?token=wrong").status_code == 404
    exchanged = client.get(url + f"?token={order.access_token}")
    assert exchanged.status_code == 302 and exchanged["Location"] == url
    assert client.get(url).status_code == 200  # this browser now holds the token
    client.logout()
    client.force_login(user_create())
    assert client.get(url).status_code == 404  # another customer
    client.force_login(owner)
    page = client.get(url)
    assert page.status_code == 200 and order.number in page.content.decode()


def test_my_orders_lists_only_the_customers_orders(client):
    me, other = user_create(), user_create()
    mine = OrderFactory(user=me)
    theirs = OrderFactory(user=other)
    client.force_login(me)

    content = client.get("/orders/").content.decode()

    assert mine.number in content and theirs.number not in content


def test_my_orders_requires_sign_in(client):
    assert client.get("/orders/").status_code == 302
