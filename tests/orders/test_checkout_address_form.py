"""The checkout's address step on a phone: autofill tokens, keyboards, the
store's country first, and each country's own address rules."""

from __future__ import annotations

import re

import pytest

from orders.forms import AddressForm
from tests.factories.orders import (
    ADDRESS,
    CatalogVariantFactory,
    OrderFactory,
    cart_with,
)

pytestmark = pytest.mark.django_db

US = {
    **ADDRESS,
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "line1": "1 Compiler Way",
    "city": "Arlington",
    "region": "Virginia",
    "postal_code": "22201",
    "country": "US",
    "phone": "+1 703 555 0100",
}


@pytest.fixture
def cart_client(client):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    session = client.session
    session["cart_token"] = cart.token
    session.save()
    return client


def _input(html: str, name: str) -> str:
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
    assert tag, name
    return tag.group(0)


def test_every_field_has_its_autofill_token_and_keyboard(cart_client):
    html = cart_client.get("/checkout/").content.decode()

    expected = {
        "email": 'autocomplete="email"',
        "phone": 'autocomplete="tel"',
        "name": 'autocomplete="shipping name"',
        "line1": 'autocomplete="shipping address-line1"',
        "line2": 'autocomplete="shipping address-line2"',
        "city": 'autocomplete="shipping address-level2"',
        "region": 'autocomplete="shipping address-level1"',
        "postal_code": 'autocomplete="shipping postal-code"',
        "country": 'autocomplete="shipping country"',
    }
    for name, token in expected.items():
        assert token in _input(html, name), name
    assert 'type="tel"' in _input(html, "phone")
    assert 'type="email"' in _input(html, "email")


def test_country_list_starts_with_the_store_country(cart_client, settings):
    settings.STORE_COUNTRY = "GB"

    html = cart_client.get("/checkout/").content.decode()

    select = re.search(r'<select name="country".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?', select)
    assert options[0] == ("GB", " selected")
    assert "Choose a country" not in select and len(options) > 200
    assert [code for code, _ in options].count("GB") == 1


def test_a_us_address_without_a_state_is_refused_with_a_field_error(cart_client):
    response = cart_client.post("/checkout/", {**US, "region": ""})

    assert response.status_code == 200  # the form again, nothing kept
    assert response.context["form"].errors == {
        "region": ["Enter the state: addresses in United States need one."]
    }
    assert "address" not in cart_client.session.get("checkout", {})


def test_postal_code_must_fit_the_country(cart_client):
    response = cart_client.post("/checkout/", {**US, "postal_code": "N1 9GU"})

    assert "postal_code" in response.context["form"].errors
    # The same code is fine for a British address, which needs no state.
    gb = {**US, "country": "GB", "region": "", "postal_code": "n1 9gu"}
    assert cart_client.post("/checkout/", gb).status_code == 302


def test_the_address_is_kept_as_the_post_writes_it():
    form = AddressForm({**US, "region": "virginia", "postal_code": "22201-1234"})

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["region"], form.cleaned_data["postal_code"]) == (
        "VA",
        "22201-1234",
    )


@pytest.mark.parametrize(
    ("columns", "printed"),
    [
        (
            {"shipping_city": "San Francisco", "shipping_region": "CA"}
            | {"shipping_postal_code": "94105", "shipping_country": "US"},
            "1 Market St<br>San Francisco, CA 94105<br>United States</address>",
        ),
        (
            {"shipping_city": "Berlin", "shipping_region": ""}
            | {"shipping_postal_code": "10115", "shipping_country": "DE"},
            "1 Market St<br>10115 Berlin<br>Germany</address>",
        ),
    ],
)
def test_order_page_prints_the_address_in_the_country_layout(client, columns, printed):
    order = OrderFactory(user=None, shipping_line1="1 Market St", **columns)
    client.get(f"/orders/{order.number}/?token={order.access_token}")

    body = client.get(f"/orders/{order.number}/").content.decode()

    assert printed in body
