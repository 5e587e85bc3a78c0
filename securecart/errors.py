"""Django's error views (securecart.urls handler400/404/500), in JSON under /api/,
and DRF's exception handler with the same `{"detail", "code"}` shape.

An API client gets `{"detail", "code"}` (docs/api.md) instead of an HTML page for
the errors that happen before or outside DRF's views: a body over
DATA_UPLOAD_MAX_MEMORY_SIZE (`413 too_large`, on every endpoint that reads its
body), a request Django refuses as suspicious (`400 bad_request`), an unknown API
path (`404 not_found`) and an unhandled error (`500 server_error`). Pages keep
Django's views and the project's templates; a body too large is the 413 page.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from rest_framework.response import Response
from rest_framework.views import exception_handler

API_PREFIX = "/api/"

TOO_LARGE = {"detail": "Request body too large.", "code": "too_large"}


def _api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _problem(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    too_large = isinstance(exception, RequestDataTooBig)
    if _api(request):
        if too_large:
            return _problem(413, TOO_LARGE["code"], TOO_LARGE["detail"])
        return _problem(400, "bad_request", "Bad request.")
    if too_large:  # a static page, as the 503 one: no database, no session
        return HttpResponse(render_to_string("413.html"), status=413)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return _problem(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return _problem(500, "server_error", "Server error.")
    return defaults.server_error(request)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's answer, with the code of a `{"detail"}` error beside it (`not_found`,
    `method_not_allowed`, `throttled`, `not_authenticated`, ...), as every other
    error of the API carries one. Field errors keep their `{field: [messages]}`."""
    response = exception_handler(exc, context)
    data = getattr(response, "data", None)
    if isinstance(data, dict) and "detail" in data and "code" not in data:
        code = getattr(data["detail"], "code", None)
        if code:
            data["code"] = code
    return response
