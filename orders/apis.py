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
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from securecart.http import client_ip
from shop.exceptions import InsufficientStock

from . import schema  # noqa: F401  (registers the OpenAPI auth extension)
from .exceptions import (
    CheckoutInvalid,
    IdempotencyConflict,
    IdempotencyInProgress,
    StaleCart,
)
from .selectors import (
    order_get_for_customer,
    order_list_for_customer,
    shipping_method_list,
)
from .serializers import CheckoutSerializer, ShippingMethodSerializer, order_detail_body
from .services import Address, CheckoutUnavailable, checkout_submit, order_body

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


def _problem(detail: str, code: str, http_status: int, **extra: Any) -> Response:
    return Response({"detail": detail, "code": code, **extra}, status=http_status)


class CheckoutApi(APIView):
    authentication_classes = [SessionUserIfCsrfValid]
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        request=CheckoutSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
                description="Unique per checkout attempt; a retry reuses it.",
            )
        ],
        responses={201: dict, 400: dict, 402: dict, 409: dict, 413: dict, 503: dict},
    )
    def post(self, request: Request) -> Response:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_CHECKOUT_BODY:
            return _problem("Request body too large.", "too_large", 413)
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
            return _problem(
                "An Idempotency-Key header (1–255 printable characters) is required.",
                "idempotency_key_required", 400,
            )
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = checkout_submit(
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
            )
        except CheckoutInvalid as exc:
            field = exc.details.get("field") or "non_field_errors"
            return Response({field: [exc.message], "code": exc.code}, status=400)
        except StaleCart as exc:
            return _problem(exc.message, exc.code, 409, lines=exc.details.get("lines", []))
        except InsufficientStock as exc:
            return _problem(exc.message, exc.code, 409, lines=exc.details.get("lines", []))
        except IdempotencyConflict as exc:
            return _problem(exc.message, exc.code, 409)
        except IdempotencyInProgress as exc:
            response = _problem(exc.message, exc.code, 409)
            response["Retry-After"] = "1"
            return response
        except CheckoutUnavailable as exc:
            response = _problem(str(exc), "payment_unavailable", 503)
            response["Retry-After"] = "2"
            return response
        response = Response(result.body, status=result.status_code)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class ShippingMethodListApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=ShippingMethodSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ShippingMethodSerializer(shipping_method_list(), many=True).data)


class OrderDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="orders_detail",
        parameters=[OpenApiParameter("access_token", str, OpenApiParameter.QUERY)],
        responses={200: dict, 404: dict},
    )
    def get(self, request: Request, number: str) -> Response:
        order = order_get_for_customer(
            number=number, user=request.user,
            access_token=request.query_params.get("access_token"),
        )
        if order is None:
            raise Http404  # same answer for "missing" and "not yours"
        return Response(order_detail_body(order))


class OrderListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orders_list", responses={200: dict, 403: dict, 404: dict})
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            order_list_for_customer(user=request.user), request, view=self
        )
        return paginator.get_paginated_response([order_body(o) for o in page or []])


__all__ = ["CheckoutApi", "OrderDetailApi", "OrderListApi", "ShippingMethodListApi", "status"]
