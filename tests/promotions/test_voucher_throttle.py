"""Voucher-code guessing: failed attempts per client identity, 429 beyond the
limit (API with Retry-After, storefront with a message), nothing applied."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.conf import settings

from promotions.models import CartVoucher
from tests.factories.orders import CatalogVariantFactory, cart_with
from tests.factories.promotions import VoucherFactory
from tests.promotions.conftest import apply_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def limit(settings):
    settings.VOUCHER_ATTEMPTS_MAX = 3
    settings.VOUCHER_ATTEMPTS_WINDOW_SECONDS = 900
    return 3


def _cart():
    variant = CatalogVariantFactory(price=Decimal("20.00"), stock_on_hand=10)
    return cart_with([(variant, 2)])


def _guess_until_refused(client, cart, limit):
    statuses = [apply_code(client, cart, f"GUESS{n}").status_code for n in range(limit)]
    assert statuses == [400] * limit
    return apply_code(client, cart, "RIGHT")


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_api_refuses_after_the_failures_even_the_right_code(
    request, client, limit, backend
):
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    cart = _cart()
    VoucherFactory(code="RIGHT", kind="percentage", value=Decimal("10"))
    refused = _guess_until_refused(client, cart, limit)
    assert refused.status_code == 429
    assert refused.json()["code"] == "voucher_attempts_exceeded"
    retry_after = int(refused["Retry-After"])
    window = settings.VOUCHER_ATTEMPTS_WINDOW_SECONDS
    if backend == "redis":
        # the window's real remaining time: it began with the first failure just now
        assert window - 60 < retry_after <= window
    else:
        assert retry_after == window  # no TTL to read: the whole window
    assert not CartVoucher.objects.filter(cart=cart).exists()


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_successes_do_not_count(request, client, limit, backend):
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    cart = _cart()
    VoucherFactory(code="RIGHT", kind="percentage", value=Decimal("10"))
    for _ in range(limit + 2):
        assert apply_code(client, cart, "RIGHT").status_code == 200
    # all the failures are still available
    assert _guess_until_refused(client, cart, limit).status_code == 429


def test_the_counter_is_per_client_ip(client, limit):
    cart = _cart()
    VoucherFactory(code="RIGHT", kind="percentage", value=Decimal("10"))
    assert _guess_until_refused(client, cart, limit).status_code == 429
    other = client.post(
        f"/api/v1/carts/{cart.token}/voucher/",
        data={"code": "RIGHT"},
        content_type="application/json",
        REMOTE_ADDR="10.9.9.9",
    )
    assert other.status_code == 200


def test_without_a_trustworthy_address_the_cart_token_counts(client, settings, limit):
    # One proxy expected, none passed: client_ip knows no trustworthy address.
    settings.TRUSTED_PROXY_COUNT = 1
    first, second = _cart(), _cart()
    VoucherFactory(code="RIGHT", kind="percentage", value=Decimal("10"))
    assert _guess_until_refused(client, first, limit).status_code == 429
    assert apply_code(client, second, "RIGHT").status_code == 200


def test_storefront_shows_a_message_and_applies_nothing(client, limit):
    variant = CatalogVariantFactory(price=Decimal("20.00"), stock_on_hand=10)
    client.post(f"/p/{variant.product.slug}/", {"sku": variant.sku, "quantity": "2"})
    VoucherFactory(code="RIGHT", kind="percentage", value=Decimal("10"))
    for n in range(limit):
        assert client.post("/cart/voucher/", {"code": f"G{n}"}).status_code == 302
    refused = client.post("/cart/voucher/", {"code": "RIGHT"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many voucher codes tried" in html.unescape(refused.content.decode())
    assert not CartVoucher.objects.exists()
