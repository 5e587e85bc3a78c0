"""Hostile input from unauthenticated clients is a 4xx, never a 500: NUL bytes in
URLs (on PostgreSQL, whose text cannot hold them), deeply nested JSON and bodies
too large; under /api/ every such answer is JSON."""

import pytest

pytestmark = pytest.mark.django_db

NUL_URLS = [
    ("get", "/search/?q=%00"),
    ("get", "/search/?q=lamp%00"),
    ("get", "/orders/%00/"),
    ("get", "/orders/SC-1%00/?token=x"),
    ("get", "/api/v1/orders/%00/"),
    ("get", "/checkout/complete/%00/"),
    ("get", "/api/v1/carts/%00/"),
    ("post", "/api/v1/carts/%00/lines/"),
    ("patch", "/api/v1/carts/%00/lines/SKU-1/"),
    ("delete", "/api/v1/carts/%00/lines/SKU%00/"),
    ("get", "/api/v1/products/?q=%00"),
    ("get", "/api/v1/products/%00/"),
    ("get", "/c/%00/"),
    ("get", "/p/lamp/?variant=%00"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("method", "url"), NUL_URLS)
def test_nul_in_path_or_query_is_a_client_error(client, method, url):
    from django.db import connection

    assert connection.vendor == "postgresql"
    client.raise_request_exception = False

    response = (
        getattr(client, method)(url, data="{}", content_type="application/json")
        if method != "get"
        else client.get(url)
    )

    assert response.status_code in (400, 404), response.status_code


@pytest.mark.postgres
def test_nul_in_a_cart_line_sku_of_a_real_cart(client):
    client.raise_request_exception = False
    token = client.post("/api/v1/carts/").json()["id"]

    response = client.patch(
        f"/api/v1/carts/{token}/lines/SKU%00/",
        data='{"quantity": 1}',
        content_type="application/json",
    )

    assert response.status_code in (400, 404)


DEEP = "[" * 1500 + "]" * 1500  # 3 KB: a RecursionError in the stdlib decoder
DEEP_OBJECT = '{"a":' * 40 + "1" + "}" * 40  # parses, but deeper than any request


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/checkout/"),
        ("post", "/api/v1/carts/{token}/lines/"),
        ("patch", "/api/v1/carts/{token}/lines/SKU-1/"),
    ],
)
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(client, method, url, body):
    client.raise_request_exception = False
    token = client.post("/api/v1/carts/").json()["id"]

    response = getattr(client, method)(
        url.format(token=token),
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="deep-1",
    )

    assert response.status_code == 400, response.status_code
    assert "nested too deeply" in response.json()["detail"]


def test_every_json_endpoint_uses_the_depth_limited_parser():
    from django.urls import get_resolver
    from rest_framework.views import APIView

    from securecart.parsers import JSONParser

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield getattr(pattern.callback, "cls", None)

    api_views = [
        v for v in views(get_resolver().url_patterns) if v and issubclass(v, APIView)
    ]
    assert len(api_views) >= 8
    for view in api_views:
        for parser in view().get_parsers():
            if "json" in parser.media_type:
                assert isinstance(parser, JSONParser), view


# --- bodies too large, and the API's other answers from outside its views ------
OVERSIZED = [
    ("post", "/api/v1/checkout/", {"cart_id": "{token}"}),
    ("post", "/api/v1/carts/{token}/lines/", {"sku": "SKU-BIG", "quantity": 2}),
    ("patch", "/api/v1/carts/{token}/lines/SKU-BIG/", {"quantity": 3}),
    ("post", "/api/v1/carts/{token}/voucher/", {"code": "SAVE10"}),
    ("post", "/api/v1/auth/token/", {"username": "a", "password": "b"}),
]


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "drf"])
@pytest.mark.parametrize(("method", "url", "fields"), OVERSIZED)
def test_a_body_over_the_upload_limit_is_a_json_413_and_changes_nothing(
    client, settings, method, url, fields, plain
):
    from shop.models import CartLine
    from tests.factories.shop import VariantFactory

    # given a cart with one line and a small upload limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client.raise_request_exception = False
    VariantFactory(sku="SKU-BIG", stock_on_hand=10)
    token = client.post("/api/v1/carts/").json()["id"]
    client.post(
        f"/api/v1/carts/{token}/lines/",
        {"sku": "SKU-BIG", "quantity": 1},
        content_type="application/json",
    )
    headers = {"HTTP_IDEMPOTENCY_KEY": "big-1"}
    if not plain:  # an Accept the plain path leaves to DRF, whose parser reads it
        headers["HTTP_ACCEPT"] = "application/json, */*;q=0.5"
    body = {k: str(v).format(token=token) if isinstance(v, str) else v
            for k, v in fields.items()}  # fmt: skip
    body["padding"] = "x" * 5000
    # when the body is over the limit
    response = getattr(client, method)(
        url.format(token=token), body, content_type="application/json", **headers
    )
    # then the answer is a JSON 413 and the cart is as it was
    assert response.status_code == 413, (response.status_code, response.content[:200])
    assert response.json() == {"detail": "Request body too large.", "code": "too_large"}
    assert list(CartLine.objects.values_list("variant__sku", "quantity")) == [
        ("SKU-BIG", 1)
    ]


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_body_over_the_upload_limit_is_a_json_413_too(
    client, settings, encoding
):
    from urllib.parse import urlencode

    from shop.models import CartLine
    from tests.factories.shop import VariantFactory

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client.raise_request_exception = False
    VariantFactory(sku="SKU-FORM", stock_on_hand=10)
    token = client.post("/api/v1/carts/").json()["id"]
    url = f"/api/v1/carts/{token}/lines/"

    def add(**fields):  # an add to cart as a form (DRF's form or multipart parser)
        if encoding == "multipart":
            return client.post(url, fields)
        return client.post(
            url, urlencode(fields), content_type="application/x-www-form-urlencoded"
        )

    small = add(sku="SKU-FORM", quantity=1)
    big = add(sku="SKU-FORM", quantity=1, padding="x" * 5000)
    assert small.status_code == 201
    assert big.status_code == 413
    assert big.json()["code"] == "too_large"
    assert CartLine.objects.get().quantity == 1


def test_a_page_body_over_the_upload_limit_is_a_413_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.raise_request_exception = False
    response = client.post("/accounts/login/", {"username": "x" * 3000})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "more than the shop accepts" in response.content.decode()


def test_an_unknown_api_path_is_a_json_404_and_a_page_path_the_store_404(client):
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found.", "code": "not_found"}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_an_unhandled_api_error_is_a_json_500(client, monkeypatch):
    from shop import apis

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(apis.selectors, "category_list", boom)
    client.raise_request_exception = False
    response = client.get("/api/v1/categories/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error.", "code": "server_error"}


def test_every_detail_error_of_the_api_carries_its_code(client):
    # an unknown product (DRF's own 404), a method the endpoint has not, and the
    # cart of nobody: each {"detail"} answer says which error it is
    unknown = client.get("/api/v1/products/no-such-product/")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not found.", "code": "not_found"}
    wrong = client.put("/api/v1/products/", {}, content_type="application/json")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"
    missing = client.get("/api/v1/carts/no-such-cart/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    # field errors keep their shape: messages per field, no code added
    token = client.post("/api/v1/carts/").json()["id"]
    bad = client.post(
        f"/api/v1/carts/{token}/lines/", {"sku": "X", "quantity": 0}, "application/json"
    )
    assert bad.status_code == 400
    assert "quantity" in bad.json() and "code" not in bad.json()
