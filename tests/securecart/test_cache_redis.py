"""Redis (django-redis) for cache, sessions and throttles, with a real outage.

Each test runs its own redis-server on a free port and stops/starts it: the shared
one on 6379 is never touched. The cache configuration is the one base settings
build (`redis_cache_config`), with a per-test key prefix.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from securecart import cache_circuit, health
from securecart.settings.base import redis_cache_config
from tests.services import free_port, port_open, wait_until, which

pytestmark = [pytest.mark.redis, pytest.mark.urls(__name__), pytest.mark.django_db]


# --- views of this module's URLconf -------------------------------------------
def page_view(request: HttpRequest) -> JsonResponse:
    """A page that uses the cache and the session, as storefront pages do."""
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    computed = []
    greeting = cache.get_or_set(
        "greeting", lambda: computed.append(1) or "hello", timeout=60
    )
    return JsonResponse(
        {
            "greeting": greeting,
            "cache_hit": not computed,
            "visits": visits,
            "user": request.user.get_username(),
        }
    )


class ThreePerMinute(AnonRateThrottle):
    rate = "3/min"


class ThrottledView(APIView):
    throttle_classes = [ThreePerMinute]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("page/", page_view),
    path("api/throttled/", ThrottledView.as_view()),
    path("readyz", health.readyz),
]


# --- a redis-server of this test ---------------------------------------------------
@dataclass
class RedisServer:
    port: int
    workdir: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            lambda: port_open("127.0.0.1", self.port), 10, message="redis-server"
        )
        # A process skips Redis for CACHE_CIRCUIT_OPEN_SECONDS after a failure.
        wait_until(lambda: not cache_circuit.is_open(), 10, message="circuit")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        wait_until(lambda: not port_open("127.0.0.1", self.port), 10, message="stop")


@pytest.fixture
def own_redis(settings, tmp_path: Path) -> Iterator[RedisServer]:
    if not which("redis-server"):
        from tests.services import service_missing

        service_missing("redis-server binary not installed")
    server = RedisServer(port=free_port(), workdir=tmp_path)
    server.start()
    settings.CACHES = {
        "default": redis_cache_config(
            server.url, key_prefix=f"t-{uuid.uuid4().hex[:8]}", version=7
        )
    }
    try:
        yield server
    finally:
        server.stop()


# --- tests ------------------------------------------------------------------------------
def test_keys_carry_the_deploy_prefix_and_version(own_redis, settings):
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    cache.set("answer", 42)
    raw = redis.Redis.from_url(own_redis.url)
    assert raw.keys("*answer") == [f"{prefix}:7:answer".encode()]
    # a new deploy (another version) does not read the old deploy's entries
    settings.CACHES = {"default": {**settings.CACHES["default"], "VERSION": 8}}
    assert cache.get("answer") is None


def test_pages_render_through_a_redis_outage_and_recover_without_restart(
    own_redis, client, django_user_model
):
    # given a signed-in shopper and a warm cache
    user = django_user_model.objects.create_user(username="ada", password="pw-12345")
    client.force_login(user)
    assert client.get("/page/").json()["cache_hit"] is False
    assert client.get("/page/").json()["cache_hit"] is True
    # when Redis goes away
    own_redis.stop()
    down = client.get("/page/")
    # then the page still renders: a cache miss, the session read from the database
    assert down.status_code == 200
    assert down.json() == {
        "greeting": "hello",
        "cache_hit": False,
        "visits": 3,
        "user": "ada",
    }
    ready = client.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200, body  # a cache outage degrades, it does not fail
    assert body["checks"]["cache"]["status"] == "degraded"
    assert (
        f"RedisCache redis://127.0.0.1:{own_redis.port}/0"
        in body["checks"]["cache"]["detail"]
    )
    # when Redis comes back (empty: no persistence), the same process uses it again
    own_redis.start()
    wait_until(
        lambda: client.get("/page/").json()["cache_hit"], 10, message="cache hits"
    )
    assert client.get("/page/").json()["user"] == "ada"
    check = client.get("/readyz").json()["checks"]["cache"]
    assert check == {"status": "ok", "detail": f"RedisCache {own_redis.url}"}


def test_throttles_fail_open_while_redis_is_down_and_count_again_after(
    own_redis, client
):
    # given the limit is enforced while Redis is up
    codes = [client.get("/api/throttled/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # when Redis is down: no history to count, so requests are let through (open)
    own_redis.stop()
    assert [client.get("/api/throttled/").status_code for _ in range(5)] == [200] * 5
    # when Redis is back: counting starts afresh and the limit holds again
    own_redis.start()
    codes = [client.get("/api/throttled/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_storefront_pages_render_with_redis_down(own_redis, client, settings):
    from tests.factories.shop import ProductFactory

    # the real storefront (its fragments are cached in Redis when it is up)
    settings.ROOT_URLCONF = "securecart.urls"
    product = ProductFactory(name="Walnut desk lamp", is_featured=True)
    assert client.get("/").status_code == 200
    own_redis.stop()
    for url in ("/", f"/p/{product.slug}/", "/api/v1/products/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Walnut desk lamp" in response.content.decode(), url
