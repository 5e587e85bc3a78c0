"""The catalog's shared-cache entries, all made stale at once by one counter.

An entry is stored as (generation, value) under a key without the generation, and
read together with the current generation in one MGET: one cache round trip per hit.
`shop.services.catalog_cache_invalidate` bumps the generation (one INCR), so no
listing, product page or API answer outlives a price/stock/product change.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from securecart import cache_circuit

CATALOG_VERSION_KEY = "shop:catalog-version"
TIMEOUT = 60 * 15
# While Redis is unreachable (its circuit open: generation 0) each process keeps what
# it built for this long, a few entries at most: a page costs one build per process
# every few seconds instead of one per request. A catalog change shows there after
# at most this long (without Redis there is no generation to bump).
LOCAL_SECONDS = 5.0
LOCAL_MAX_ENTRIES = 64
_local: dict[str, tuple[float, Any]] = {}
_local_lock = threading.Lock()


CART_COUNT_TIMEOUT = 60 * 60


def cart_count_keys(*, token: str, user_id: int | None) -> list[str]:
    """Where the header's item count of a cart is kept: by the anonymous session's
    cart token, or by the customer (whose latest cart the header shows)."""
    keys = [f"shop:cart-count:t:{token}"]
    if user_id is not None:
        keys.append(f"shop:cart-count:u:{user_id}")
    return keys


def cache_delete_many(keys: list[str]) -> None:
    cache.delete_many(keys)


def cache_get(key: str) -> Any:
    return cache.get(key)


def cache_set(key: str, value: object, timeout: int) -> None:
    cache.set(key, value, timeout)


def catalog_key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"shop:cat:{kind}:{digest}"


def catalog_version() -> int:
    """The generation when a read found none: start it with one ADD.

    At most one more Redis call on a miss (a lost ADD race reads the winner's
    value once). While the Redis circuit is open (securecart.cache_circuit) the
    answer is 0 without any call: 0 matches no stored entry and is never stored.
    """
    if cache_circuit.is_open():
        return 0
    if cache.add(CATALOG_VERSION_KEY, 1, timeout=None):
        return 1
    return int(cache.get(CATALOG_VERSION_KEY) or 0)


def catalog_get(key: str) -> tuple[int, Any]:
    """Return (current generation, value or None when missing or stale); with
    Redis unreachable (generation 0) the value is this process's own recent copy."""
    version, value = catalog_entry(cache.get_many([CATALOG_VERSION_KEY, key]), key)
    if version is None:
        version, value = catalog_version(), None
    if not version:
        return 0, local_get(key)
    if _local:  # Redis is back: the copies are done with
        local_clear()
    return version, value


def catalog_set(key: str, version: int, value: object, timeout: int = TIMEOUT) -> None:
    """Store value under the generation read *before* it was built: a change made
    meanwhile bumps the generation and the entry is never served. Generation 0
    (Redis unreachable) is kept in this process for LOCAL_SECONDS only."""
    if version:
        cache.set(key, (version, value), timeout)
    else:
        local_set(key, value)


def local_get(key: str) -> Any:
    entry = _local.get(key)
    return entry[1] if entry is not None and entry[0] > time.monotonic() else None


def local_set(key: str, value: object) -> None:
    with _local_lock:
        while len(_local) >= LOCAL_MAX_ENTRIES:
            del _local[next(iter(_local))]  # the oldest
        _local[key] = (time.monotonic() + LOCAL_SECONDS, value)


def local_clear() -> None:
    with _local_lock:
        _local.clear()


def catalog_cached(key: str, build: Callable[[], Any]) -> Any:
    """The fresh value under key, else build() stored under the generation read
    before building (a change meanwhile leaves it stale)."""
    version, value = catalog_get(key)
    if value is None:
        value = build()
        catalog_set(key, version, value)
    return value


def catalog_invalidate() -> None:
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:  # no counter yet (or evicted): start above any old one
        if not cache.add(CATALOG_VERSION_KEY, 2, timeout=None):
            cache.incr(CATALOG_VERSION_KEY)


def _redis_cache():
    """The default cache if it is django-redis (for pipelining), else None."""
    try:
        from django_redis.cache import RedisCache
    except ImportError:  # pragma: no cover - django-redis is a dependency
        return None
    from django.core.cache import caches

    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def count_and_get_many(
    *, counter: str, ttl: int, keys: list[str]
) -> tuple[int | None, dict]:
    """Count one hit on `counter` (created with `ttl`) and read `keys`, in one
    round trip on Redis (pipeline) — the API's throttle and its cache read together.

    Returns (count or None when the cache is unreachable, {key: value}).
    """
    backend = _redis_cache()
    if backend is None:
        try:
            count = cache.incr(counter)
        except ValueError:
            cache.add(counter, 0, ttl)
            count = cache.incr(counter)
        return count, cache.get_many(keys)
    try:
        client = backend.client.get_client(write=True)
        counter_key = backend.make_key(counter)
        real_keys = [backend.make_key(key) for key in keys]
        pipe = client.pipeline(transaction=False)
        pipe.set(counter_key, 0, ex=ttl, nx=True)
        pipe.incr(counter_key)
        pipe.mget(real_keys)
        _, count, values = pipe.execute()
        found = {
            key: backend.client.decode(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }
        return int(count), found
    except cache_circuit.CircuitOpen:
        return None, {}
    except Exception:
        cache_circuit.record_failure()
        return None, {}


def catalog_entry(found: dict, key: str) -> tuple[int | None, Any]:
    """(generation, fresh value or None) from a get_many result holding the
    generation counter and `key`."""
    version = found.get(CATALOG_VERSION_KEY)
    entry = found.get(key)
    if version is not None and isinstance(entry, tuple) and len(entry) == 2:
        if entry[0] == version:
            return version, entry[1]
    return version, None
