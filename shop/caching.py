"""The catalog's shared-cache entries, all made stale at once by one counter.

An entry is stored as (generation, value) under a key without the generation, and
read together with the current generation in one MGET: one cache round trip per hit.
`shop.services.catalog_cache_invalidate` bumps the generation (one INCR), so no
listing, product page or API answer outlives a price/stock/product change.

In front of that, each process keeps the pages and fragments (text) it read or
built last for CATALOG_LOCAL_SECONDS (1 s by default; 0 turns it off), within
CATALOG_LOCAL_BYTES: a hot page is then served with no Redis call at all. The
price is that a change made in another process reaches this one's copies up to
that long later (a change made here drops them at once). Checkout and carts never
read these copies: they price from the database. While Redis is unreachable the
entries a process builds are kept for OUTAGE_SECONDS instead (any value, a few).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from django.conf import settings
from django.core.cache import cache

from securecart import cache_circuit

CATALOG_VERSION_KEY = "shop:catalog-version"
TIMEOUT = 60 * 15
# While Redis is unreachable (its circuit open: generation 0) each process keeps what
# it built for this long, a few entries at most: a page costs one build per process
# every few seconds instead of one per request. A catalog change shows there after
# at most this long (without Redis there is no generation to bump).
OUTAGE_SECONDS = 5.0
OUTAGE_MAX_ENTRIES = 64


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


class _LocalCopies:
    """This process's copies of catalog text: (generation, value) by key, each
    kept CATALOG_LOCAL_SECONDS, at most CATALOG_LOCAL_BYTES of text in all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._store: TTLCache | None = None
        self._settings: tuple[float, int] = (0.0, 0)
        # The newest generation this process read from Redis; None after a change
        # made here, until the next read: only copies of that generation are kept.
        self._generation: int | None = None

    def _entries(self) -> TTLCache | None:
        wanted = (
            float(getattr(settings, "CATALOG_LOCAL_SECONDS", 0)),
            int(getattr(settings, "CATALOG_LOCAL_BYTES", 0)),
        )
        if wanted != self._settings:  # first use, or settings changed (tests)
            seconds, size = self._settings = wanted
            self._store = (
                TTLCache(size, seconds, timer=_now, getsizeof=_size)
                if seconds > 0 and size > 0
                else None
            )
        return self._store

    def get(self, key: str) -> tuple[int, Any] | None:
        with self._lock:
            store = self._entries()
            return store.get(key) if store is not None else None

    def seen(self, version: int) -> None:
        with self._lock:
            self._generation = version

    def put(self, key: str, version: int, value: object) -> None:
        if not isinstance(value, str | bytes):
            return  # only text: its size is known
        with self._lock:
            store = self._entries()
            if (
                store is not None
                and version == self._generation
                and _size((version, value)) <= store.maxsize
            ):
                store[key] = (version, value)

    def clear(self) -> None:
        with self._lock:
            self._generation = None
            if self._store is not None:
                self._store.clear()


def _now() -> float:
    return time.monotonic()


def _size(entry: tuple[int, Any]) -> int:
    return len(entry[1]) + 100


LOCAL = _LocalCopies()
# The outage copies: any value, OUTAGE_MAX_ENTRIES at most, each OUTAGE_SECONDS.
_outage: TTLCache = TTLCache(OUTAGE_MAX_ENTRIES, OUTAGE_SECONDS, timer=_now)
_outage_lock = threading.Lock()


def catalog_get(key: str) -> tuple[int, Any]:
    """Return (current generation, value or None when missing or stale); with
    Redis unreachable (generation 0) the value is this process's own recent copy."""
    local = LOCAL.get(key)
    if local is not None:
        return local
    version, value = catalog_entry(cache.get_many([CATALOG_VERSION_KEY, key]), key)
    if version is None:
        version, value = catalog_version(), None
    if not version:
        return 0, outage_get(key)
    if _outage:  # Redis is back: the outage copies are done with
        outage_clear()
    LOCAL.seen(version)
    if value is not None:
        LOCAL.put(key, version, value)
    return version, value


