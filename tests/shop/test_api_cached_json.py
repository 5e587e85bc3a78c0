"""Catalog reads for plain callers: the cached JSON before DRF's request cycle,
and throttles that count high limits in leases.

Real Redis (the throttle counters and the catalog cache live there).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from shop import caching, throttles
from shop.throttles import LEASES, AnonThrottle
from tests.factories.accounts import UserFactory
from tests.factories.shop import VariantFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def _rates(monkeypatch, anon: str) -> None:
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": anon, "user": anon}
    )


def _counter_total() -> int:
    """Every token handed out this window, over all anonymous callers."""
    return sum(int(cache.get(key) or 0) for key in cache.keys("throttle_anon*"))


@pytest.fixture(autouse=True)
def _one_window(monkeypatch) -> None:
    """Every request of a test in one throttle window (no minute boundary)."""
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 6_000_030.0))


@pytest.fixture
def product_url(redis_cache) -> str:
    variant = VariantFactory(price=Decimal("8.00"), stock_on_hand=3)
    return f"/api/v1/products/{variant.product.slug}/"


def test_plain_get_answers_the_drf_answer_from_the_cache(
    client, product_url, monkeypatch, django_assert_max_num_queries
):
    _rates(monkeypatch, "30/min")
    served_by_drf = []
    real = throttles.AnonThrottle.allow_request

    def spy(self, request, view):
        served_by_drf.append(hasattr(request, "_request"))  # DRF's Request
        return real(self, request, view)

    monkeypatch.setattr(throttles.AnonThrottle, "allow_request", spy)
    first = client.get(product_url)  # a miss: DRF builds and caches the JSON
    with django_assert_max_num_queries(0):
        second = client.get(product_url)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    for header in ("Content-Type", "Allow", "Vary"):
        assert second[header] == first[header], header
    # the miss went through the cheap path first, then DRF's cycle (counted once);
    # the hit never reached DRF
    assert served_by_drf == [False, False]
    assert _counter_total() == 2


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {"HTTP_ACCEPT": "text/html"}),  # the browsable API, by Accept
        ("?format=api", {}),  # and by ?format=
    ],
)
def test_a_browser_gets_the_browsable_api_not_the_cached_json(
    client, product_url, query, headers
):
    plain = client.get(product_url)
    other = client.get(product_url + query, **headers)
    assert other.status_code == 200
    assert other["Content-Type"].startswith("text/html")
    assert plain["Content-Type"] == "application/json"


def test_a_bad_token_is_refused_even_for_a_cached_answer(client, product_url):
    assert client.get(product_url).status_code == 200  # now cached
    response = client.get(product_url, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_the_cheap_path_is_throttled_with_drf_answer(client, product_url, monkeypatch):
    _rates(monkeypatch, "5/min")
    codes = [client.get(product_url).status_code for _ in range(8)]
    assert codes == [200] * 5 + [429] * 3
    refused = client.get(product_url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "throttled" in refused.json()["detail"].lower()


def test_list_answers_the_same_json_cached_and_signed_in(client, product_url):
    first = client.get("/api/v1/products/")
    cached = client.get("/api/v1/products/")
    client.force_login(UserFactory())
    signed_in = client.get("/api/v1/products/")  # DRF's cycle, same cached JSON
    assert first.status_code == cached.status_code == signed_in.status_code == 200
    assert first.content == cached.content == signed_in.content
    assert cached.json()["count"] == 1


def test_a_lease_takes_one_round_trip_for_many_requests_and_never_overshoots(
    client, product_url, monkeypatch
):
    _rates(monkeypatch, "500/min")  # a lease of 5 tokens
    round_trips = []
    real = caching.count_and_get_many

    def counted(**kwargs):
        round_trips.append(kwargs["amount"])
        return real(**kwargs)

    monkeypatch.setattr(caching, "count_and_get_many", counted)
    client.get(product_url)  # cache the answer
    round_trips.clear()
    codes = [client.get(product_url).status_code for _ in range(520)]

    assert codes.count(200) == 499  # 500 in the window, one spent above
    assert codes[499:] == [429] * 21
    assert round_trips[:2] == [5, 5]
    # one round trip per 5 tokens (the first 4 were left from caching the
    # answer), and one more to learn the window is spent: later refusals are
    # decided here
    assert len(round_trips) == 99 + 1


def test_processes_leasing_apart_stay_under_the_limit(client, product_url, monkeypatch):
    _rates(monkeypatch, "200/min")  # a lease of 2 tokens
    allowed = 0
    for i in range(300):
        if i % 3 == 0:
            LEASES.clear()  # the next request lands on another process
        allowed += client.get(product_url).status_code == 200
    # every third request abandons a leased token: fewer than 200, never more
    assert 130 <= allowed < 200
    assert _counter_total() >= 200


def test_low_limits_are_counted_exactly(monkeypatch):
    _rates(monkeypatch, "120/min")
    assert AnonThrottle().lease_size() == 1
    _rates(monkeypatch, "3000/min")
    assert AnonThrottle().lease_size() == 30
    _rates(monkeypatch, "100000000/min")
    assert AnonThrottle().lease_size() == throttles.LEASE_MAX
