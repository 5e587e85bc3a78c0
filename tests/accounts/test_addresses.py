"""Saved addresses: own ones only, one default, selector for checkout."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.models import Address
from accounts.selectors import address_list_for_user
from tests.factories.accounts import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "region": "",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "phone": "",
}


def test_first_address_becomes_default_and_lists(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("accounts:address_create"), FORM)

    assert response.status_code == 302
    address = Address.objects.get(user=user)
    assert address.is_default
    page = client.get(reverse("accounts:address_list")).content.decode()
    assert "St James&#x27;s Square" in page
    assert "Default address" in page


def test_invalid_country_is_refused_with_field_error(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("accounts:address_create"), {**FORM, "country": "XX"}
    )

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Address.objects.exists()


def test_required_fields_are_reported(client):
    client.force_login(UserFactory())

    response = client.post(reverse("accounts:address_create"), {})

    assert response.status_code == 400
    form = response.context["form"]
    assert {"name", "line1", "country"} <= set(form.errors)


@pytest.mark.parametrize(
    ("country", "fields", "missing"),
    [
        # A US address needs a state and a ZIP code; a British one no county.
        ("US", {"region": "", "postal_code": ""}, {"region", "postal_code"}),
        ("GB", {"region": "", "postal_code": ""}, {"postal_code"}),
        # Hong Kong has no postal codes: none needed.
        ("HK", {"region": "Kowloon", "postal_code": "", "city": "Mong Kok"}, set()),
    ],
)
def test_required_parts_follow_the_country(client, country, fields, missing):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:address_create"), {**FORM, "country": country, **fields}
    )

    if missing:
        assert response.status_code == 400
        assert set(response.context["form"].errors) == missing
        assert not Address.objects.exists()
    else:
        assert response.status_code == 302, response.context["form"].errors
        assert Address.objects.get(user=user).postal_code == ""


def test_postal_code_format_and_region_name_are_checked_per_country(client):
    user = UserFactory()
    client.force_login(user)
    us = {**FORM, "country": "US", "city": "Arlington", "region": "Virginia"}

    bad = client.post(reverse("accounts:address_create"), {**us, "postal_code": "SW1"})
    good = client.post(
        reverse("accounts:address_create"), {**us, "postal_code": "22201"}
    )

    assert bad.status_code == 400
    assert bad.context["form"].errors["postal_code"] == [
        "Enter a valid ZIP code for United States, e.g. 95014 or 22162-1010."
    ]
    assert good.status_code == 302
    # Stored as the post office writes it: the state's code.
    assert Address.objects.get(user=user).region == "VA"


def test_address_form_starts_at_the_store_country(client, settings):
    settings.STORE_COUNTRY = "DE"
    client.force_login(UserFactory())

    form = client.get(reverse("accounts:address_create")).context["form"]

    choices = list(form.fields["country"].choices)
    assert choices[0] == ("DE", "Germany")
    assert form["country"].value() == "DE"
    assert "Choose a country" not in str(form["country"])


def test_edit_own_address(client):
    address = AddressFactory()
    client.force_login(address.user)

    response = client.post(
        reverse("accounts:address_update", args=[address.pk]), {**FORM, "city": "Bath"}
    )

    assert response.status_code == 302
    address.refresh_from_db()
    assert address.city == "Bath"


@pytest.mark.parametrize("name", ["address_update", "address_delete"])
def test_other_users_address_is_404_for_get_and_post(client, name):
    theirs = AddressFactory()
    client.force_login(UserFactory())
    url = reverse(f"accounts:{name}", args=[theirs.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, FORM).status_code == 404
    theirs.refresh_from_db()
    assert theirs.city == "Springfield"


def test_address_pages_require_sign_in(client):
    address = AddressFactory()
    for url in (
        reverse("accounts:address_list"),
        reverse("accounts:address_create"),
        reverse("accounts:address_update", args=[address.pk]),
        reverse("accounts:address_delete", args=[address.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_delete_confirms_then_deletes_and_passes_default_on(client):
    user = UserFactory()
    first = services.address_create(user=user, **{**FORM, "name": "First"})
    second = services.address_create(user=user, **{**FORM, "name": "Second"})
    client.force_login(user)
    url = reverse("accounts:address_delete", args=[first.pk])

    assert "Delete this address?" in client.get(url).content.decode()
    assert client.post(url).status_code == 302

    second.refresh_from_db()
    assert second.is_default
    assert list(Address.objects.filter(user=user)) == [second]


def test_making_an_address_default_unsets_the_previous_one():
    user = UserFactory()
    first = services.address_create(user=user, **FORM)
    second = services.address_create(user=user, **{**FORM, "is_default": True})

    first.refresh_from_db()
    assert not first.is_default
    assert second.is_default
    assert list(address_list_for_user(user=user)) == [second, first]


def test_database_allows_one_default_per_user():
    address = AddressFactory(is_default=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(user=address.user, is_default=True)


def test_address_list_for_user_is_own_only_and_empty_for_anonymous(
    django_assert_max_num_queries,
):
    from django.contrib.auth.models import AnonymousUser

    mine = AddressFactory()
    AddressFactory()  # someone else's

    with django_assert_max_num_queries(1):
        assert list(address_list_for_user(user=mine.user)) == [mine]
    assert list(address_list_for_user(user=AnonymousUser())) == []


def test_address_list_page_query_count_is_flat(client, django_assert_max_num_queries):
    user = UserFactory()
    AddressFactory.create_batch(8, user=user)
    client.force_login(user)
    # the page frame (category menu, footer pages, cart count) is cached after
    # the first page a shopper sees
    client.get(reverse("accounts:address_list"))

    # session + user + addresses, whatever the number of addresses
    with django_assert_max_num_queries(4):
        assert client.get(reverse("accounts:address_list")).status_code == 200
