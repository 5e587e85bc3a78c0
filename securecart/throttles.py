"""DRF throttles that know the caller by the project's one client identity.

DRF's own `get_ident` trusts the whole X-Forwarded-For header unless NUM_PROXIES
is set, so a new forged value per request is a new caller (and a new cache key):
unthrottled. Here the caller is `securecart.http.client_ip` (TRUSTED_PROXY_COUNT
from the right); callers with no trustworthy address share one bucket.

A partner call through API Gateway (securecart.partners, trusted only with its
secret header) is counted per partner instead, at the "partner" rate
(API_THROTTLE_PARTNER): API Gateway's usage plan limits each partner first, this is
the app's own ceiling. Signed-in users stay counted per user.
"""

from __future__ import annotations

from rest_framework import throttling

from .http import client_ip
from .partners import api_partner

UNKNOWN_CLIENT = "unknown"
PARTNER_SCOPE = "partner"


class ClientIdentMixin:
    THROTTLE_RATES: dict[str, str | None]

    def get_ident(self, request) -> str:
        partner = api_partner(request)
        if partner is not None:
            return f"partner:{partner}"
        return client_ip(request) or UNKNOWN_CLIENT

    def get_cache_key(self, request, view) -> str | None:
        key = super().get_cache_key(request, view)  # type: ignore[misc]
        user = getattr(request, "user", None)
        signed_in = bool(user and user.is_authenticated)
        if key is not None and not signed_in and api_partner(request) is not None:
            self._use_partner_rate()
        return key

    def _use_partner_rate(self) -> None:
        # Callers read num_requests/duration after get_cache_key (DRF's and the
        # shop's fixed-window allow_request both do).
        rate = self.THROTTLE_RATES.get(PARTNER_SCOPE)
        if rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)  # type: ignore[attr-defined]


class AnonRateThrottle(ClientIdentMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientIdentMixin, throttling.UserRateThrottle):
    pass
