"""Each process's short-lived copies of catalog pages: served without Redis,
dropped at once by a change made in the same process, kept no longer than
CATALOG_LOCAL_SECONDS when the change comes from elsewhere, within the byte budget."""

from unittest import mock

import pytest
from django.core.cache import cache

from shop import caching

pytestmark = pytest.mark.django_db


@pytest.fixture
def copies(settings):
    settings.CATALOG_LOCAL_SECONDS = 1.0
    settings.CATALOG_LOCAL_BYTES = 10_000
    caching.LOCAL.clear()
    yield caching.LOCAL
    caching.LOCAL.clear()


@pytest.fixture
def clock():
    now = [1000.0]
    with mock.patch.object(caching.time, "monotonic", lambda: now[0]):
        yield now


def _redis_reads():
    return mock.patch.object(cache, "get_many", wraps=cache.get_many)


def test_a_hot_entry_is_served_without_redis(copies, clock):
    version, _ = caching.catalog_get("k")
    caching.catalog_set("k", version, "<p>page</p>")
    with _redis_reads() as reads:
        assert caching.catalog_get("k") == (version, "<p>page</p>")
    assert reads.call_count == 0


def test_a_change_in_this_process_drops_the_copies_at_once(copies, clock):
    version, _ = caching.catalog_get("k")
    caching.catalog_set("k", version, "old")
    caching.catalog_invalidate()
    assert caching.catalog_get("k")[1] is None
    # an answer built before the change is not copied either
    caching.catalog_set("k", version, "built before the change")
    assert caching.catalog_get("k")[1] is None


def test_a_change_elsewhere_shows_after_the_copy_expires(copies, clock):
    version, _ = caching.catalog_get("k")
    caching.catalog_set("k", version, "old")
    cache.incr(caching.CATALOG_VERSION_KEY)  # another process changed the catalog
    assert caching.catalog_get("k")[1] == "old"  # still this process's copy
    clock[0] += 1.01
    assert caching.catalog_get("k")[1] is None  # the copy expired: Redis says stale


def test_copies_stay_within_the_byte_budget(copies, clock):
    version, _ = caching.catalog_get("a")
    for key in "abcdef":
        caching.catalog_set(key, version, "x" * 3000)
    held = [key for key in "abcdef" if caching.LOCAL.get(key) is not None]
    # 10,000 bytes hold three entries of 3,100: the three newest stay
    assert held == ["d", "e", "f"]
    caching.catalog_set("huge", version, "x" * 20_000)
    assert caching.LOCAL.get("huge") is None


def test_off_when_the_setting_is_zero(settings, clock):
    settings.CATALOG_LOCAL_SECONDS = 0
    version, _ = caching.catalog_get("k")
    caching.catalog_set("k", version, "page")
    with _redis_reads() as reads:
        assert caching.catalog_get("k") == (version, "page")
    assert reads.call_count == 1


def test_a_plain_visitors_page_is_served_from_the_copy(copies, client):
    from tests.factories.shop import VariantFactory

    category = VariantFactory(product__name="Kettle").product.category
    url = f"/c/{category.slug}/"
    first = client.get(url).content
    with _redis_reads() as reads:
        assert client.get(url).content == first
    assert reads.call_count == 0