def catalog_set(key: str, version: int, value: object, timeout: int = TIMEOUT) -> None:
    """Store value under the generation read *before* it was built: a change made
    meanwhile bumps the generation and the entry is never served. Generation 0
    (Redis unreachable) is kept in this process for OUTAGE_SECONDS only."""
    if version:
        cache.set(key, (version, value), timeout)
        LOCAL.put(key, version, value)
    else:
        outage_set(key, value)


def outage_get(key: str) -> Any:
    with _outage_lock:
        return _outage.get(key)


def outage_set(key: str, value: object) -> None:
    with _outage_lock:
        _outage[key] = value


def outage_clear() -> None:
    with _outage_lock:
        _outage.clear()


def copies_clear() -> None:
    """Forget every copy this process keeps (hot and outage): tests, and a change."""
    LOCAL.clear()
    outage_clear()


def catalog_cached(key: str, build: Callable[[], Any]) -> Any:
    """The fresh value under key, else build() stored under the generation read
    before building (a change meanwhile leaves it stale)."""
    version, value = catalog_get(key)
    if value is None:
        value = build()
        catalog_set(key, version, value)
    return value


_pending = threading.Event()  # a bump this process could not make (Redis away)


def catalog_invalidate() -> None:
    """Bump the generation. With Redis unreachable (the INCR skipped or failed) the
    bump is made when this process's circuit closes (`catalog_bump_pending`)."""
    copies_clear()
    try:
        bumped = cache.incr(CATALOG_VERSION_KEY)
    except ValueError:  # no counter yet (or evicted): start above any old one
        bumped = cache.add(CATALOG_VERSION_KEY, 2, timeout=None) or cache.incr(
            CATALOG_VERSION_KEY
        )
    if bumped is None or cache_circuit.is_open():  # errors are ignored: None
        _pending.set()


def catalog_bump_pending() -> None:
    """The Redis circuit closed: make the bump a change made meanwhile missed, so
    no page cached before it outlives it (cache_circuit.on_close_register)."""
    if _pending.is_set():
        _pending.clear()
        catalog_invalidate()


def _redis_cache():
    """The default cache if it is django-redis (for pipelining), else None."""
    try:
        from django_redis.cache import RedisCache
    except ImportError:  # pragma: no cover - django-redis is a dependency
        return None
    from django.core.cache import caches

    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


# Count a hit (the counter starts at 0 with its TTL) and read the keys: one
# command, so one request packed and one reply parsed.
_COUNT_AND_GET = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if #KEYS == 1 then return {count, {}} end
return {count, redis.call('MGET', unpack(KEYS, 2))}
"""
_scripts: dict[int, Any] = {}


def _count_and_get_script(client: Any) -> Any:
    # One Script per client: it runs EVALSHA and loads itself on NOSCRIPT.
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_COUNT_AND_GET)
    return script


def count_and_get_many(
    *, counter: str, ttl: int, keys: list[str], amount: int = 1
) -> tuple[int | None, dict]:
    """Add `amount` hits to `counter` (created with `ttl`) and read `keys`, in one
    round trip on Redis (a Lua script) — the API's throttle and its cache read
    together.

    Returns (count or None when the cache is unreachable, {key: value}).
    """
    backend = _redis_cache()
    if backend is None:
        try:
            count = cache.incr(counter, amount)
        except ValueError:
            cache.add(counter, 0, ttl)
            count = cache.incr(counter, amount)
        return count, cache.get_many(keys) if keys else {}
    try:
        client = backend.client.get_client(write=True)
        real_keys = [backend.make_key(key) for key in (counter, *keys)]
        count, values = _count_and_get_script(client)(
            keys=real_keys, args=[ttl, amount]
        )
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
