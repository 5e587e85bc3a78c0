"""The catalog's shared-cache entries, all made stale at once by one counter.

An entry is stored as (generation, value) under a key without the generation, and
read together with the current generation in one MGET: one cache round trip per hit.
`shop.services.catalog_cache_invalidate` bumps the generation (one INCR), so no
listing, product page or API answer outlives a price/stock/product change.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

CATALOG_VERSION_KEY = "shop:catalog-version"
TIMEOUT = 60 * 15


def catalog_key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"shop:cat:{kind}:{digest}"


def catalog_version() -> int:
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, 1, timeout=None)
        version = cache.get(CATALOG_VERSION_KEY) or 1
    return int(version)


def catalog_get(key: str) -> tuple[int, object | None]:
    """Return (current generation, value or None when missing or stale)."""
    found = cache.get_many([CATALOG_VERSION_KEY, key])
    version = found.get(CATALOG_VERSION_KEY)
    if version is None:
        return catalog_version(), None
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        return version, entry[1]
    return version, None


def catalog_set(key: str, version: int, value: object, timeout: int = TIMEOUT) -> None:
    """Store value under the generation read *before* it was built: a change made
    meanwhile bumps the generation and the entry is never served."""
    cache.set(key, (version, value), timeout)


def catalog_invalidate() -> None:
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:  # no counter yet (or evicted): start above any old one
        if not cache.add(CATALOG_VERSION_KEY, 2, timeout=None):
            cache.incr(CATALOG_VERSION_KEY)
