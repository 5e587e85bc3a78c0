"""Failed sign-ins are throttled per login name and per IP, storefront and admin."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.throttling import LoginThrottle, client_ip
from tests.factories.accounts import PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    settings.ACCOUNTS_LOGIN_IP_MAX_FAILURES = 5
    settings.ACCOUNTS_LOGIN_WINDOW_SECONDS = 900
    return settings


def _login(client, username, password, ip="10.0.0.1", url=None):
    return client.post(
        url or reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _fail(client, username, times, ip="10.0.0.1", url=None):
    for _ in range(times):
        response = _login(client, username, "wrong-password", ip=ip, url=url)
        assert response.status_code == 200


def test_too_many_failures_for_one_name_refuse_even_the_right_password(client, limits):
    UserFactory(username="grace")
    _fail(client, "grace", 3)

    response = _login(client, "grace", PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()


def test_name_counter_ignores_letter_case_and_other_ips(client, limits):
    UserFactory(username="grace", email="grace@example.com")
    _fail(client, "GRACE@example.com", 3, ip="10.0.0.9")

    assert (
        _login(client, "grace@example.com", PASSWORD, ip="10.0.0.2").status_code == 429
    )


def test_other_accounts_are_unaffected_by_one_names_lockout(client, limits):
    UserFactory(username="grace")
    UserFactory(username="alan")
    _fail(client, "grace", 3, ip="10.0.0.1")

    assert _login(client, "alan", PASSWORD, ip="10.0.0.2").status_code == 302


def test_one_ip_guessing_many_names_is_blocked(client, limits):
    UserFactory(username="alan")
    for n in range(5):
        _fail(client, f"victim{n}", 1, ip="192.0.2.7")

    assert _login(client, "alan", PASSWORD, ip="192.0.2.7").status_code == 429
    assert _login(client, "alan", PASSWORD, ip="192.0.2.8").status_code == 302


def test_success_resets_the_name_counter(client, limits):
    UserFactory(username="grace")
    _fail(client, "grace", 2)
    assert _login(client, "grace", PASSWORD).status_code == 302
    client.logout()

    _fail(client, "grace", 2, ip="10.0.0.3")

    assert _login(client, "grace", PASSWORD, ip="10.0.0.3").status_code == 302


def test_window_expiry_unblocks(client, limits):
    from django.core.cache import cache

    UserFactory(username="grace")
    _fail(client, "grace", 3)
    assert _login(client, "grace", PASSWORD).status_code == 429

    # Expiry is the cache's job; deleting the keys stands in for the window ending.
    throttle = LoginThrottle.for_request(None, "grace")
    cache.delete_many([key for key, _ in throttle._keys.values()])

    assert _login(client, "grace", PASSWORD).status_code == 302


def test_admin_login_is_throttled_too(client, limits, settings):
    StaffUserFactory(username="boss")
    url = reverse("admin:login")
    _fail(client, "boss", 3, url=url)

    response = _login(client, "boss", PASSWORD, url=url)

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_admin_and_storefront_share_the_counter(client, limits):
    StaffUserFactory(username="boss")
    _fail(client, "boss", 3)  # storefront

    assert (
        _login(client, "boss", PASSWORD, url=reverse("admin:login")).status_code == 429
    )


def test_admin_login_works_when_not_throttled(client, limits):
    StaffUserFactory(username="boss")

    response = _login(client, "boss", PASSWORD, url=reverse("admin:login"))

    assert response.status_code == 302
    assert SESSION_KEY in client.session


@pytest.mark.redis
def test_throttle_counts_in_shared_redis_cache(client, limits, redis_cache):
    from django.core.cache import cache

    UserFactory(username="grace")
    _fail(client, "grace", 3)

    throttle = LoginThrottle.for_request(None, "grace")
    key = throttle._keys["login"][0]
    assert cache.get(key) == 3
    assert 0 < cache.ttl(key) <= 900
    assert _login(client, "grace", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.1.1.1"),  # untrusted header is ignored
        (1, "198.51.100.9, 203.0.113.5", "203.0.113.5"),  # forged left part ignored
        (2, "203.0.113.5, 10.0.0.4", "203.0.113.5"),
    ],
)
def test_client_ip_trusts_only_configured_proxies(
    rf, settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
