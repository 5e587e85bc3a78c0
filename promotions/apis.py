"""REST API v1: a cart's voucher (`POST`/`DELETE /api/v1/carts/{id}/voucher/`).

The cart token is the capability, as for the cart's other endpoints; a customer's
cart needs its owner signed in.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from shop.api_views import ShopApiView
from shop.models import Cart
from shop.selectors import cart_get_for_caller
from shop.serializers import CartSerializer

from .exceptions import (
    VoucherAlreadyUsed,
    VoucherAttemptsExceeded,
    VoucherError,
    VoucherExhausted,
    VoucherExpired,
    VoucherMinSubtotal,
    VoucherNotApplicable,
    VoucherNotFound,
    VoucherNotStarted,
)
from .serializers import VoucherCodeSerializer
from .services import cart_voucher_apply, cart_voucher_remove
from .throttling import VoucherThrottle

# The one place voucher errors become HTTP statuses (orders.apis.ERROR_STATUS
# includes it for checkout's re-check).
VOUCHER_ERROR_STATUS: dict[str, int] = {
    VoucherNotFound.code: status.HTTP_400_BAD_REQUEST,
    VoucherExpired.code: status.HTTP_400_BAD_REQUEST,
    VoucherNotStarted.code: status.HTTP_400_BAD_REQUEST,
    VoucherMinSubtotal.code: status.HTTP_400_BAD_REQUEST,
    VoucherNotApplicable.code: status.HTTP_400_BAD_REQUEST,
    VoucherAlreadyUsed.code: status.HTTP_409_CONFLICT,
    VoucherExhausted.code: status.HTTP_409_CONFLICT,
    VoucherAttemptsExceeded.code: status.HTTP_429_TOO_MANY_REQUESTS,
}

_ERROR = OpenApiResponse(
    description='`{"detail", "code"}`; code is one of '
    + ", ".join(f"`{code}`" for code in VOUCHER_ERROR_STATUS),
    examples=[
        OpenApiExample(
            "exhausted",
            value={
                "detail": "This code has been used up.",
                "code": "voucher_exhausted",
            },
        )
    ],
)


def _cart(request: Request, token: str) -> Cart:
    # A customer's cart answers only to that customer, as on the cart endpoints.
    cart = cart_get_for_caller(token=token, user=request.user)
    if cart is None:
        raise Http404
    return cart


class CartVoucherApi(ShopApiView):
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, VoucherError):
            response = Response(
                {"detail": exc.message, "code": exc.code},
                status=VOUCHER_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
            )
            if isinstance(exc, VoucherAttemptsExceeded):
                response["Retry-After"] = str(exc.retry_after)
            return response
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="carts_voucher_apply",
        request=VoucherCodeSerializer,
        responses={
            200: CartSerializer,
            400: _ERROR,
            404: dict,
            409: _ERROR,
            429: _ERROR,
        },
        description="Apply a voucher code to the cart (one per cart; replaces any "
        "other). The answer is the cart with its `discounts` and "
        "`total_after_discount`. Checkout checks the code again. Failed codes are "
        "limited per client (VOUCHER_ATTEMPTS_MAX per "
        "VOUCHER_ATTEMPTS_WINDOW_SECONDS): beyond, 429 with Retry-After.",
    )
    def post(self, request: Request, token: str) -> Response:
        cart = _cart(request, token)
        body = VoucherCodeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        throttle = VoucherThrottle.for_request(request, cart_token=cart.token)
        if not throttle.attempt():
            raise VoucherAttemptsExceeded(retry_after=throttle.retry_after())
        cart_voucher_apply(
            cart=cart, code=body.validated_data["code"], user=request.user
        )
        throttle.record_success()
        return Response(CartSerializer.represent(_cart(request, token)))

    @extend_schema(
        operation_id="carts_voucher_remove",
        request=None,
        responses={200: CartSerializer, 404: dict},
        description="Remove the cart's voucher (the cart without it).",
    )
    def delete(self, request: Request, token: str) -> Response:
        cart = _cart(request, token)
        cart_voucher_remove(cart=cart)
        return Response(CartSerializer.represent(_cart(request, token)))
