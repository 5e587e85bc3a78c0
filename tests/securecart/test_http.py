import pytest

from securecart.http import client_ip


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.1.1.1", "203.0.113.5", "10.1.1.1"),  # header ignored without proxies
        (1, "10.1.1.1", "198.51.100.9, 203.0.113.5", "203.0.113.5"),
        (1, "10.1.1.1", "not-an-ip", None),  # garbage never reaches the database
        (0, "", "", None),
        (2, "10.1.1.1", "2001:db8::1, 10.0.0.4", "2001:db8::1"),
        # A chain shorter than the trusted proxies did not pass through all of
        # them: its left end is the caller's own claim, so no address at all.
        (2, "10.1.1.1", "203.0.113.5", None),
        (1, "10.1.1.1", "", None),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    rf, settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
