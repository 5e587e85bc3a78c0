"""Sign-in throttling: failed attempts counted per login name and per client IP.

Counters live in the shared cache (Redis in production) so every web process
sees the same numbers. A window starts at the first failure and lasts
ACCOUNTS_LOGIN_WINDOW_SECONDS; reaching the limit refuses further attempts,
right or wrong, until the window ends, so a guesser learns nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from securecart.http import client_ip as request_client_ip

logger = logging.getLogger(__name__)

_PREFIX = "accounts:login-failures"


def client_ip(request: HttpRequest | None) -> str:
    """Return the caller's IP for throttling ("unknown" when there is none)."""
    return request_client_ip(request) or "unknown"


def _digest(value: str) -> str:
    # Hashed so that login names (often emails) never sit in the cache in clear.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LoginThrottle:
    """The two counters one sign-in attempt is checked against."""

    login: str
    ip: str

    @classmethod
    def for_request(cls, request: HttpRequest | None, login: str) -> LoginThrottle:
        return cls(login=login.strip().lower(), ip=client_ip(request))

    @property
    def _keys(self) -> dict[str, tuple[str, int]]:
        keys = {
            "ip": (
                f"{_PREFIX}:ip:{_digest(self.ip)}",
                settings.ACCOUNTS_LOGIN_IP_MAX_FAILURES,
            )
        }
        if self.login:
            keys["login"] = (
                f"{_PREFIX}:login:{_digest(self.login)}",
                settings.ACCOUNTS_LOGIN_MAX_FAILURES,
            )
        return keys

    def is_blocked(self) -> bool:
        """Return True when either counter has reached its limit."""
        counts = cache.get_many([key for key, _ in self._keys.values()])
        return any(counts.get(key, 0) >= limit for key, limit in self._keys.values())

    def record_failure(self) -> None:
        window = settings.ACCOUNTS_LOGIN_WINDOW_SECONDS
        for key, _limit in self._keys.values():
            # add() starts the window only once; incr() keeps the key's expiry.
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:
                # Expired between add() and incr(), or the cache is unreachable
                # (django-redis ignores its errors): start again at one. A cache
                # outage leaves sign-in unthrottled rather than locking all out.
                cache.set(key, 1, timeout=window)

    def record_success(self) -> None:
        """Forget the login name's failures.

        The IP counter is kept: clearing it on success would let someone with
        one valid account reset it between guesses at other accounts.
        """
        key_and_limit = self._keys.get("login")
        if key_and_limit is not None:
            cache.delete(key_and_limit[0])
        logger.debug("login throttle reset for a successful sign-in")
