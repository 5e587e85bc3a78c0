"""Hostile input from unauthenticated clients is a 4xx, never a 500: NUL bytes in
URLs (on PostgreSQL, whose text cannot hold them) and deeply nested JSON."""

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
