"""Request helpers shared by the apps."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the caller's IP, trusting X-Forwarded-For only as far as configured.

    Behind the load balancer (and CloudFront) REMOTE_ADDR is a proxy; each trusted
    proxy (TRUSTED_PROXY_COUNT) appends one address, so the client is the Nth
    address from the right. Addresses further left are set by the caller and could
    be forged. Returns None when no valid address is known.
    """
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
        elif forwarded:
            candidate = forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
