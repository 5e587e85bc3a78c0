"""REST API v1 for the catalog and carts (contract in docs/architecture.md).

Thin views over selectors/services. A cart is addressed by its unguessable token (the
API's cart `id`), which is the capability to read and change it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import caching, selectors, services
from .exceptions import (
    CartLineNotFound,
    InsufficientStock,
    InvalidQuantity,
    ProductUnavailable,
    ShopError,
    UnknownSku,
)
from .models import Cart
from .pricing import products_attach_sale_prices
from .serializers import (
    CartLineAddSerializer,
    CartLineQuantitySerializer,
    CartSerializer,
    CategorySerializer,
    ProductQuerySerializer,
    ProductSerializer,
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


def shop_error_response(error: ShopError) -> Response:
    body: dict = {"detail": error.message, "code": error.code}
    if error.field:
        body[error.field] = [error.message]
    if isinstance(error, InsufficientStock):
        body.update(sku=error.sku, requested=error.requested, available=error.available)
    status_code = next(
        (code for cls, code in SHOP_ERROR_STATUS.items() if isinstance(error, cls)),
        status.HTTP_400_BAD_REQUEST,
    )
    return Response(body, status=status_code)


class ShopApiView(APIView):
    throttle_classes = SHOP_THROTTLES

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ShopError):
            return shop_error_response(exc)
        return super().handle_exception(exc)


# Accept headers for which DRF's negotiation picks the plain JSON renderer.
_PLAIN_JSON_ACCEPT = frozenset({"", "*/*", "application/json"})


def _plain_json_get(request: HttpRequest) -> bool:
    """A GET every caller of which gets the same JSON: no session cookie, no
    Authorization header (either may make DRF answer differently, e.g. 401 for a
    bad token), JSON by Accept and no ?format=."""
    return (
        request.method == "GET"
        and request.META.get("HTTP_ACCEPT", "").strip() in _PLAIN_JSON_ACCEPT
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "format" not in request.GET
    )


class CachedJsonApi(ShopApiView):
    """A catalog read whose JSON answer is cached (`catalog_prefetch_key`).

    A plain caller (`_plain_json_get`) is answered from the cache before DRF's
    request cycle (request wrapping, authentication, content negotiation): the
    same throttles count it first, and the answer carries the same headers. On a
    miss, or when a throttle refuses, DRF's cycle runs as for anyone else,
    without counting the request twice.
    """

    def catalog_prefetch_key(self, request: Request | HttpRequest) -> str:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if _plain_json_get(request):
            answer = self._cached_answer(request, args, kwargs)
            if answer is not None:
                return answer
        return super().dispatch(request, *args, **kwargs)

    def _cached_answer(
        self, request: HttpRequest, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        self.args, self.kwargs, self.request = args, kwargs, request
        waits = [
            throttle.wait()
            for throttle in self.get_throttles()
            if not throttle.allow_request(request, self)
        ]
        request.catalog_throttle_waits = waits  # type: ignore[attr-defined]
        if waits:
            return None  # DRF's cycle answers 429 (check_throttles)
        body = _cached_json(request, self.catalog_prefetch_key(request))
        if body is None:
            return None
        response = HttpResponse(body, content_type="application/json")
        for name, value in self.default_response_headers.items():
            response[name] = value  # as finalize_response sets them (Allow, Vary)
        return response

    def check_throttles(self, request: Request) -> None:
        waits = getattr(request._request, "catalog_throttle_waits", None)
        if waits is None:
            super().check_throttles(request)
        elif waits:  # counted already by _cached_answer
            self.throttled(request, max(waits))


def _cached_json(request: Request | HttpRequest, json_key: str) -> bytes | None:
    """The cached JSON under json_key: read with the throttle's counter when it
    made a round trip (`catalog_prefetched`), else from the catalog cache."""
    version, body = None, None
    prefetched = getattr(request, "catalog_prefetched", None)
    if prefetched and prefetched[0] == json_key:
        version, body = caching.catalog_entry(prefetched[1], json_key)
    if version is None:  # not prefetched (signed in, a leased token) or no counter
        version, body = caching.catalog_get(json_key)
    return body


class ProductPagination(PageNumberPagination):
    page_size = 24
    page_size_query_param = "page_size"
    max_page_size = 100


class CategoryListApi(ShopApiView):
    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request: Request) -> Response:
        key = caching.catalog_key("api-categories")
        version, data = caching.catalog_get(key)
        if data is None:
            data = CategorySerializer(selectors.category_list(), many=True).data
            caching.catalog_set(key, version, data)
        return Response(data)


class ProductListApi(CachedJsonApi):
    def catalog_prefetch_key(self, request: Request | HttpRequest) -> str:
        """The cached JSON answer's key: the throttle reads it with its counter."""
        key = getattr(request, "catalog_json_key", None)
        if key is None:
            # The host is part of the key: pagination links are absolute URLs.
            key = caching.catalog_key(
                "api-products-json", request.get_host(), request.get_full_path()
            )
            request.catalog_json_key = key  # type: ignore[union-attr]
        return key

    @extend_schema(
        operation_id="products_list",
        parameters=[
            ProductQuerySerializer,
            OpenApiParameter("page", int, description="page number (from 1)"),
            OpenApiParameter("page_size", int, description="products per page (≤ 100)"),
        ],
        responses={
            200: inline_serializer(
                name="PaginatedProductList",
                fields={
                    "count": drf_serializers.IntegerField(),
                    "next": drf_serializers.URLField(allow_null=True),
                    "previous": drf_serializers.URLField(allow_null=True),
                    "results": ProductSerializer(many=True),
                },
            ),
            400: dict,
            404: dict,
        },
    )
    def get(self, request: Request) -> Response:
        wants_json = request.accepted_renderer.format == "json"
        where = (request.get_host(), request.get_full_path())
        json_key = self.catalog_prefetch_key(request)
        if wants_json:  # the common case: no validation, no rendering
            body = _cached_json(request, json_key)
            if body is not None:
                return HttpResponse(body, content_type="application/json")
        query = ProductQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        key = caching.catalog_key("api-products", *where)
        version, data = caching.catalog_get(key)
        if data is None:
            category = None
            if query.validated_data.get("category"):
                category = selectors.category_get_with_descendants(
                    slug=query.validated_data["category"]
                )
                if category is None:
                    return Response(
                        {"category": ["Unknown category."]},
                        status=status.HTTP_400_BAD_REQUEST,
                    )
            queryset = selectors.product_list(
                category=category, q=query.validated_data.get("q"), with_variants=True
            )
            paginator = ProductPagination()
            page = paginator.paginate_queryset(queryset, request, view=self)
            products_attach_sale_prices(page or [])
            data = paginator.get_paginated_response(
                ProductSerializer(page, many=True).data
            ).data
            caching.catalog_set(key, version, data)
        if not wants_json:
            return Response(data)
        body = JSONRenderer().render(data)
        caching.catalog_set(json_key, version, body)
        return HttpResponse(body, content_type="application/json")


