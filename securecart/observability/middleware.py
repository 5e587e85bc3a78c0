"""Request latency per route (the URL pattern, not the path: bounded labels)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import metrics


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return "/" + (match.route or match.view_name or "")


# Methods the shop answers; any other name a client sends is labelled "other", so
# a caller cannot mint metric series at will.
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def method_label(request: HttpRequest) -> str:
    method = request.method or ""
    return method if method in KNOWN_METHODS else "other"


def is_checkout(route: str) -> bool:
    return "checkout" in route


class RequestMetricsMiddleware:
    """Time each request from just inside RequestIdMiddleware to the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        status = f"{response.status_code // 100}xx"
        metrics.HTTP_LATENCY.record(
            elapsed, route=route, method=method_label(request), status=status
        )
        if is_checkout(route):
            metrics.CHECKOUT_LATENCY.record(elapsed, route=route, status=status)
        return response
