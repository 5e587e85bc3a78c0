"""Request helpers shared by the apps: the one client identity of the project."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the caller's IP, trusting X-Forwarded-For only as far as configured.

    Behind the load balancer (and CloudFront) REMOTE_ADDR is a proxy; each trusted
    proxy (TRUSTED_PROXY_COUNT) appends one address, so the client is the Nth
    address from the right. Addresses further left are set by the caller and could
    be forged. A chain shorter than TRUSTED_PROXY_COUNT did not pass through every
    trusted proxy (a request sent around CloudFront straight to the ALB, or a
    misconfigured count): its left end is the caller's own claim, so there is no
    trustworthy address and the answer is None, as it is for an invalid one.
    Callers then count per account (sign-in) or in one shared bucket (API throttles).
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
        if len(forwarded) < hops:
            return None
        candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def ip_in_networks(ip: str | None, networks: list[str]) -> bool:
    """True when `ip` lies in one of the CIDR `networks` (never for no address)."""
    if not ip or not networks:
        return False
    address = ipaddress.ip_address(ip)
    return any(
        address in ipaddress.ip_network(network, strict=False) for network in networks
    )


# `make run` serves here; emails made outside a request in development link to it.
LOCAL_ORIGIN = "http://127.0.0.1:8000"


def site_origin(request: HttpRequest | None = None) -> str:
    """The shop's public origin: SITE_URL, else the request's, else LOCAL_ORIGIN."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return LOCAL_ORIGIN
