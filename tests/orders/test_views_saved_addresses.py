"""Checkout's address step offers a signed-in customer's saved addresses."""

from __future__ import annotations

import re

import pytest

from accounts.models import Address
from orders.models import Order
from tests.factories.accounts import AddressFactory, UserFactory
from tests.factories.orders import ADDRESS, CatalogVariantFactory, cart_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fulfilment")]

NEW = {k: v for k, v in ADDRESS.items() if k != "phone"}


def _radio(html: str, value: object) -> str:
    match = re.search(
        rf'<input type="radio" name="saved_address" value="{value}"[^>]*>', html
    )
    assert match, f"no saved_address radio with value {value}"
    return match.group(0)


def _label_of(html: str, radio: str) -> str:
    radio_id = re.search(r'id="([^"]+)"', radio).group(1)
    match = re.search(rf'<label for="{radio_id}">(.*?)</label>', html, re.S)
    assert match, f"no label for {radio_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture
def customer(client):
    user = UserFactory()
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)], user=user)
    client.force_login(user)
    session = client.session
    session["cart_token"] = cart.token
    session.save()
    return user


def _place(client) -> Order:
    assert (
        client.post("/checkout/shipping/", {"shipping_method": "standard"}).status_code
        == 302
    )
    assert (
        client.post("/checkout/payment/", {"payment_token": "tok_visa"}).status_code
        == 302
    )
    review = client.get("/checkout/review/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review).group(1)
    assert client.post("/checkout/place/", {"idempotency_key": key}).status_code == 302
    return Order.objects.get()


def test_default_saved_address_is_preselected_with_an_accessible_label(
    client, customer
):
    other = AddressFactory(user=customer, name="Office", line1="9 Side Rd")
    default = AddressFactory(
        user=customer, name="Home", line1="1 Main St", is_default=True
    )

    html = client.get("/checkout/").content.decode()

    assert "checked" in _radio(html, default.pk)
    assert "checked" not in _radio(html, other.pk)
    assert "checked" not in _radio(html, "new")
    assert html.index(f'value="{default.pk}"') < html.index(f'value="{other.pk}"')
    assert _label_of(html, _radio(html, default.pk)).startswith("Home, 1 Main St")
    assert _label_of(html, _radio(html, "new")) == "A new address"
    assert "<legend>Deliver to</legend>" in html
    assert "Save this address to my account" in html
    assert "<script" not in html.split("<main", 1)[-1]  # no JavaScript needed


def test_choosing_another_saved_address_ships_the_order_there(
    client, customer, standard_shipping
):
    AddressFactory(user=customer, is_default=True)
    chosen = AddressFactory(
        user=customer,
        name="Grace Hopper",
        line1="1 Compiler Way",
        city="Arlington",
        region="VA",
        postal_code="22201",
        country="US",
        phone="+15415550199",
    )

    response = client.post(
        "/checkout/",
        {"email": customer.email, "saved_address": chosen.pk, "name": "ignored"},
    )

    assert response.status_code == 302, response.content.decode()
    order = _place(client)
    assert (order.shipping_name, order.shipping_line1, order.shipping_city) == (
        "Grace Hopper",
        "1 Compiler Way",
        "Arlington",
    )
    assert (order.shipping_postal_code, order.shipping_country) == ("22201", "US")
    assert Address.objects.filter(user=customer).count() == 2  # nothing new saved


def test_another_users_address_id_is_refused_and_nothing_changes(client, customer):
    mine = AddressFactory(user=customer, is_default=True)
    theirs = AddressFactory(user=UserFactory(), name="Someone Else")
    before = dict(client.session.get("checkout") or {})

    response = client.post(
        "/checkout/", {"email": customer.email, "saved_address": theirs.pk}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "Someone Else" not in response.content.decode()
    assert dict(client.session.get("checkout") or {}) == before
    assert Address.objects.filter(user=customer).get() == mine
    theirs.refresh_from_db()
    assert theirs.user_id != customer.pk


def test_a_new_address_can_be_saved_to_the_account(client, customer, standard_shipping):
    AddressFactory(user=customer, is_default=True)
    payload = {
        "email": customer.email,
        "saved_address": "new",
        "save_address": "on",
        **NEW,
    }

    assert client.post("/checkout/", payload).status_code == 302
    assert client.post("/checkout/", payload).status_code == 302  # back and again

    saved = Address.objects.get(user=customer, line1=NEW["line1"])  # one copy only
    assert (saved.name, saved.postal_code, saved.country, saved.is_default) == (
        "Ada Lovelace",
        "N1 9GU",
        "GB",
        False,
    )
    assert "checked" in _radio(client.get("/checkout/").content.decode(), saved.pk)
    assert _place(client).shipping_line1 == NEW["line1"]


def test_a_new_address_without_the_checkbox_is_not_saved(client, customer):
    AddressFactory(user=customer, is_default=True)

    response = client.post(
        "/checkout/", {"email": customer.email, "saved_address": "new", **NEW}
    )

    assert response.status_code == 302
    assert not Address.objects.filter(user=customer, line1=NEW["line1"]).exists()


def test_new_address_chosen_with_empty_fields_shows_errors(client, customer):
    AddressFactory(user=customer, is_default=True)

    response = client.post(
        "/checkout/", {"email": customer.email, "saved_address": "new"}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert "checkout" not in client.session


def test_guest_sees_the_form_as_before(client, standard_shipping):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    session = client.session
    session["cart_token"] = cart.token
    session.save()
    AddressFactory()  # someone's saved address must never show up for a guest

    html = client.get("/checkout/").content.decode()

    assert "saved_address" not in html and "Save this address" not in html
    assert 'name="line1"' in html and "Checking out as a guest." in html
    response = client.post("/checkout/", {"email": "g@example.com", **NEW})
    assert response.status_code == 302
    assert client.session["checkout"]["address"]["line1"] == NEW["line1"]


def test_address_step_query_count_does_not_grow_with_saved_addresses(
    client, customer, django_assert_max_num_queries
):
    AddressFactory(user=customer, is_default=True)
    with django_assert_max_num_queries(8) as few:
        assert client.get("/checkout/").status_code == 200
    AddressFactory.create_batch(5, user=customer)

    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/checkout/").content.decode()

    assert html.count('name="saved_address"') == 7
