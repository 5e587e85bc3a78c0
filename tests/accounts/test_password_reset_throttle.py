"""Password-reset requests are throttled per address and per IP, without leaking."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.throttling import PasswordResetThrottle, ResetVerdict
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.ACCOUNTS_PASSWORD_RESET_EMAIL_MAX = 3
    settings.ACCOUNTS_PASSWORD_RESET_IP_MAX = 10
    settings.ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS = 3600
    return settings


def _request_reset(client, email, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip
    )


def _recipients():
    return [message.to[0] for message in mail.outbox]


def test_fourth_request_for_one_address_sends_nothing_and_looks_the_same(
    client, limits
):
    UserFactory(email="ada@example.com")
    for attempt in range(3):
        response = _request_reset(client, "ada@example.com", ip=f"10.0.0.{attempt}")
        assert response.status_code == 302
    assert len(mail.outbox) == 3

    # Letter case and another IP do not get around the per-address count.
    throttled = _request_reset(client, "ADA@example.com", ip="10.0.0.99")

    assert throttled.status_code == 302
    assert throttled["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 3
    page = client.get(throttled["Location"]).content.decode()
    assert "If an account uses that address, we have sent it a link" in page


def test_throttled_known_and_unknown_addresses_answer_identically(client, limits):
    UserFactory(email="ada@example.com")
    answers = {}
    for email in ("ada@example.com", "nobody@example.com"):
        for _ in range(4):
            response = _request_reset(client, email, ip="10.0.0.1")
        answers[email] = (response.status_code, response["Location"])

    assert answers["ada@example.com"] == answers["nobody@example.com"]
    assert _recipients() == ["ada@example.com"] * 3


def test_one_throttled_address_does_not_affect_others(client, limits):
    UserFactory(email="ada@example.com")
    UserFactory(email="alan@example.com")
    for _ in range(4):
        _request_reset(client, "ada@example.com")

    response = _request_reset(client, "alan@example.com")

    assert response.status_code == 302
    assert _recipients() == ["ada@example.com"] * 3 + ["alan@example.com"]


def test_address_counter_expires_with_its_window(client, limits):
    UserFactory(email="ada@example.com")
    for _ in range(4):
        _request_reset(client, "ada@example.com")
    assert len(mail.outbox) == 3

    # The window ending is the cache entry expiring: remove it as expiry would.
    throttle = PasswordResetThrottle.for_request(None, "ada@example.com")
    assert cache.get(throttle.email_key()) == 4
    cache.delete(throttle.email_key())

    _request_reset(client, "ada@example.com")
    assert len(mail.outbox) == 4


@pytest.mark.redis
def test_counters_on_redis_expire_after_the_configured_window(redis_cache, limits):
    limits.ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS = 1234
    throttle = PasswordResetThrottle(email="ada@example.com", ip="10.0.0.1")

    for _ in range(3):
        assert throttle.count_request() is ResetVerdict.ALLOWED
    assert throttle.count_request() is ResetVerdict.EMAIL_LIMIT

    # The window starts at the first request and later counts do not extend it.
    for key in (throttle.email_key(), throttle.ip_key()):
        assert 1200 < cache.ttl(key) <= 1234
    assert cache.get(throttle.email_key()) == 4


def test_too_many_requests_from_one_ip_get_429_with_the_neutral_page(client, limits):
    limits.ACCOUNTS_PASSWORD_RESET_IP_MAX = 4
    for n in range(4):
        UserFactory(email=f"user{n}@example.com")
        assert _request_reset(client, f"user{n}@example.com").status_code == 302
    UserFactory(email="victim@example.com")

    response = _request_reset(client, "victim@example.com")

    assert response.status_code == 429
    assert "If an account uses that address" in response.content.decode()
    assert "victim@example.com" not in _recipients()
    # Another IP is unaffected, and the blocked IP did not use up the address.
    assert (
        _request_reset(client, "victim@example.com", ip="10.0.0.2").status_code == 302
    )
    assert _recipients()[-1] == "victim@example.com"
    throttle = PasswordResetThrottle.for_request(None, "victim@example.com")
    assert cache.get(throttle.email_key()) == 1


def test_ip_429_does_not_depend_on_whether_the_account_exists(client, limits):
    limits.ACCOUNTS_PASSWORD_RESET_IP_MAX = 1
    UserFactory(email="ada@example.com")
    _request_reset(client, "someone@example.com")

    known = _request_reset(client, "ada@example.com")
    unknown = _request_reset(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content
