"""A hung Redis (a real redis-server frozen with SIGSTOP: connections are accepted
and never answered) costs one socket timeout per process, then is skipped: pages
answer from the database while the circuit is open, and Redis is used again once
it answers."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from securecart import cache_circuit
from securecart.cache_circuit import BREAKER
from securecart.settings.base import redis_cache_config
from tests.securecart.test_cache_redis import RedisServer
from tests.services import free_port, wait_until, which

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def frozen_redis(settings, tmp_path) -> Iterator[RedisServer]:
    if not which("redis-server"):
        from tests.services import service_missing

        service_missing("redis-server binary not installed")
    server = RedisServer(port=free_port(), workdir=tmp_path)
    server.start()
    settings.CACHES = {
        "default": redis_cache_config(
            server.url, key_prefix=f"c-{uuid.uuid4().hex[:8]}", version=1
        )
    }
    try:
        yield server
    finally:
        assert server.proc is not None
        os.kill(server.proc.pid, signal.SIGCONT)
        server.stop()


def _freeze(server: RedisServer) -> None:
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGSTOP)


def _thaw(server: RedisServer) -> None:
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGCONT)


def test_a_hung_redis_opens_the_circuit_and_pages_skip_it(
    frozen_redis, client, settings
):
    from tests.factories.shop import ProductFactory

    settings.CACHE_CIRCUIT_OPEN_SECONDS = 60  # stays open for the whole test
    product = ProductFactory(name="Walnut desk lamp", is_featured=True)
    urls = ["/", f"/p/{product.slug}/", "/search/?q=lamp", "/api/v1/products/"]
    for url in urls:  # warm: pages cached, throttles counted
        assert client.get(url).status_code == 200
    assert BREAKER.trips == 0

    _freeze(frozen_redis)
    started = time.monotonic()
    for _ in range(5):
        for url in urls:
            assert client.get(url).status_code == 200, url
    elapsed = time.monotonic() - started

    # one call paid the socket timeout and opened the circuit; the rest never
    # reached the network
    assert BREAKER.trips == 1
    assert BREAKER.skipped >= 20
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["cache"]["status"] == "degraded"
    assert "circuit open" in ready.json()["checks"]["cache"]["detail"]
    print(f"20 pages with Redis frozen: {elapsed:.2f} s")


def test_a_signed_in_shopper_pays_one_timeout_and_keeps_the_session(
    frozen_redis, client, settings
):
    """Sessions (cached_db), the header's cart count and the pages all read Redis;
    with it frozen the session comes from the database and one call pays."""
    from tests.factories.accounts import UserFactory
    from tests.factories.shop import ProductFactory

    settings.CACHE_CIRCUIT_OPEN_SECONDS = 60
    product = ProductFactory(name="Walnut desk lamp")
    user = UserFactory()
    client.force_login(user)
    urls = ["/", f"/p/{product.slug}/", "/cart/"]
    for url in urls:
        assert client.get(url).status_code == 200

    _freeze(frozen_redis)
    for _ in range(3):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.wsgi_request.user == user  # the session survived

    assert BREAKER.trips == 1


def test_the_circuit_closes_when_redis_answers_again(frozen_redis, client, settings):
    from django.core.cache import cache

    settings.CACHE_CIRCUIT_OPEN_SECONDS = 0.3
    cache.set("greeting", "hello")
    _freeze(frozen_redis)
    assert cache.get("greeting") is None  # the timeout: a miss, circuit open
    assert cache_circuit.is_open()
    _thaw(frozen_redis)

    wait_until(lambda: cache.get("greeting") == "hello", 10, message="cache back")
    assert not cache_circuit.is_open()
    assert BREAKER.trips == 1


def _counter(server: RedisServer):
    """Commands the server has run, not counting this connection's INFO calls."""
    raw = redis.Redis.from_url(server.url)
    raw.ping()  # the connection's own handshake happens before any count

    def count() -> int:
        stats = raw.info("commandstats")
        return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")

    return count


def test_a_catalog_miss_costs_at_most_one_more_redis_call(frozen_redis):
    from shop import caching

    key = caching.catalog_key("page", "/c/x/")
    caching.catalog_get(key)  # the cache's connection handshake
    caching.cache.delete(caching.CATALOG_VERSION_KEY)
    commands = _counter(frozen_redis)
    before = commands()
    version, value = caching.catalog_get(key)
    calls = commands() - before

    assert value is None and version == 1
    assert calls <= 2  # MGET, then SET NX of the generation (was MGET + 3)


def test_a_catalog_miss_with_the_circuit_open_calls_nothing(frozen_redis):
    from shop import caching

    commands = _counter(frozen_redis)
    cache_circuit.record_failure()
    before = commands()
    version, value = caching.catalog_get(caching.catalog_key("page", "/c/x/"))
    caching.catalog_set(caching.catalog_key("page", "/c/x/"), version, "page")

    assert (version, value) == (0, None)
    assert commands() - before == 0


def test_with_redis_unreachable_a_page_is_built_once_per_process_for_a_while(
    frozen_redis, client, settings, django_assert_num_queries, monkeypatch
):
    """Each process keeps its own copy for OUTAGE_SECONDS while the circuit is open:
    pages do not all turn into full builds; a change shows after that long."""
    from shop import caching
    from shop.models import Product
    from tests.factories.shop import ProductFactory

    settings.CACHE_CIRCUIT_OPEN_SECONDS = 60
    product = ProductFactory(name="Walnut desk lamp")
    url = f"/c/{product.category.slug}/"
    _freeze(frozen_redis)
    assert "Walnut" in client.get(url).content.decode()  # the timeout, then a build
    assert cache_circuit.is_open()

    with django_assert_num_queries(0):
        assert "Walnut" in client.get(url).content.decode()

    Product.objects.filter(pk=product.pk).update(name="Oak desk lamp")
    later = caching.time.monotonic() + caching.OUTAGE_SECONDS + 1
    monkeypatch.setattr(caching.time, "monotonic", lambda: later)
    assert "Oak" in client.get(url).content.decode()


def test_a_catalog_change_made_while_redis_was_away_shows_once_it_is_back(
    frozen_redis, client, settings
):
    """The change's INCR is skipped while the circuit is open; the process makes it
    when the circuit closes, so the page cached before the change is not served on."""
    from shop import services
    from shop.models import Product
    from tests.factories.shop import ProductFactory

    settings.CACHE_CIRCUIT_OPEN_SECONDS = 0.5
    product = ProductFactory(name="Walnut desk lamp")
    url = f"/c/{product.category.slug}/"
    assert "Walnut" in client.get(url).content.decode()  # cached in Redis

    _freeze(frozen_redis)
    client.get(url)  # pays the timeout, opens the circuit
    assert cache_circuit.is_open()
    Product.objects.filter(pk=product.pk).update(name="Oak desk lamp")
    services.catalog_cache_invalidate(product_ids=[product.pk])  # the INCR is skipped
    _thaw(frozen_redis)

    # the first call after the open period probes Redis and closes the circuit;
    # from then on Redis serves, and the page cached before the change is stale
    assert wait_until(
        lambda: client.get(url) and not cache_circuit.is_open(), timeout=15
    )
    body = client.get(url).content.decode()
    assert "Oak" in body and "Walnut" not in body