class ProductDetailApi(CachedJsonApi):
    def catalog_prefetch_key(self, request: Request | HttpRequest) -> str:
        """The cached JSON answer's key: the throttle reads it with its counter."""
        return caching.catalog_key("api-product-json", self.kwargs["slug"])

    @extend_schema(responses={200: ProductSerializer, 404: dict})
    def get(self, request: Request, slug: str) -> Response:
        wants_json = request.accepted_renderer.format == "json"
        json_key = self.catalog_prefetch_key(request)
        if wants_json:  # the common case: no validation, no rendering
            body = _cached_json(request, json_key)
            if body is not None:
                return HttpResponse(body, content_type="application/json")
        key = caching.catalog_key("api-product", slug)
        version, data = caching.catalog_get(key)
        if data is None:
            product = selectors.product_get(slug=slug)
            if product is None:
                raise Http404
            products_attach_sale_prices([product])
            data = ProductSerializer(product).data
            caching.catalog_set(key, version, data)
        if not wants_json:
            return Response(data)
        body = JSONRenderer().render(data)
        caching.catalog_set(json_key, version, body)
        return HttpResponse(body, content_type="application/json")


def _cart_or_404(token: str, *, user: object = None, with_lines: bool = True) -> Cart:
    # A customer's cart answers only to that customer (selectors.cart_get_for_caller).
    cart = selectors.cart_get_for_caller(token=token, user=user, with_lines=with_lines)
    if cart is None:
        raise Http404
    return cart


def _cart_body(cart: Cart) -> dict:
    """The cart's answer after a write: its lines as the write left them loaded,
    or read again (the row itself is the one the request already read; a line
    write does not change it)."""
    if "lines" not in getattr(cart, "_prefetched_objects_cache", {}):
        selectors.cart_lines_load(cart=cart)
    return CartSerializer.represent(cart)


class CartCreateApi(ShopApiView):
    @extend_schema(request=None, responses={200: CartSerializer, 201: CartSerializer})
    def post(self, request: Request) -> Response:
        if request.user.is_authenticated:
            # A signed-in customer has one active cart, on every device.
            existing = selectors.cart_get_for_user(user=request.user)
            cart = existing or services.cart_get_or_create_for_user(user=request.user)
            return Response(
                CartSerializer.represent(cart),
                status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED,
            )
        cart = Cart.objects.create()
        return Response(
            CartSerializer.represent(_cart_or_404(cart.token)),
            status=status.HTTP_201_CREATED,
        )


class CartDetailApi(ShopApiView):
    @extend_schema(responses={200: CartSerializer, 404: dict})
    def get(self, request: Request, token: str) -> Response:
        return Response(
            CartSerializer.represent(_cart_or_404(token, user=request.user))
        )


class CartLineListApi(ShopApiView):
    @extend_schema(
        request=CartLineAddSerializer,
        responses={201: CartSerializer, 400: dict, 404: dict, 409: dict},
    )
    def post(self, request: Request, token: str) -> Response:
        cart = _cart_or_404(token, user=request.user, with_lines=False)
        body = CartLineAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.cart_line_add(cart=cart, **body.validated_data)
        return Response(_cart_body(cart), status=status.HTTP_201_CREATED)


class CartLineDetailApi(ShopApiView):
    @extend_schema(
        request=CartLineQuantitySerializer,
        responses={200: CartSerializer, 400: dict, 404: dict, 409: dict},
    )
    def patch(self, request: Request, token: str, sku: str) -> Response:
        cart = _cart_or_404(token, user=request.user, with_lines=False)
        body = CartLineQuantitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.cart_line_set_quantity(
            cart=cart, sku=sku, quantity=body.validated_data["quantity"]
        )
        return Response(_cart_body(cart))

    @extend_schema(request=None, responses={204: None, 404: dict})
    def delete(self, request: Request, token: str, sku: str) -> Response:
        services.cart_line_remove(
            cart=_cart_or_404(token, user=request.user, with_lines=False), sku=sku
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
