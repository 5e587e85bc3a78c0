"""The product detail API answers a cached product like the list does: its JSON is
read with the throttle's counter, with no query and no rendering."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from shop import caching, services
from tests.factories.shop import ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def test_cached_detail_is_the_same_json_without_a_query_and_still_throttled(
    client, redis_cache, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "30/min", "user": "30/min"}
    )
    variant = VariantFactory(price=Decimal("8.00"), stock_on_hand=4)
    ProductImageFactory(product=variant.product)
    url = f"/api/v1/products/{variant.product.slug}/"
    first = client.get(url)

    with django_assert_max_num_queries(0):
        second = client.get(url)

    assert first.status_code == second.status_code == 200
    assert second["Content-Type"] == "application/json"
    assert second.content == first.content
    assert second.json()["variants"][0]["available"] == 4
    key = caching.catalog_key("api-product-json", variant.product.slug)
    assert cache.get(key)[1] == first.content
    # every cached answer was still counted by the throttle (one pipeline)
    statuses = [client.get(url).status_code for _ in range(40)]
    assert statuses.count(200) <= 28 and 429 in statuses

    services.catalog_cache_invalidate(product_ids=[variant.product_id])
    assert caching.catalog_get(key)[1] is None  # the JSON is not served once stale


def test_unknown_slug_is_404_and_caches_nothing(client, redis_cache):
    response = client.get("/api/v1/products/no-such-product/")
    assert response.status_code == 404
    key = caching.catalog_key("api-product-json", "no-such-product")
    assert cache.get(key) is None
