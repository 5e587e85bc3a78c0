"""Sign-in counters behind the load balancer: per account when no client address
is known, separate admin counters, the staff-network path, counting before the
password check (parallel guesses) and Retry-After."""

import threading

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.throttling import LoginThrottle
from tests.factories.accounts import PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 3
    settings.ACCOUNTS_LOGIN_IP_MAX_FAILURES = 5
    settings.ACCOUNTS_LOGIN_WINDOW_SECONDS = 900
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNTS_STAFF_NETWORKS = ["10.20.0.0/16"]
    return settings


ALB = "10.0.5.5"  # the load balancer: REMOTE_ADDR of every request


def _login(client, username, password, *, forwarded, admin=False):
    url = reverse("admin:login") if admin else reverse("accounts:login")
    return client.post(
        url,
        {"username": username, "password": password},
        REMOTE_ADDR=ALB,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_without_a_trusted_address_failures_count_per_account_only(client, limits):
    """A chain shorter than TRUSTED_PROXY_COUNT used to fall back to its (forged)
    left end, or with one shared address lock every shopper out together."""
    UserFactory(username="alan")
    for n in range(8):  # more than the IP limit, each on another account
        assert _login(client, f"shopper{n}", "wrong", forwarded="").status_code == 200

    assert _login(client, "alan", PASSWORD, forwarded="").status_code == 302


def test_shoppers_failures_do_not_lock_staff_out_of_admin(client, limits):
    StaffUserFactory(username="boss")
    office_nat = "198.51.100.20"  # shoppers and staff behind one public address
    for n in range(6):
        _login(client, f"shopper{n}", "wrong", forwarded=office_nat)
    assert _login(client, "alan", PASSWORD, forwarded=office_nat).status_code == 429

    response = _login(client, "boss", PASSWORD, forwarded=office_nat, admin=True)

    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_admin_failures_from_one_ip_are_limited_on_the_admin_counter(client, limits):
    StaffUserFactory(username="boss")
    for n in range(5):
        _login(client, f"guess{n}", "wrong", forwarded="192.0.2.7", admin=True)

    assert (
        _login(client, "boss", PASSWORD, forwarded="192.0.2.7", admin=True).status_code
        == 429
    )
    # The storefront's counter for that address is untouched.
    UserFactory(username="alan")
    assert _login(client, "alan", PASSWORD, forwarded="192.0.2.7").status_code == 302


def test_staff_network_path_is_not_blocked_by_others_failures(client, limits):
    StaffUserFactory(username="boss")
    for _ in range(3):
        _login(client, "boss", "wrong", forwarded="203.0.113.66", admin=True)
    public = _login(client, "boss", PASSWORD, forwarded="203.0.113.9", admin=True)
    assert public.status_code == 429  # the account is locked on the public path

    inside = _login(client, "boss", PASSWORD, forwarded="10.20.1.5", admin=True)

    assert inside.status_code == 302
    assert SESSION_KEY in client.session


def test_staff_network_path_still_counts_its_own_failures(client, limits):
    StaffUserFactory(username="boss")
    for _ in range(3):
        _login(client, "boss", "wrong", forwarded="10.20.1.5", admin=True)

    response = _login(client, "boss", PASSWORD, forwarded="10.20.1.5", admin=True)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_staff_network_path_cannot_be_claimed_with_a_forged_header(client, limits):
    StaffUserFactory(username="boss")
    for _ in range(3):
        _login(client, "boss", "wrong", forwarded="203.0.113.66", admin=True)

    # The ALB appends the real address; the forged one on the left is ignored.
    forged = _login(
        client, "boss", PASSWORD, forwarded="10.20.1.5, 203.0.113.66", admin=True
    )

    assert forged.status_code == 429


def test_throttled_sign_in_says_when_to_retry(client, limits):
    UserFactory(username="grace")
    for _ in range(3):
        _login(client, "grace", "wrong", forwarded="192.0.2.1")

    response = _login(client, "grace", PASSWORD, forwarded="192.0.2.1")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 900


@pytest.mark.redis
def test_parallel_guesses_never_pass_the_limit(limits, redis_cache):
    """Check-then-increment let 9-10 of 10 parallel guesses through a limit of 5."""
    limits.ACCOUNTS_LOGIN_MAX_FAILURES = 5
    throttle = LoginThrottle(login="victim", ip=None)
    barrier = threading.Barrier(20)
    allowed: list[bool] = []

    def guess():
        barrier.wait(timeout=10)
        allowed.append(throttle.attempt())

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(allowed) == 20
    assert allowed.count(True) == 5


def test_password_reset_without_a_trusted_address_counts_per_address(client, limits):
    """Behind the load balancer with a short chain, one shared "unknown" IP
    counter would have refused everyone's reset after ten requests."""
    limits.ACCOUNTS_PASSWORD_RESET_IP_MAX = 2
    codes = [
        client.post(
            reverse("accounts:password_reset"),
            {"email": f"user{n}@example.com"},
            REMOTE_ADDR=ALB,
        ).status_code
        for n in range(6)
    ]

    assert codes == [302] * 6
