"""REST endpoints of checkout and orders (thin skins over services/selectors).

CSRF and identity on POST /api/v1/checkout/: the endpoint accepts requests
without a CSRF token (API clients have none) and therefore must not let a
session cookie alone act for a user — a cross-site page could otherwise
place orders "as" the victim. `SessionUserIfCsrfValid` identifies the
signed-in user only when the request also passes Django's CSRF check (our own
storefront JS sends the token); every other request is a guest checkout. A
forged cross-site request thus gains nothing: it needs the cart id and a
payment token, and the order is not attached to the victim's account. JSON
only (no form parsers), so a plain HTML form cannot post here either.

A customer's API access token (`Authorization: Bearer`, accounts.authentication)
identifies the customer without CSRF: a browser never attaches it on its own.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import CustomerTokenAuthentication
from promotions.apis import VOUCHER_ERROR_STATUS
from promotions.exceptions import VoucherError
from securecart.errors import TOO_LARGE
from securecart.http import client_ip
from securecart.parsers import JSONParser
from shop.exceptions import InsufficientStock
from shop.throttles import SHOP_THROTTLES

from . import schema  # noqa: F401  (registers the OpenAPI auth extension)
from .exceptions import (
    CheckoutInvalid,
    IdempotencyConflict,
    IdempotencyInProgress,
    StaleCart,
)
from .selectors import (
    order_list_for_customer,
    order_tracking_for_customer,
    shipping_method_list,
)
from .serializers import (
    CheckoutSerializer,
    ShippingMethodSerializer,
    order_body,
    tracking_detail_body,
)
from .services import (
    Address,
    CheckoutOutcome,
    CheckoutUnavailable,
    checkout_submit,
)

MAX_CHECKOUT_BODY = 16 * 1024
MAX_IDEMPOTENCY_KEY = 255


class SessionUserIfCsrfValid(SessionAuthentication):
    """The session user, but only for requests that pass the CSRF check;
    otherwise anonymous (not an error)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        user = getattr(request._request, "user", None)
        if not user or not user.is_active:
            return None
        try:
            self.enforce_csrf(request)
        except exceptions.PermissionDenied:
            return None
        return (user, None)


# The one place where checkout's domain answers become HTTP statuses: errors
# raised (exceptions) and outcomes returned (codes) alike.
ERROR_STATUS: dict[str, int] = {
    CheckoutInvalid.code: 400,
    "payment_declined": 402,
    "insufficient_stock": 409,
    "stale_cart": 409,
    "checkout_abandoned": 409,
    IdempotencyConflict.code: 409,
    IdempotencyInProgress.code: 409,
    "payment_unavailable": 503,
    "too_large": 413,
    "idempotency_key_required": 400,
    # The cart's voucher, re-checked at checkout (same statuses as on the cart).
    **VOUCHER_ERROR_STATUS,
}
RETRY_AFTER: dict[str, str] = {
    IdempotencyInProgress.code: "1",
    "payment_unavailable": "2",
}


def _problem(detail: str, code: str, **extra: Any) -> Response:
    response = Response(
        {"detail": detail, "code": code, **extra}, status=ERROR_STATUS[code]
    )
    if code in RETRY_AFTER:
        response["Retry-After"] = RETRY_AFTER[code]
    return response


def orders_error_response(exc: Exception) -> Response | None:
    """The response for a domain error of checkout, or None if it is not one."""
    if isinstance(exc, CheckoutInvalid):
        field = exc.details.get("field") or "non_field_errors"
        return Response(
            {field: [exc.message], "code": exc.code}, status=ERROR_STATUS["invalid"]
        )
    if isinstance(exc, StaleCart | InsufficientStock):
        return _problem(exc.message, exc.code, lines=exc.details.get("lines", []))
    if isinstance(exc, IdempotencyConflict | IdempotencyInProgress | VoucherError):
        return _problem(exc.message, exc.code)
    if isinstance(exc, CheckoutUnavailable):
        return _problem(str(exc), "payment_unavailable")
    return None


def checkout_render(outcome: CheckoutOutcome) -> tuple[int, dict[str, Any]]:
    """Status and body of an outcome (checkout stores them for replays)."""
    if outcome.order is not None:
        lines = getattr(outcome.order, "_checkout_lines", None)
        return 201, order_body(outcome.order, lines)
    error = dict(outcome.error or {})
    code = error["code"]
    return ERROR_STATUS[code], {"detail": error.pop("detail", ""), **error}


def checkout_response(outcome: CheckoutOutcome) -> Response:
    """The stored answer of the attempt (rendered when it was completed)."""
    if outcome.stored_status is not None and outcome.stored_body is not None:
        response = Response(outcome.stored_body, status=outcome.stored_status)
    else:  # completed before answers were stored with it: render now
        status, body = checkout_render(outcome)
        response = Response(body, status=status)
    if outcome.code in RETRY_AFTER:
        response["Retry-After"] = RETRY_AFTER[outcome.code]
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class CheckoutApi(APIView):
    authentication_classes = [CustomerTokenAuthentication, SessionUserIfCsrfValid]
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    # The cart API's limits (same scopes and rates), counted per window in one
    # round trip, not DRF's default request logs (a read and a write per class).
    throttle_classes = SHOP_THROTTLES

    def handle_exception(self, exc: Exception) -> Response:
        return orders_error_response(exc) or super().handle_exception(exc)

    @extend_schema(
        request=CheckoutSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unique per checkout attempt; a retry reuses it.",
            )
        ],
        responses={
            201: dict,
            400: dict,
            401: dict,
            402: dict,
            409: dict,
            413: dict,
            503: dict,
        },
    )
    def post(self, request: Request) -> Response:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_CHECKOUT_BODY:
            return _problem(TOO_LARGE["detail"], TOO_LARGE["code"])
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
            return _problem(
                "An Idempotency-Key header (1–255 printable characters) is required.",
                "idempotency_key_required",
            )
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = checkout_submit(
            idempotency_key=key,
            cart_token=data["cart_id"],
            user=request.user,
            email=data["email"],
            phone=data["phone"],
            sms_opt_in=data["sms_opt_in"],
            address=Address(**data["shipping_address"]),
            shipping_method=data["shipping_method"],
            payment_token=data["payment_token"],
            client_ip=client_ip(request),
            respond=checkout_render,
        )
        return checkout_response(outcome)


class ShippingMethodListApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "country",
                str,
                OpenApiParameter.QUERY,
                description="ISO 3166-1 alpha-2 destination: only methods that ship there.",
            )
        ],
        responses=ShippingMethodSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        country = request.query_params.get("country")
        methods = shipping_method_list(
            country=country.strip().upper() if country else None
        )
        return Response(ShippingMethodSerializer(methods, many=True).data)


class OrderDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="orders_detail",
        parameters=[OpenApiParameter("access_token", str, OpenApiParameter.QUERY)],
        responses={200: dict, 401: dict, 404: dict},
    )
    def get(self, request: Request, number: str) -> Response:
        tracking = order_tracking_for_customer(
            number=number,
            user=request.user,
            access_token=request.query_params.get("access_token"),
        )
        if tracking is None:
            raise Http404  # same answer for "missing" and "not yours"
        return Response(tracking_detail_body(tracking))


class OrderListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orders_list",
        responses={200: dict, 401: dict, 403: dict, 404: dict},
    )
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            order_list_for_customer(user=request.user), request, view=self
        )
        return paginator.get_paginated_response([order_body(o) for o in page or []])


__all__ = ["CheckoutApi", "OrderDetailApi", "OrderListApi", "ShippingMethodListApi"]
