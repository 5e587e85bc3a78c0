"""Partner calls through API Gateway: the partner header counts only with its secret.

API Gateway sets X-Api-Partner (the API key id) and X-Api-Gateway-Verify (a secret
only it has) on every request; anyone can send X-Api-Partner through CloudFront.
"""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import path
from rest_framework.throttling import SimpleRateThrottle

from securecart.partners import ApiPartnerMiddleware, api_partner

SECRET = "s3cr3t-value-only-api-gateway-has"
KEY_ID = "a1b2c3d4e5"
PARTNERS = {KEY_ID: "acme-mobile", "z9y8x7w6v5": "globex"}
CLIENT = "203.0.113.9"

logger = logging.getLogger("securecart.test")


def _logging_view(request):
    logger.warning("partner view")
    return HttpResponse(request.api_partner or "-")


urlpatterns = [path("partner-log/", _logging_view)]


def gateway_headers(key_id: str = KEY_ID, secret: str = SECRET) -> dict[str, str]:
    return {
        "HTTP_X_API_PARTNER": key_id,
        "HTTP_X_API_GATEWAY_VERIFY": secret,
        "REMOTE_ADDR": "10.0.5.5",
        "HTTP_X_FORWARDED_FOR": f"{CLIENT}, 10.0.9.9",
    }


@pytest.fixture
def gateway(settings):
    settings.API_GATEWAY_VERIFY_SECRET = SECRET
    settings.API_GATEWAY_PARTNERS = PARTNERS
    settings.TRUSTED_PROXY_COUNT = 2
    return settings


# --- who is a partner ---------------------------------------------------------------


def test_with_the_secret_the_key_id_names_the_partner(gateway):
    request = RequestFactory().get("/api/v1/products/", **gateway_headers())
    assert api_partner(request) == "acme-mobile"
    other = RequestFactory().get("/", **gateway_headers(key_id="z9y8x7w6v5"))
    assert api_partner(other) == "globex"


def test_an_unmapped_key_id_is_its_own_name(gateway):
    request = RequestFactory().get("/", **gateway_headers(key_id="newkey42"))
    assert api_partner(request) == "newkey42"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_PARTNER": KEY_ID},  # no secret: a forged header via CloudFront
        gateway_headers(secret="guess"),
        gateway_headers(secret=SECRET + "x"),
        gateway_headers(secret=""),
        gateway_headers(key_id=""),  # API Gateway always sends one
        gateway_headers(key_id="acme mobile\nforged"),
    ],
    ids=["no-secret", "wrong", "longer", "empty-secret", "no-key", "unsafe-key"],
)
def test_without_the_right_secret_the_partner_header_is_ignored(gateway, headers):
    assert api_partner(RequestFactory().get("/", **headers)) is None


def test_nothing_is_a_partner_call_while_no_secret_is_configured(settings):
    settings.API_GATEWAY_VERIFY_SECRET = ""
    settings.API_GATEWAY_PARTNERS = PARTNERS
    request = RequestFactory().get("/", **gateway_headers(secret=""))
    assert api_partner(request) is None


def test_the_middleware_marks_the_request_and_its_log_context(gateway):
    from securecart.logging import RequestIdFilter

    seen = {}

    def view(request):
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)
        RequestIdFilter().filter(record)
        seen["partner"], seen["record"] = request.api_partner, record.partner
        return HttpResponse("ok")

    ApiPartnerMiddleware(view)(RequestFactory().get("/", **gateway_headers()))
    assert seen == {"partner": "acme-mobile", "record": "acme-mobile"}
    # Reset after the request: a later log line names nobody.
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)
    RequestIdFilter().filter(record)
    assert record.partner is None


# --- the JSON log lines name the partner ------------------------------------------


@override_settings(ROOT_URLCONF=__name__)
def test_log_lines_of_a_partner_call_name_the_partner(client, gateway, json_log_lines):
    assert client.get("/partner-log/", **gateway_headers()).content == b"acme-mobile"
    forged = client.get("/partner-log/", HTTP_X_API_PARTNER=KEY_ID)
    assert forged.content == b"-"
    lines = [line for line in json_log_lines() if line["message"] == "partner view"]
    assert [line["partner"] for line in lines] == ["acme-mobile", None]


# --- DRF throttles count per partner, only with the secret ----------------------------


@pytest.fixture
def rates(gateway, monkeypatch, redis_cache):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "3/min", "user": "50/min", "partner": "6/min"},
    )
    return redis_cache


def _codes(client, url, n, **headers):
    return [client.get(url, **headers).status_code for _ in range(n)]


@pytest.mark.django_db
@pytest.mark.redis
@pytest.mark.parametrize("url", ["/api/v1/shipping-methods/", "/api/v1/products/"])
def test_a_partner_gets_its_own_bucket_at_the_partner_rate(client, rates, url):
    from django.core.cache import cache

    acme = _codes(client, url, 9, **gateway_headers())
    assert acme[:6] == [200] * 6, acme
    assert acme[-1] == 429
    # Another partner is not throttled by acme's calls ...
    assert _codes(client, url, 1, **gateway_headers(key_id="z9y8x7w6v5")) == [200]
    # ... and the throttle's key names the partner.
    keys = [k for k in cache.keys("*") if "throttle" in k]
    assert any("partner:acme-mobile" in k for k in keys), keys
    assert any("partner:globex" in k for k in keys), keys


@pytest.mark.django_db
@pytest.mark.redis
def test_a_forged_partner_header_is_counted_by_the_callers_address(client, rates):
    from django.core.cache import cache

    url = "/api/v1/shipping-methods/"
    forged = {**gateway_headers(secret="guess")}
    codes = _codes(client, url, 6, **forged)
    assert codes[:3] == [200] * 3 and codes[-1] == 429, codes
    keys = [k for k in cache.keys("*") if "throttle" in k]
    assert not any("partner" in k for k in keys), keys
    assert any(CLIENT in k for k in keys), keys
