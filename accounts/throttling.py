"""Sign-in and password-reset throttling, counted in the shared cache.

Failed sign-ins are counted per login name and per client IP; password-reset
requests per submitted email address and per client IP.

Counters live in the shared cache (Redis in production) so every web process
sees the same numbers. A sign-in window starts at the first failure and lasts
ACCOUNTS_LOGIN_WINDOW_SECONDS; reaching the limit refuses further attempts,
right or wrong, until the window ends, so a guesser learns nothing.
"""

from __future__ import annotations

import enum
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


def _count(key: str, window: int) -> int:
    """Add one to a windowed counter and return the new count."""
    # add() starts the window only once; incr() keeps the key's expiry.
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:
        # Expired between add() and incr(), or the cache is unreachable
        # (django-redis ignores its errors): start again at one. A cache
        # outage leaves the action unthrottled rather than locking all out.
        cache.set(key, 1, timeout=window)
        return 1


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
            _count(key, window)

    def record_success(self) -> None:
        """Forget the login name's failures.

        The IP counter is kept: clearing it on success would let someone with
        one valid account reset it between guesses at other accounts.
        """
        key_and_limit = self._keys.get("login")
        if key_and_limit is not None:
            cache.delete(key_and_limit[0])
        logger.debug("login throttle reset for a successful sign-in")


class ResetVerdict(enum.Enum):
    ALLOWED = "allowed"
    EMAIL_LIMIT = "email_limit"
    IP_LIMIT = "ip_limit"


_RESET_PREFIX = "accounts:password-reset"


@dataclass(frozen=True)
class PasswordResetThrottle:
    """Reset-email requests counted per submitted address and per client IP.

    Every request counts, whether or not an account uses the address, so the
    counters themselves say nothing about which addresses exist. The window
    starts at the first request and lasts ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS.
    """

    email: str
    ip: str

    @classmethod
    def for_request(
        cls, request: HttpRequest | None, email: str
    ) -> PasswordResetThrottle:
        return cls(email=email.strip().lower(), ip=client_ip(request))

    def email_key(self) -> str:
        return f"{_RESET_PREFIX}:email:{_digest(self.email)}"

    def ip_key(self) -> str:
        return f"{_RESET_PREFIX}:ip:{_digest(self.ip)}"

    def count_request(self) -> ResetVerdict:
        """Count this request and say whether an email may be sent for it.

        Counting first and comparing the new value (an atomic INCR on Redis)
        keeps concurrent requests from all slipping under the limit. The IP is
        checked first and a refused IP does not touch the address's counter:
        otherwise one blocked flooder could keep the owner from ever getting
        a reset link.
        """
        window = settings.ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS
        if _count(self.ip_key(), window) > settings.ACCOUNTS_PASSWORD_RESET_IP_MAX:
            return ResetVerdict.IP_LIMIT
        if self.email and (
            _count(self.email_key(), window)
            > settings.ACCOUNTS_PASSWORD_RESET_EMAIL_MAX
        ):
            return ResetVerdict.EMAIL_LIMIT
        return ResetVerdict.ALLOWED
