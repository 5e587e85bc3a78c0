"""Checkout in Chromium: a guest and a signed-in customer place an order, see
the confirmation and then the order's page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order
from shop.models import Variant
from tests.factories.orders import (
    CatalogProductFactory,
    CatalogVariantFactory,
    ShippingMethodFactory,
    user_create,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lamp(monkeypatch):
    # Checkout's hand-off only: the fulfilment workflow has its own tests.
    monkeypatch.setattr(
        "orders.services.placement.fulfilment_start", lambda *, order_id: None
    )
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("5.00"))
    product = CatalogProductFactory(
        name="Brass Desk Lamp", slug="brass-desk-lamp", price=Decimal("40.00")
    )
    return CatalogVariantFactory(
        product=product,
        sku="LAMP-1",
        name="Brass",
        price=Decimal("40.00"),
        stock_on_hand=5,
    )


def _add_to_cart(page) -> None:
    page.goto("/p/brass-desk-lamp/")
    radio = page.locator("label[for=sku-1]")
    if radio.count():
        radio.click()
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")


def _checkout(page, email: str | None) -> str:
    page.get_by_role("link", name="Checkout").click()
    page.wait_for_url("**/checkout/")
    if email:
        page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Address line 1").fill("1 Compiler Way")
    page.get_by_label("City").fill("Arlington")
    page.get_by_label("State / region").fill("VA")  # a US address needs its state
    page.get_by_label("Postal code").fill("22201")
    country = page.get_by_label("Country")
    if country.evaluate("el => el.tagName") == "SELECT":
        country.select_option("US")
    else:
        country.fill("US")
    page.get_by_role("button", name="Continue to shipping").click()
    page.wait_for_url("**/checkout/shipping/")
    page.get_by_label("Standard").check()
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url("**/checkout/payment/")
    assert page.get_by_text("hosted field").is_visible()
    page.get_by_label("Visa ending 4242").check()
    page.get_by_role("button", name="Review order").click()
    page.wait_for_url("**/checkout/review/")
    assert page.locator("#order-total").inner_text() == "$45.00"
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/checkout/complete/**")
    assert page.get_by_role("heading", name="Thank you for your order").is_visible()
    return page.locator("#order-number").inner_text()


def test_guest_places_an_order_and_follows_it_by_link(page, lamp):
    _add_to_cart(page)
    number = _checkout(page, email="grace@example.com")

    order = Order.objects.get(number=number)
    assert order.user is None and order.email == "grace@example.com"
    assert re.fullmatch(r"SC-[2-9A-HJ-NP-TV-Z]{8}", number)
    page.get_by_role("link", name="Follow your order").click()
    # the token is exchanged for the session and the browser lands on a clean URL
    page.wait_for_url(f"**/orders/{number}/")
    assert page.get_by_role("heading", name=f"Order {number}").is_visible()
    assert page.locator("#order-status").inner_text() == "Placed"
    assert page.get_by_text("Brass Desk Lamp").is_visible()
    assert Variant.objects.get(pk=lamp.pk).stock_reserved == 1

    # without the token the page does not exist for a stranger
    assert Client().get(f"/orders/{number}/").status_code == 404


def test_customer_places_an_order_and_finds_it_in_my_orders(page, lamp, live_server):
    user = user_create(username="grace")
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )

    _add_to_cart(page)
    number = _checkout(page, email=None)  # prefilled from the account

    assert Order.objects.get(number=number).user == user
    page.get_by_role("link", name="Follow your order").click()
    page.wait_for_url(f"**/orders/{number}/")
    assert page.get_by_role("heading", name=f"Order {number}").is_visible()
    page.get_by_role("link", name="My orders").click()
    page.wait_for_url("**/orders/")
    assert page.get_by_role("link", name=number).is_visible()
