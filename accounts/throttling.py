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
from django.http import HttpRequest

from securecart.counters import counter_add, counter_cache
from securecart.http import client_ip as request_client_ip
from securecart.http import ip_in_networks

logger = logging.getLogger(__name__)

_PREFIX = "accounts:login-failures"


def client_ip(request: HttpRequest | None) -> str:
    """Return the caller's IP for throttling ("unknown" when there is none)."""
    return request_client_ip(request) or "unknown"


def _digest(value: str) -> str:
    # Hashed so that login names (often emails) never sit in the cache in clear.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginPath(enum.Enum):
    """Where a sign-in comes from; each has counters of its own (see README)."""

    STOREFRONT = "store"
    ADMIN = "admin"
    # The admin site reached from ACCOUNTS_STAFF_NETWORKS (office, VPN, bastion).
    STAFF_NETWORK = "staff-network"


@dataclass(frozen=True)
class LoginThrottle:
    """The counters one sign-in attempt is checked against.

    - per account (login name): shared by the storefront and the public admin
      path, so guessing one account's password is not twice as fast through two
      forms;
    - per client IP, separately for the storefront and the admin site, so
      shoppers' failures never count against the admin form; skipped when
      `client_ip` knows no trustworthy address (then per account only);
    - on the staff-network path (admin site, client IP in ACCOUNTS_STAFF_NETWORKS)
      only a per-account counter of that path: failures from anywhere else never
      block a staff member who signs in from inside, and failures inside still do.
    """

    login: str
    ip: str | None
    path: LoginPath = LoginPath.STOREFRONT

    @classmethod
    def for_request(
        cls, request: HttpRequest | None, login: str, *, admin: bool = False
    ) -> LoginThrottle:
        ip = request_client_ip(request)
        path = LoginPath.ADMIN if admin else LoginPath.STOREFRONT
        if admin and ip_in_networks(ip, settings.ACCOUNTS_STAFF_NETWORKS):
            path = LoginPath.STAFF_NETWORK
        return cls(login=login.strip().lower(), ip=ip, path=path)

    @property
    def _keys(self) -> dict[str, tuple[str, int]]:
        keys: dict[str, tuple[str, int]] = {}
        if self.ip and self.path is not LoginPath.STAFF_NETWORK:
            keys["ip"] = (
                f"{_PREFIX}:{self.path.value}:ip:{_digest(self.ip)}",
                settings.ACCOUNTS_LOGIN_IP_MAX_FAILURES,
            )
        if self.login:
            scope = "staff-network:" if self.path is LoginPath.STAFF_NETWORK else ""
            keys["login"] = (
                f"{_PREFIX}:{scope}login:{_digest(self.login)}",
                settings.ACCOUNTS_LOGIN_MAX_FAILURES,
            )
        return keys

    def attempt(self) -> bool:
        """Count this attempt on every counter, then say whether it may proceed.

        Counting first and comparing the new value (an atomic INCR on Redis) lets
        at most the limit of concurrent guesses through, however they interleave
        with the password hash. A success gives its count back (record_success).
        """
        window = settings.ACCOUNTS_LOGIN_WINDOW_SECONDS
        allowed = True
        for key, limit in self._keys.values():
            if counter_add(key, window) > limit:
                allowed = False
        return allowed

    def retry_after(self) -> int:
        """Seconds until the longest-lived counter of this attempt expires."""
        window = settings.ACCOUNTS_LOGIN_WINDOW_SECONDS
        ttl = getattr(counter_cache(), "ttl", None)
        if ttl is None:
            return window
        remaining = [ttl(key) or 0 for key, _ in self._keys.values()]
        return max([1, *[r for r in remaining if isinstance(r, int)]])

    def record_success(self) -> None:
        """Forget the login name's failures and give back this attempt's IP count.

        The IP's earlier failures are kept: clearing them on success would let
        someone with one valid account reset the counter between guesses at others.
        """
        cache = counter_cache()
        keys = self._keys
        if "login" in keys:
            cache.delete(keys["login"][0])
        if "ip" in keys:
            try:
                cache.decr(keys["ip"][0])
            except ValueError:
                pass  # expired meanwhile
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
    ip: str | None

    @classmethod
    def for_request(
        cls, request: HttpRequest | None, email: str
    ) -> PasswordResetThrottle:
        # No trustworthy address (securecart.http.client_ip): per address only.
        return cls(email=email.strip().lower(), ip=request_client_ip(request))

    def email_key(self) -> str:
        return f"{_RESET_PREFIX}:email:{_digest(self.email)}"

    def ip_key(self) -> str:
        return f"{_RESET_PREFIX}:ip:{_digest(self.ip or '')}"

    def count_request(self) -> ResetVerdict:
        """Count this request and say whether an email may be sent for it.

        Counting first and comparing the new value (an atomic INCR on Redis)
        keeps concurrent requests from all slipping under the limit. The IP is
        checked first and a refused IP does not touch the address's counter:
        otherwise one blocked flooder could keep the owner from ever getting
        a reset link.
        """
        window = settings.ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS
        if (
            self.ip
            and counter_add(self.ip_key(), window)
            > settings.ACCOUNTS_PASSWORD_RESET_IP_MAX
        ):
            return ResetVerdict.IP_LIMIT
        if self.email and (
            counter_add(self.email_key(), window)
            > settings.ACCOUNTS_PASSWORD_RESET_EMAIL_MAX
        ):
            return ResetVerdict.EMAIL_LIMIT
        return ResetVerdict.ALLOWED


_SIGNUP_PREFIX = "accounts:signup"


def signup_allowed(request: HttpRequest) -> bool:
    """Count one sign-up attempt for the client's IP; False beyond the limit.

    Without a trustworthy address (securecart.http.client_ip) attempts share one
    "unknown" bucket, so hiding the address does not lift the limit.
    """
    key = f"{_SIGNUP_PREFIX}:ip:{_digest(client_ip(request))}"
    window = settings.ACCOUNTS_SIGNUP_WINDOW_SECONDS
    return counter_add(key, window) <= settings.ACCOUNTS_SIGNUP_IP_MAX


def signup_email_allowed(email: str) -> bool:
    """Count one API sign-up for this address; False beyond the limit.

    Every request counts, whether or not an account uses the address, and the
    caller answers the same either way (nothing is sent beyond the limit).
    """
    key = f"{_SIGNUP_PREFIX}:email:{_digest(email.strip().lower())}"
    window = settings.ACCOUNTS_SIGNUP_WINDOW_SECONDS
    return counter_add(key, window) <= settings.ACCOUNTS_SIGNUP_EMAIL_MAX
