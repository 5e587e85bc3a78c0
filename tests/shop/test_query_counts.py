"""Pages and the product API cost the same number of queries for 1 or 48 products."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.shop import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    VariantFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _products(category, count: int) -> None:
    for index in range(count):
        product = ProductFactory(
            category=category, name=f"Camp Mug {index}", description="enamel mug"
        )
        for _ in range(3):
            VariantFactory(product=product)
        ProductImageFactory(product=product)
        ProductImageFactory(product=product)


def _count(client, url: str) -> int:
    cache.clear()  # measure the uncached path: the cache would hide N+1 queries
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        ("/c/mugs/?per_page=48", 6),
        ("/search/?q=mug&per_page=48", 6),
        # prefix and typo (pg_trgm) matching cost no extra query either
        ("/search/?q=camp+mu&per_page=48", 6),
        ("/search/?q=mugz&per_page=48", 6),
        ("/api/v1/products/?page_size=48", 4),
        ("/api/v1/products/?category=mugs&q=mug&page_size=48", 4),
    ],
)
def test_listing_queries_do_not_grow_with_products_on_the_page(
    client, django_assert_max_num_queries, url, limit
):
    category = CategoryFactory(slug="mugs")
    CategoryFactory(slug="cups", parent=category)
    _products(category, 1)
    one = _count(client, url)
    _products(category, 47)
    cache.clear()
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    body = response.content.decode()
    assert body.count("Camp Mug") >= 48
    assert _count(client, url) == one


def test_product_page_queries_do_not_grow_with_variants_or_images(
    client, django_assert_max_num_queries
):
    parent = CategoryFactory(slug="kitchen")
    product = ProductFactory(category=CategoryFactory(parent=parent))
    VariantFactory(product=product)
    ProductImageFactory(product=product)
    url = f"/p/{product.slug}/"
    one = _count(client, url)
    for _ in range(20):
        VariantFactory(product=product)
        ProductImageFactory(product=product)
    cache.clear()
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
    assert _count(client, url) == one
    assert _count(client, f"/api/v1/products/{product.slug}/") <= 4


def test_cached_category_page_needs_no_query_for_an_anonymous_shopper(
    client, django_assert_max_num_queries
):
    category = CategoryFactory(slug="mugs")
    _products(category, 3)
    client.get("/c/mugs/")
    with django_assert_max_num_queries(0):
        assert client.get("/c/mugs/").status_code == 200
