"""Voucher-code guessing throttle: failed code attempts per client identity.

The caller is `securecart.http.client_ip`; without a trustworthy address, the
cart token (a guesser without an address still cannot go past the limit on
one cart, and a new cart per guess is throttled by the API's rate limits).
An attempt counts first (atomic INCR, the new value compared with
VOUCHER_ATTEMPTS_MAX) and a code that applies gives its count back, so only
failures stay counted within VOUCHER_ATTEMPTS_WINDOW_SECONDS. Beyond the limit
nothing is looked up or applied, right code or wrong, until the window ends.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from securecart.counters import counter_add, counter_give_back, counter_retry_after
from securecart.http import client_ip

_PREFIX = "promotions:voucher-attempts"


@dataclass(frozen=True)
class VoucherThrottle:
    key: str

    @classmethod
    def for_request(cls, request: HttpRequest, *, cart_token: str) -> VoucherThrottle:
        ip = client_ip(request)
        ident = f"ip:{ip}" if ip else f"cart:{cart_token}"
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        return cls(key=f"{_PREFIX}:{digest}")

    def attempt(self) -> bool:
        """Count this attempt; False once the limit of failures is passed."""
        window = settings.VOUCHER_ATTEMPTS_WINDOW_SECONDS
        return counter_add(self.key, window) <= settings.VOUCHER_ATTEMPTS_MAX

    def record_success(self) -> None:
        """The code applied: this attempt was no failure."""
        counter_give_back(self.key)

    def retry_after(self) -> int:
        return counter_retry_after(self.key, settings.VOUCHER_ATTEMPTS_WINDOW_SECONDS)
