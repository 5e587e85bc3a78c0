"""Windowed counters in the shared cache, the one helper every throttle uses.

A window starts at the first count and lasts `window` seconds; `counter_add`
adds one atomically (INCR on Redis) and returns the new value, so callers count
first and compare the new value: concurrent requests cannot all slip under a
limit. The cache is COUNTER_CACHE_ALIAS (Redis in production).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache


def counter_cache() -> BaseCache:
    """The cache that holds the throttle counters (see COUNTER_CACHE_ALIAS)."""
    return caches[settings.COUNTER_CACHE_ALIAS]


def counter_add(key: str, window: int) -> int:
    """Add one to a windowed counter and return the new count."""
    # add() starts the window only once; incr() keeps the key's expiry.
    cache = counter_cache()
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:
        # Expired between add() and incr(), or the cache is unreachable
        # (django-redis ignores its errors): start again at one. A cache
        # outage leaves the action unthrottled rather than locking all out.
        cache.set(key, 1, timeout=window)
        return 1


def counter_give_back(key: str) -> None:
    """Take one off a counter (an attempt that turned out not to count)."""
    try:
        counter_cache().decr(key)
    except ValueError:
        pass  # expired meanwhile


def counter_retry_after(key: str, window: int) -> int:
    """Seconds until the counter's window ends (the whole window if unknown)."""
    ttl = getattr(counter_cache(), "ttl", None)
    if ttl is None:
        return window
    remaining = ttl(key)
    return max(1, remaining) if isinstance(remaining, int) else window
