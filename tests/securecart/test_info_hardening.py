"""Smaller hardening: bidirectional controls stripped from names and addresses,
no browsable API in production, /readyz details only from inside the network,
a new account email needs the current password."""

import json

import pytest
from django.urls import reverse

from accounts import services
from securecart.addresses import Address
from tests.factories.accounts import PASSWORD, UserFactory
from tests.securecart.test_settings_production import GOOD_ENV, _manage

RLO = "\u202e"  # right-to-left override
ISOLATE = "\u2066"


def test_address_drops_bidirectional_controls():
    address = Address(
        name=f"Eve{RLO}gnp.exe",
        line1=f"1 {ISOLATE}Main St",
        city="Springfield",
        postal_code="97477",
        country="US",
    )
    assert address.name == "Evegnp.exe"
    assert address.line1 == "1 Main St"
    assert Address.from_mapping({"name": f"A{RLO}B"}).name == "AB"


@pytest.mark.django_db
def test_saved_addresses_and_profile_names_drop_bidirectional_controls():
    user = UserFactory()
    saved = services.address_create(
        user=user,
        name=f"Mallory{RLO}",
        line1="2 Elm St",
        city="Springfield",
        postal_code="97477",
        country="US",
    )
    services.user_update_profile(
        user=user, email=user.email, first_name=f"Bo{RLO}b", last_name=f"{ISOLATE}X"
    )

    saved.refresh_from_db()
    user.refresh_from_db()
    assert saved.name == "Mallory"
    assert (user.first_name, user.last_name) == ("Bob", "X")


def test_production_serves_the_api_as_json_only():
    code = (
        "import django, json; django.setup(); "
        "from django.conf import settings; "
        "print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']))"
    )
    result = _manage("shell", "-c", code, env=GOOD_ENV)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "rest_framework.renderers.JSONRenderer"
    ]


@pytest.mark.django_db
def test_readyz_from_the_internet_gives_status_only(client):
    public = client.get(
        "/readyz", REMOTE_ADDR="10.0.5.5", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    inside = client.get("/readyz", REMOTE_ADDR="10.0.5.5")

    assert public.json() == {"status": "ok"}
    assert "database" in inside.json()["checks"]


@pytest.mark.django_db
def test_changing_the_account_email_needs_the_current_password(client):
    user = UserFactory(email="me@example.com")
    client.force_login(user)
    url = reverse("accounts:account")

    without = client.post(url, {"email": "thief@example.com"})
    wrong = client.post(url, {"email": "thief@example.com", "current_password": "x"})
    same_email = client.post(url, {"email": "ME@example.com", "phone": "+15415550100"})

    assert without.status_code == wrong.status_code == 400
    assert "current password" in without.content.decode()
    assert same_email.status_code == 302  # other details need no password
    user.refresh_from_db()
    assert user.email.lower() == "me@example.com"
    right = client.post(url, {"email": "new@example.com", "current_password": PASSWORD})
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.com"
