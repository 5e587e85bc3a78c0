"""The customer API's profile (`me`) and saved addresses, with a token."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Address, User
from tests.api.customer import call, sign_in
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical St",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
}


@pytest.fixture
def app():
    user = UserFactory(username="ada", email="ada@example.com")
    client = Client(enforce_csrf_checks=True)
    return user, client, sign_in(client, "ada")["access"]


def test_me_reads_and_updates_the_profile(app):
    user, client, token = app
    body = call(client, "get", "me/", token=token).json()
    assert body == {
        "id": user.pk,
        "username": "ada",
        "email": "ada@example.com",
        "first_name": "",
        "last_name": "",
        "phone": "",
        "sms_opt_in": False,
    }
    changed = call(
        client, "patch", "me/", {"first_name": "Ada", "sms_opt_in": True}, token=token
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["first_name"] == "Ada" and changed.json()["sms_opt_in"]
    user.refresh_from_db()
    assert (user.first_name, user.sms_opt_in, user.email) == (
        "Ada",
        True,
        "ada@example.com",
    )


def test_an_email_change_needs_the_current_password(app):
    user, client, token = app
    without = call(client, "patch", "me/", {"email": "new@example.com"}, token=token)
    assert without.status_code == 400 and "current_password" in without.json()
    wrong = call(
        client,
        "patch",
        "me/",
        {"email": "new@example.com", "current_password": "wrong"},
        token=token,
    )
    assert wrong.status_code == 400
    user.refresh_from_db()
    assert user.email == "ada@example.com"
    right = call(
        client,
        "patch",
        "me/",
        {"email": "new@example.com", "current_password": PASSWORD},
        token=token,
    )
    assert right.status_code == 200 and right.json()["email"] == "new@example.com"
    assert User.objects.get(pk=user.pk).email == "new@example.com"


def test_an_email_in_use_is_refused(app):
    user, client, token = app
    UserFactory(username="grace", email="grace@example.com")
    taken = call(
        client,
        "patch",
        "me/",
        {"email": "GRACE@example.com", "current_password": PASSWORD},
        token=token,
    )
    assert taken.status_code == 400 and "email" in taken.json()
    assert User.objects.get(pk=user.pk).email == "ada@example.com"


def test_addresses_create_list_update_delete(app):
    user, client, token = app
    first = call(client, "post", "me/addresses/", HOME, token=token)
    assert first.status_code == 201, first.content
    assert first.json()["is_default"] is True  # the first one is the default
    work = {**HOME, "name": "Ada at work", "line1": "1 Babbage Rd", "is_default": True}
    second = call(client, "post", "me/addresses/", work, token=token).json()
    listed = call(client, "get", "me/addresses/", token=token).json()
    assert [a["id"] for a in listed] == [second["id"], first.json()["id"]]
    assert [a["is_default"] for a in listed] == [True, False]

    path = f"me/addresses/{first.json()['id']}/"
    patched = call(client, "patch", path, {"city": "Cambridge"}, token=token)
    assert patched.status_code == 200 and patched.json()["city"] == "Cambridge"
    assert patched.json()["line1"] == HOME["line1"]

    assert (
        call(client, "delete", f"me/addresses/{second['id']}/", token=token).status_code
        == 204
    )
    # the remaining one takes over as the default
    (left,) = call(client, "get", "me/addresses/", token=token).json()
    assert left["is_default"] is True
    assert (
        call(client, "get", f"me/addresses/{second['id']}/", token=token).status_code
        == 404
    )


def test_bad_addresses_are_refused_and_nothing_is_saved(app):
    user, client, token = app
    for body in (
        {**HOME, "country": "XX"},
        {**HOME, "country": "gb!"},
        {key: value for key, value in HOME.items() if key != "city"},
        {**HOME, "name": "a\x00b"},
        ["not", "an", "object"],
    ):
        response = call(client, "post", "me/addresses/", body, token=token)
        assert response.status_code == 400, (body, response.content)
    assert not Address.objects.filter(user=user).exists()


def test_a_token_call_costs_one_query_for_the_customer(app, django_assert_num_queries):
    # The access token is checked without a token table: only the user row is read.
    user, client, token = app
    with django_assert_num_queries(1):
        response = call(client, "get", "me/", token=token)
    assert response.status_code == 200 and response.json()["id"] == user.pk
