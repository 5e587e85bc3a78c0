"""API rate limits on the shared cache: anonymous callers by IP, signed-in by user.

Fixed-window counters (one atomic INCR per request) instead of DRF's sliding-window
history, which stores and re-pickles one timestamp per request in the window: fine
at 120/min, costly at high limits. The price: a caller can burst up to twice the rate
across a window boundary. Retry-After is the time to the next window.
DRF's UserRateThrottle also counts anonymous callers on top of AnonRateThrottle;
here each caller is counted once.

High limits are counted in leases: a process takes LEASE_SHARE of a caller's
limit at once from the shared counter (one INCRBY) and spends it locally, so a
caller allowed thousands of requests a minute (a partner, the bench) costs one
round trip per lease instead of one per request. The shared counter still holds
every token handed out, so the limit is never exceeded; what a process leased
and did not spend before the window ends is lost, so a caller spread over P
processes may get up to P × (lease − 1) fewer requests than the limit. Limits
under 2 / LEASE_SHARE (200/min at 1 %; the anonymous 120/min) lease one token:
counted exactly, one round trip per request, as before.
"""

from __future__ import annotations

import threading

from cachetools import TTLCache
from rest_framework.throttling import SimpleRateThrottle

from securecart.throttles import AnonRateThrottle, UserRateThrottle

from . import caching

# A lease is this share of a caller's limit per window, at most LEASE_MAX tokens.
LEASE_SHARE = 0.01
LEASE_MAX = 1000
# Callers with tokens (or a refusal) kept in this process, per window.
LEASED_CALLERS_MAX = 10_000


class _Leases:
    """This process's unspent tokens per window counter; a negative number is
    "refused until the window ends" (the shared count only grows in a window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[int, TTLCache] = {}

    def _store(self, duration: int) -> TTLCache:
        store = self._windows.get(duration)
        if store is None:  # an entry outlives no window
            store = self._windows[duration] = TTLCache(LEASED_CALLERS_MAX, duration)
        return store

    def take(self, counter: str, duration: int) -> bool | None:
        """True: a token spent here; False: refused; None: ask the shared counter."""
        with self._lock:
            store = self._store(duration)
            left = store.get(counter)
            if left is None or left == 0:
                return None
            if left < 0:
                return False
            store[counter] = left - 1
            return True

    def keep(self, counter: str, duration: int, left: int) -> None:
        with self._lock:
            self._store(duration)[counter] = left

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


LEASES = _Leases()


class _FixedWindowMixin(SimpleRateThrottle):
    wait_seconds = 0.0

    def lease_size(self) -> int:
        return max(1, min(LEASE_MAX, int(self.num_requests * LEASE_SHARE)))

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now) - int(now) % self.duration
        counter = f"{key}:{window}"
        lease = self.lease_size()
        if lease > 1:
            local = LEASES.take(counter, self.duration)
            if local is not None:  # spent (or refused) here: no round trip
                return local or self._refuse(window, now)
        prefetch = getattr(view, "catalog_prefetch_key", None)
        cache_key = prefetch(request) if prefetch else None
        if cache_key or lease > 1:
            # Count this hit (take a lease) and read the view's cached answer in
            # one round trip.
            count, found = caching.count_and_get_many(
                counter=counter,
                ttl=self.duration + 1,
                keys=[caching.CATALOG_VERSION_KEY, cache_key] if cache_key else [],
                amount=lease,
            )
            if cache_key:
                request.catalog_prefetched = (cache_key, found)
            if count is None or lease == 1:
                return self._decide(count, window, now)
            return self._lease_taken(counter, count, lease, window, now)
        try:  # one round trip once the window's counter exists
            count = self.cache.incr(counter)
        except ValueError:  # first request of the window
            self.cache.add(counter, 0, self.duration + 1)
            try:
                count = self.cache.incr(counter)
            except ValueError:  # evicted at once: count this one
                count = 1
        return self._decide(count, window, now)

    def _lease_taken(
        self, counter: str, count: int, lease: int, window: int, now: float
    ) -> bool:
        # Tokens count-lease+1 .. count are this process's; those over the limit
        # do not exist.
        granted = min(lease, self.num_requests - (count - lease))
        if granted <= 0:
            LEASES.keep(counter, self.duration, -1)
            return self._refuse(window, now)
        LEASES.keep(counter, self.duration, granted - 1)
        return True

    def _decide(self, count: int | None, window: int, now: float) -> bool:
        if count is None:  # cache unreachable (errors ignored): do not lock people out
            return True
        if count > self.num_requests:
            return self._refuse(window, now)
        return True

    def _refuse(self, window: int, now: float) -> bool:
        self.wait_seconds = window + self.duration - now
        return False

    def wait(self) -> float:
        return max(self.wait_seconds, 1.0)


class AnonThrottle(_FixedWindowMixin, AnonRateThrottle):
    scope = "anon"


class SignedInThrottle(_FixedWindowMixin, UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle counts them
        return super().get_cache_key(request, view)


SHOP_THROTTLES = [AnonThrottle, SignedInThrottle]
