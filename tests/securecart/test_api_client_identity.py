"""DRF throttles know a caller by securecart.http.client_ip: a forged
X-Forwarded-For per request is neither a new caller nor a new Redis key."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

ALB = "10.0.5.5"
ATTACKER = "203.0.113.9"  # what the load balancer appends: not forgeable


@pytest.fixture
def behind_alb(settings, monkeypatch, redis_cache):
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"}
    )
    return redis_cache


def _call(client, method, url, n):
    headers = {
        "REMOTE_ADDR": ALB,
        "HTTP_X_FORWARDED_FOR": f"198.18.{n // 250}.{n % 250}, {ATTACKER}",
    }
    if method == "post":
        return client.post(
            url,
            data="{}",
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"k-{n}",
            **headers,
        )
    return client.get(url, **headers)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/checkout/"),
        ("get", "/api/v1/shipping-methods/"),
        ("get", "/api/v1/products/"),
    ],
)
def test_rotating_forwarded_for_does_not_escape_the_throttle(
    client, behind_alb, method, url
):
    from django.core.cache import cache

    codes = [_call(client, method, url, n).status_code for n in range(30)]

    # (a Redis op timing out on a busy machine only delays the 429)
    assert 429 in codes[3:8], codes
    assert codes[-1] == 429
    throttle_keys = [key for key in cache.keys("*") if "throttle" in key]
    assert len(throttle_keys) <= 2, throttle_keys


def test_callers_without_a_trusted_address_share_one_bucket(client, behind_alb):
    codes = [
        client.get(
            "/api/v1/shipping-methods/",
            REMOTE_ADDR="10.0.9.9",  # straight to a task, around the load balancer
            HTTP_X_FORWARDED_FOR="",
        ).status_code
        for _ in range(10)
    ]

    assert 429 in codes
