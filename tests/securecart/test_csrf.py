"""The form token of a cached page (securecart.csrf) is one Django's CSRF check
takes as its own: the masked cookie secret, uniformly random characters."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _unmask_cipher_token,
)
from django.test import Client, RequestFactory

from securecart import csrf
from tests.factories.shop import VariantFactory


def test_a_new_token_masks_a_new_secret_for_the_cookie():
    request = RequestFactory().get("/")
    token = csrf.csrf_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(token) == 2 * CSRF_SECRET_LENGTH and len(secret) == CSRF_SECRET_LENGTH
    assert set(token + secret) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    # the same secret again, under another mask
    again = csrf.csrf_token(request)
    assert again != token and _unmask_cipher_token(again) == secret


def test_an_existing_secret_is_kept():
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = "a" * CSRF_SECRET_LENGTH
    assert _unmask_cipher_token(csrf.csrf_token(request)) == "a" * CSRF_SECRET_LENGTH


def test_every_character_is_drawn():
    drawn = [csrf.random_chars(CSRF_SECRET_LENGTH) for _ in range(2000)]
    assert {len(chars) for chars in drawn} == {CSRF_SECRET_LENGTH}
    assert len(set(drawn)) == len(drawn)
    assert set("".join(drawn)) == set(CSRF_ALLOWED_CHARS)
    # equally likely: a byte taken modulo 62 without rejection would make the
    # first 256 % 62 = 8 characters a quarter more frequent than the others
    counts = Counter("".join(drawn))
    first = sum(counts[c] for c in CSRF_ALLOWED_CHARS[:8]) / 8
    rest = sum(counts[c] for c in CSRF_ALLOWED_CHARS[8:]) / (
        len(CSRF_ALLOWED_CHARS) - 8
    )
    assert 0.9 < first / rest < 1.1  # about 1 +- 0.04 (three standard deviations)


def test_with_session_tokens_djangos_own_runs(settings, monkeypatch):
    settings.CSRF_USE_SESSIONS = True
    monkeypatch.setattr(csrf, "get_token", lambda request: "djangos")
    assert csrf.csrf_token(RequestFactory().get("/")) == "djangos"


@pytest.mark.django_db
def test_the_check_refuses_a_token_changed_by_one_character():
    variant = VariantFactory(price=Decimal("9.00"), stock_on_hand=5)
    page = f"/p/{variant.product.slug}/"
    visitor = Client(enforce_csrf_checks=True)
    body = visitor.get(page).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    changed = token[:-1] + ("a" if token[-1] != "a" else "b")
    refused = visitor.post(
        page, {"sku": variant.sku, "quantity": "1", "csrfmiddlewaretoken": changed}
    )
    taken = visitor.post(
        page, {"sku": variant.sku, "quantity": "1", "csrfmiddlewaretoken": token}
    )
    assert refused.status_code == 403
    assert taken.status_code == 302
