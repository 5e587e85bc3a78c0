"""REST API v1 for the catalog and carts (contract in docs/architecture.md).

Thin views over selectors/services. A cart is addressed by its unguessable token (the
API's cart `id`), which is the capability to read and change it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from securecart.serializers import plain_validated

from . import caching, cart_writes, selectors, services
from .api_views import PlainJsonApi, ShopApiView, plain_body
from .exceptions import ShopError
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


class CachedJsonApi(PlainJsonApi):
    """A catalog read whose JSON answer is cached (`catalog_prefetch_key`): a
    plain GET is answered from the cache (on a miss DRF's cycle fills it)."""

    def catalog_prefetch_key(self, request: Request | HttpRequest) -> str:
        raise NotImplementedError

    def plain_answer(
        self, request: HttpRequest, *args, **kwargs
    ) -> HttpResponse | None:
        if request.method != "GET":
            return None
        body = _cached_json(request, self.catalog_prefetch_key(request))
        return self.plain_response(body) if body is not None else None


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


class CartLineListApi(PlainJsonApi):
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

    def plain_answer(self, request: HttpRequest, token: str) -> HttpResponse | None:
        return _plain_cart_write(
            self, request, token, "POST", CartLineAddSerializer,
            lambda cart, body: services.cart_line_add(cart=cart, **body),
            status.HTTP_201_CREATED,
            answered=lambda body: cart_writes.cart_line_add_answered(
                token=token, **body
            ),
        )  # fmt: skip


class CartLineDetailApi(PlainJsonApi):
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

    def plain_answer(
        self, request: HttpRequest, token: str, sku: str
    ) -> HttpResponse | None:
        return _plain_cart_write(
            self, request, token, "PATCH", CartLineQuantitySerializer,
            lambda cart, body: services.cart_line_set_quantity(
                cart=cart, sku=sku, **body
            ),
            answered=lambda body: cart_writes.cart_line_set_quantity_answered(
                token=token, sku=sku, **body
            ),
        )  # fmt: skip


def _plain_cart_write(
    view: PlainJsonApi,
    request: HttpRequest,
    token: str,
    method: str,
    body_serializer: type[drf_serializers.Serializer],
    write: Callable[[Cart, dict], object],
    status_code: int = status.HTTP_200_OK,
    answered: Callable[[dict], Cart | None] | None = None,
) -> HttpResponse | None:
    """A plain caller's cart write: the body checked as `body_serializer` would
    (without building it), the write, and the cart as the answer, or the domain
    error's. None, before anything changed, for DRF's cycle to answer: another
    method, a body the serializer must convert or refuse, or no cart a token
    alone may change (404 there, as for a customer's cart without their sign-in).
    `answered`, when given, is tried first: the write with the cart to answer
    with in one statement (shop.cart_writes), or None, having changed nothing."""
    if request.method != method:
        return None
    body = plain_validated(body_serializer, plain_body(request))
    if body is None:
        return None
    if answered is not None and (written := answered(body)) is not None:
        return view.plain_response(_cart_body(written), status_code)
    cart = selectors.cart_get_for_caller(token=token, user=None, with_lines=False)
    if cart is None:
        return None
    try:
        write(cart, body)
    except ShopError as error:
        return view.plain_error(error)
    return view.plain_response(_cart_body(cart), status_code)
