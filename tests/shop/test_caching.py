from decimal import Decimal

import pytest

from shop import caching, services
from shop.models import Variant
from tests.factories.shop import VariantFactory


def test_an_entry_built_before_an_invalidation_is_never_served():
    key = caching.catalog_key("test", "x")
    version, value = caching.catalog_get(key)
    assert value is None
    services.catalog_cache_invalidate(product_ids=[1])  # a change while building
    caching.catalog_set(key, version, "old page")
    assert caching.catalog_get(key)[1] is None
    version, _ = caching.catalog_get(key)
    caching.catalog_set(key, version, "new page")
    assert caching.catalog_get(key) == (version, "new page")


@pytest.mark.redis
@pytest.mark.django_db
def test_checkout_style_stock_update_plus_invalidate_refreshes_pages_on_redis(
    client, redis_cache
):
    variant = VariantFactory(price=Decimal("8.00"), stock_on_hand=4)
    url = f"/api/v1/products/{variant.product.slug}/"
    assert client.get(url).json()["variants"][0]["available"] == 4
    Variant.objects.filter(pk=variant.pk).update(stock_reserved=4)
    assert client.get(url).json()["variants"][0]["available"] == 4  # still cached
    services.catalog_cache_invalidate(product_ids=[variant.product_id])
    assert client.get(url).json()["variants"][0]["available"] == 0

    # the product list's cached JSON is read in the throttle's Redis pipeline
    list_url = "/api/v1/products/"
    assert client.get(list_url).json()["results"][0]["variants"][0]["available"] == 0
    Variant.objects.filter(pk=variant.pk).update(stock_reserved=1)
    assert client.get(list_url).json()["results"][0]["variants"][0]["available"] == 0
    services.catalog_cache_invalidate()
    assert client.get(list_url).json()["results"][0]["variants"][0]["available"] == 3

    import redis

    raw = redis.Redis.from_url(redis_cache.url)
    assert raw.keys(f"{redis_cache.prefix}:*shop:catalog-version")
