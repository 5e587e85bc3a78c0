"""Anonymous visitors cannot fill Redis with copies of a page: the whole-page key
is built from the listing's normalised parameters and a page number out of range
redirects instead of being rendered and cached."""

import pytest

from tests.factories.shop import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def _catalog_keys(cache) -> int:
    return len([key for key in cache.keys("*") if "shop:cat:" in key])


def test_junk_page_numbers_and_parameter_orders_make_no_new_keys(client, redis_cache):
    from django.core.cache import cache

    category = CategoryFactory(slug="lamps")
    for n in range(3):
        ProductFactory(category=category, name=f"Lamp {n}")
    url = f"/c/{category.slug}/"
    assert client.get(url).status_code == 200
    assert client.get(f"{url}?page=1&sort=name").status_code == 200
    baseline = _catalog_keys(cache)

    codes = set()
    for n in range(200):
        codes.add(client.get(f"{url}?page={1000 + n}").status_code)
        codes.add(client.get(f"{url}?sort=name&page=1&page=1&x{n % 1}=").status_code)
        codes.add(client.get(f"{url}?per_page={100 + n}&sort=bogus{n}").status_code)

    assert codes <= {200, 302}
    assert _catalog_keys(cache) == baseline


def test_a_page_beyond_the_last_redirects_to_the_last(client):
    category = CategoryFactory(slug="lamps")
    ProductFactory(category=category)

    response = client.get(f"/c/{category.slug}/?page=99999&sort=price")

    assert response.status_code == 302
    assert response["Location"] == f"/c/{category.slug}/?page=1&sort=price"
    assert client.get("/search/?q=lamp&page=0").status_code in (200, 302)
