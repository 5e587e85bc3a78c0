"""Project middleware."""

import logging
import re
import uuid
from collections.abc import Callable
from functools import lru_cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)

from .database_wait import bounded_waits
from .request_context import request_id_var

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"
# Accept a caller's id only if it is short and plain, so it cannot forge log lines.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class RequestIdMiddleware:
    """Take X-Request-ID from the caller (or make one) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # From META: request.headers would build a dict of every header first.
        incoming = request.META.get(_REQUEST_ID_META, "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RejectNulMiddleware:
    """Answer 400 to a request whose path or query string carries a NUL character.

    PostgreSQL text cannot hold NUL, so any lookup by such a value (an order number,
    a cart token, a search term) would fail in the database with a 500. No URL or
    parameter of the shop ever needs one; form and JSON fields reject it in their
    own validation (Django's and DRF's CharField).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest(
                "Bad request: NUL character in URL.", content_type="text/plain"
            )
        return self.get_response(request)


DATABASE_RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Answer 503 with a static page when the database cannot be reached.

    The wait for a pooled connection and, while this middleware serves a request,
    for each answer of the database are bounded by DATABASE_REQUEST_TIMEOUT_SECONDS
    (settings.database_config, securecart/database_wait.py): a database that is
    down, or stops answering while a request holds a connection, costs each
    request about that long instead of holding the worker. The page renders without
    the database (no request context, so no session or user lookups).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.query_timeout = float(
            getattr(settings, "DATABASE_REQUEST_TIMEOUT_SECONDS", 0)
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with bounded_waits(self.query_timeout):
            return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        from django.db import InterfaceError, OperationalError
        from django.template.loader import render_to_string

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response


# Attributes through which a view's decorators vary the policy of one response.
_CSP_RESPONSE_PARTS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_CSP_HEADERS = (
    (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
)


@lru_cache(maxsize=1)
def _settings_policies() -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """(header, policy, exempt attribute, excluded prefixes) from the settings,
    built once (again after a settings change, see below)."""
    built = []
    for header, setting, exempt, report_only in _CSP_HEADERS:
        conf = getattr(settings, setting, None) or {}
        prefixes = tuple(conf.get("EXCLUDE_URL_PREFIXES", None) or ())
        built.append((header, build_policy(report_only=report_only), exempt, prefixes))
    return tuple(built)


@receiver(setting_changed)
def _settings_policies_clear(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policies.cache_clear()


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware with the header built once from the settings.

    The policy only varies per response when the view used a nonce or a csp
    decorator; those responses go through django-csp unchanged. The others get
    the same headers under the same rules (not over one already set, not when
    exempt, not under an excluded prefix), without rebuilding the policy string.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _CSP_RESPONSE_PARTS
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (500, 404):
            return response
        for header, policy, exempt, prefixes in _settings_policies():
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
