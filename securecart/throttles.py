"""DRF throttles that know the caller by the project's one client identity.

DRF's own `get_ident` trusts the whole X-Forwarded-For header unless NUM_PROXIES
is set, so a new forged value per request is a new caller (and a new cache key):
unthrottled. Here the caller is `securecart.http.client_ip` (TRUSTED_PROXY_COUNT
from the right); callers with no trustworthy address share one bucket.
"""

from __future__ import annotations

from rest_framework import throttling

from .http import client_ip

UNKNOWN_CLIENT = "unknown"


class ClientIdentMixin:
    def get_ident(self, request) -> str:
        return client_ip(request) or UNKNOWN_CLIENT


class AnonRateThrottle(ClientIdentMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientIdentMixin, throttling.UserRateThrottle):
    pass
