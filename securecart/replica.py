"""Read-your-writes for web requests on a primary + read replicas.

`ReplicaPinMiddleware` opens a routing context per request (see
securecart.db_routers). A request that writes reads the primary for the rest of
the request and, where reads may go to a replica, answers with a signed
`replica_pin` cookie; while that cookie is younger than REPLICA_PIN_SECONDS the
shopper's or staff member's requests read the primary too, so nobody misses their
own cart change, order or admin edit while the replica catches up. A safe (GET/HEAD) request whose replica fails
mid-request is retried once on the primary instead of answering 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from .db_routers import mark_replica_unhealthy, routing_context

logger = logging.getLogger(__name__)

PIN_COOKIE = "replica_pin"
PIN_SALT = "securecart.replica.pin"


def request_is_pinned(request: HttpRequest) -> bool:
    """Whether the request carries a valid pin cookie younger than the window."""
    if PIN_COOKIE not in request.COOKIES:
        return False
    value = request.get_signed_cookie(
        PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
    )
    return value is not None


def _replicas_read() -> bool:
    """Whether reads may go to a replica at all: without one (or with routing
    off) there is nothing to pin to the primary, and no cookie to sign."""
    return bool(settings.REPLICA_ROUTING_ENABLED and settings.REPLICA_DATABASES)


class ReplicaPinMiddleware:
    """Route this request's reads; pin the client to the primary after a write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pinned = request_is_pinned(request)
        with routing_context(
            pinned=pinned,
            reason="replica_pin cookie of a recent write" if pinned else "",
        ) as state:
            request.db_routing = state  # type: ignore[attr-defined]
            response = self.get_response(request)
        if state.wrote and _replicas_read():
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        state = getattr(request, "db_routing", None)
        if (
            state is None
            or not state.replicas_used
            or state.retried
            or request.method not in ("GET", "HEAD")
            or not isinstance(exception, OperationalError | InterfaceError)
        ):
            return None
        for alias in state.replicas_used:
            mark_replica_unhealthy(alias, f"failed during a request: {exception}")
        logger.warning(
            "replica %s failed mid-request (%s): retrying on the primary",
            ",".join(sorted(state.replicas_used)),
            exception,
        )
        state.retried = True
        state.replica_reads = False
        state.reason = "retry on the primary after a replica failure"
        match = request.resolver_match
        if match is None:
            return None
        response = match.func(request, *match.args, **match.kwargs)
        return response
