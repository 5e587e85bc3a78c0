"""The base of the shop's API views: domain errors as HTTP answers, and plain
callers answered before DRF's request cycle (`PlainJsonApi`)."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .exceptions import (
    CartLineNotFound,
    InsufficientStock,
    InvalidQuantity,
    ProductUnavailable,
    ShopError,
    UnknownSku,
)
from .throttles import SHOP_THROTTLES

# The one place domain errors become HTTP statuses.
SHOP_ERROR_STATUS: dict[type[ShopError], int] = {
    InsufficientStock: status.HTTP_409_CONFLICT,
    CartLineNotFound: status.HTTP_404_NOT_FOUND,
    UnknownSku: status.HTTP_400_BAD_REQUEST,
    ProductUnavailable: status.HTTP_400_BAD_REQUEST,
    InvalidQuantity: status.HTTP_400_BAD_REQUEST,
}


def shop_error_answer(error: ShopError) -> tuple[dict, int]:
    """The body and status the API answers a domain error with."""
    body: dict = {"detail": error.message, "code": error.code}
    if error.field:
        body[error.field] = [error.message]
    if isinstance(error, InsufficientStock):
        body.update(sku=error.sku, requested=error.requested, available=error.available)
    status_code = next(
        (code for cls, code in SHOP_ERROR_STATUS.items() if isinstance(error, cls)),
        status.HTTP_400_BAD_REQUEST,
    )
    return body, status_code


class ShopApiView(APIView):
    throttle_classes = SHOP_THROTTLES

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ShopError):
            body, status_code = shop_error_answer(exc)
            return Response(body, status=status_code)
        return super().handle_exception(exc)


# Accept headers for which DRF's negotiation picks the plain JSON renderer.
_PLAIN_JSON_ACCEPT = frozenset({"", "*/*", "application/json"})


def _plain_caller(request: HttpRequest) -> bool:
    """A caller DRF's cycle would treat as any other anonymous one, answered in
    JSON: no session cookie, no Authorization header (either may make DRF answer
    differently, e.g. 401 for a bad token), JSON by Accept and no ?format=; a
    body, if any, is JSON in UTF-8."""
    return (
        request.META.get("HTTP_ACCEPT", "").strip() in _PLAIN_JSON_ACCEPT
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "format" not in request.GET
        and (
            request.method == "GET"
            or (
                request.content_type == "application/json"
                and (request.content_params or {}).get("charset", "utf-8").lower()
                in ("utf-8", "utf8")
            )
        )
    )


def _refuse_constant(name: str) -> None:
    raise ValueError(name)  # NaN or Infinity: DRF's strict parser refuses them


def plain_body(request: HttpRequest) -> dict | None:
    """The JSON object a plain caller sent, when it holds scalars only (None: let
    DRF's parser answer, e.g. 400 for malformed JSON)."""
    try:
        data = json.loads(request.body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or any(
        isinstance(value, dict | list) for value in data.values()
    ):
        return None
    return data


class PlainJsonApi(ShopApiView):
    """An API view that answers a plain caller (`_plain_caller`) before DRF's
    request cycle (request wrapping, authentication, content negotiation,
    parsing) when `plain_answer` can: the same throttles count the request
    first, and the answer carries the same headers. When it cannot (None), or a
    throttle refuses, DRF's cycle runs as for anyone else, without counting the
    request twice; so `plain_answer` may only decline what it has not changed.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if _plain_caller(request):
            self.args, self.kwargs, self.request = args, kwargs, request
            waits = [
                throttle.wait()
                for throttle in self.get_throttles()
                if not throttle.allow_request(request, self)
            ]
            request.plain_throttle_waits = waits  # type: ignore[attr-defined]
            if not waits:  # else DRF's cycle answers 429 (check_throttles)
                answer = self.plain_answer(request, *args, **kwargs)
                if answer is not None:
                    return answer
        return super().dispatch(request, *args, **kwargs)

    def plain_answer(
        self, request: HttpRequest, *args, **kwargs
    ) -> HttpResponse | None:
        """The answer to a plain caller, or None for DRF's cycle to answer."""
        return None

    def plain_response(self, data: object, status_code: int = 200) -> HttpResponse:
        response = HttpResponse(
            data if isinstance(data, bytes) else JSONRenderer().render(data),
            content_type="application/json",
            status=status_code,
        )
        for name, value in self.default_response_headers.items():
            response[name] = value  # as finalize_response sets them (Allow, Vary)
        return response

    def plain_error(self, error: ShopError) -> HttpResponse:
        body, status_code = shop_error_answer(error)
        return self.plain_response(body, status_code)

    def check_throttles(self, request: Request) -> None:
        waits = getattr(request._request, "plain_throttle_waits", None)
        if waits is None:
            super().check_throttles(request)
        elif waits:  # counted already by dispatch
            self.throttled(request, max(waits))
