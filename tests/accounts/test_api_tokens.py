"""Customer API sign-in: shared throttles, revocation on password change and
reset, sign-up rules and answers, CORS and the documented security scheme."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from tests.api.customer import call, sign_in
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "difference-engine-1822"


@pytest.fixture
def limits(settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    settings.ACCOUNTS_LOGIN_IP_MAX_FAILURES = 5
    settings.ACCOUNTS_LOGIN_WINDOW_SECONDS = 900
    settings.ACCOUNTS_SIGNUP_IP_MAX = 2
    settings.ACCOUNTS_SIGNUP_EMAIL_MAX = 1
    return settings


def _api_login(client, login, password, ip="10.0.0.1"):
    body = {"login": login, "password": password}
    return call(client, "post", "auth/token/", body, ip=ip)


# --- sign-in limits ------------------------------------------------------------
def test_failed_sign_ins_share_the_storefront_counter_and_say_when_to_retry(
    client, limits
):
    UserFactory(username="grace")
    # two failures on the storefront form, one on the API: the account's limit
    for _ in range(2):
        page = client.post(
            reverse("accounts:login"),
            {"username": "grace", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )
        assert page.status_code == 200
    assert _api_login(client, "grace", "wrong").status_code == 401
    # now even the right password is refused, with Retry-After
    refused = _api_login(client, "grace", PASSWORD, ip="10.0.0.2")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    # the test cache keeps no TTLs, so the answer is the whole window
    assert refused["Retry-After"] == str(limits.ACCOUNTS_LOGIN_WINDOW_SECONDS)
    # and the storefront form refuses too
    page = client.post(
        reverse("accounts:login"),
        {"username": "grace", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.3",
    )
    assert page.status_code == 429


def test_failed_sign_ins_from_one_client_are_limited_across_accounts(client, limits):
    names = [UserFactory().username for _ in range(6)]
    for name in names[:5]:
        assert _api_login(client, name, "wrong", ip="10.0.0.7").status_code == 401
    refused = _api_login(client, names[5], PASSWORD, ip="10.0.0.7")
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(limits.ACCOUNTS_LOGIN_WINDOW_SECONDS)
    # another client signs in to that account as usual
    assert _api_login(client, names[5], PASSWORD, ip="10.0.0.8").status_code == 200


def test_a_successful_sign_in_forgets_the_accounts_failures(client, limits):
    UserFactory(username="alan")
    for _ in range(2):
        assert _api_login(client, "alan", "wrong").status_code == 401
    assert _api_login(client, "alan", PASSWORD).status_code == 200
    for _ in range(2):
        assert _api_login(client, "alan", "wrong").status_code == 401
    assert _api_login(client, "alan", PASSWORD).status_code == 200


# --- register -------------------------------------------------------------------
def test_register_answers_the_same_for_a_new_and_a_known_address(client):
    UserFactory(username="ada", email="ada@example.com")
    known = call(
        client,
        "post",
        "auth/register/",
        {"email": "ada@example.com", "password": NEW_PASSWORD},
    )
    new = call(
        client,
        "post",
        "auth/register/",
        {"email": "new@example.com", "password": NEW_PASSWORD},
    )
    assert (known.status_code, known.json()) == (new.status_code, new.json())
    assert known.status_code == 202
    # the owner is told; the new address gets a link; no second account for ada
    assert [m.to for m in mail.outbox] == [["ada@example.com"], ["new@example.com"]]
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
    assert User.objects.get(email="new@example.com").is_active is False


def test_register_applies_the_storefront_rules(client):
    UserFactory(username="taken")
    cases = [
        ({"email": "not-an-email", "password": NEW_PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "12345678901"}, "password"),
        (
            {"email": "a@example.com", "password": NEW_PASSWORD, "username": "taken"},
            "username",
        ),
        ({"email": "a@example.com"}, "password"),
    ]
    for body, field in cases:
        response = call(client, "post", "auth/register/", body)
        assert response.status_code == 400, body
        assert field in response.json(), response.json()
    assert not User.objects.filter(email="a@example.com").exists()
    assert mail.outbox == []


def test_register_is_limited_per_client_and_per_address(client, limits):
    body = {"email": "one@example.com", "password": NEW_PASSWORD}
    assert (
        call(client, "post", "auth/register/", body, ip="10.0.1.1").status_code == 202
    )
    # over the per-address limit: the same answer, nothing sent
    again = call(client, "post", "auth/register/", body, ip="10.0.1.2")
    assert again.status_code == 202
    assert len(mail.outbox) == 1
    # over the per-client limit: 429 with Retry-After
    other = {"email": "two@example.com", "password": NEW_PASSWORD}
    assert (
        call(client, "post", "auth/register/", other, ip="10.0.1.1").status_code == 202
    )
    refused = call(client, "post", "auth/register/", other, ip="10.0.1.1")
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(limits.ACCOUNTS_SIGNUP_WINDOW_SECONDS)


# --- revocation on password change and reset ------------------------------------
def _two_devices(user):
    return [sign_in(Client(), user.username) for _ in range(2)]


def _all_refused(devices) -> None:
    client = Client()
    for tokens in devices:
        assert call(client, "get", "me/", token=tokens["access"]).status_code == 401
        refresh = {"refresh": tokens["refresh"]}
        assert call(client, "post", "auth/token/refresh/", refresh).status_code == 401


def test_a_password_change_on_the_storefront_revokes_every_token(client):
    user = UserFactory()
    devices = _two_devices(user)
    client.force_login(user)
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    _all_refused(devices)
    # the new password signs in as usual
    assert sign_in(Client(), user.username, NEW_PASSWORD)["access"]


def test_a_password_reset_revokes_every_token(client):
    user = UserFactory()
    devices = _two_devices(user)
    user.refresh_from_db()  # signing in set last_login, part of the reset token
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
    )
    form = client.get(link)
    assert form.status_code == 302
    done = client.post(
        form["Location"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    _all_refused(devices)


def test_a_deactivated_account_loses_its_tokens(client):
    user = UserFactory()
    (tokens,) = [sign_in(Client(), user.username)]
    User.objects.filter(pk=user.pk).update(is_active=False)
    _all_refused([tokens])


# --- password reset request -----------------------------------------------------
def test_password_reset_answers_the_same_for_any_address(client, settings):
    settings.ACCOUNTS_PASSWORD_RESET_IP_MAX = 2
    UserFactory(username="ada", email="ada@example.com")
    known = call(client, "post", "auth/password-reset/", {"email": "ada@example.com"})
    unknown = call(client, "post", "auth/password-reset/", {"email": "x@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    (sent,) = mail.outbox
    assert sent.to == ["ada@example.com"]
    assert re.search(r"/accounts/password/reset/\S+/\S+/", sent.body)
    # beyond the per-client limit: 429, the same neutral words, nothing sent
    refused = call(client, "post", "auth/password-reset/", {"email": "ada@example.com"})
    assert refused.status_code == 429 and refused.json() == known.json()
    assert (
        int(refused["Retry-After"]) == settings.ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS
    )
    assert len(mail.outbox) == 1
    bad = call(client, "post", "auth/password-reset/", {"email": "nope"})
    assert bad.status_code == 400 and "email" in bad.json()


# --- CORS and the schema --------------------------------------------------------
def _preflight(client, origin):
    return client.options(
        "/api/v1/auth/token/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_cors_answers_only_configured_origins(client, settings):
    assert "access-control-allow-origin" not in _preflight(
        client, "https://app.example.com"
    )
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    allowed = _preflight(client, "https://app.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in allowed["Access-Control-Allow-Headers"]
    assert "access-control-allow-credentials" not in allowed
    assert "access-control-allow-origin" not in _preflight(
        client, "https://evil.example"
    )
    # pages outside the API never answer CORS
    page = client.get("/", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in page


def test_the_schema_documents_the_token_scheme_on_customer_operations(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["customerToken"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == (
        "http",
        "bearer",
        "JWT",
    )
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert {"customerToken": []} in me["security"]
    assert "401" in me["responses"]
    checkout = schema["paths"]["/api/v1/checkout/"]["post"]
    assert {"customerToken": []} in checkout["security"]
    for path in ("register/", "token/", "token/refresh/", "token/revoke/"):
        assert f"/api/v1/auth/{path}" in schema["paths"]


def test_expired_refresh_token_records_are_flushed(settings):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from securecart.celery import app

    user = UserFactory()
    settings.API_REFRESH_TOKEN_SECONDS = -1  # issued already expired
    stale = sign_in(Client(), user.username)
    settings.API_REFRESH_TOKEN_SECONDS = 3600
    live = sign_in(Client(), user.username)
    call(Client(), "post", "auth/token/revoke/", {"refresh": live["refresh"]})

    # when beat's daily entry runs, as a worker resolves it
    app.loader.import_default_modules()
    task = app.tasks[settings.CELERY_BEAT_SCHEDULE["api-tokens-flush"]["task"]]
    assert task.apply().result == 1
    remaining = set(OutstandingToken.objects.values_list("token", flat=True))
    assert remaining == {live["refresh"]}  # revoked but unexpired: kept (reuse check)
    assert stale["refresh"] not in remaining
