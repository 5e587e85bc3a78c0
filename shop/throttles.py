"""API rate limits on the shared cache: anonymous callers by IP, signed-in by user.

Fixed-window counters (one atomic INCR per request) instead of DRF's sliding-window
history, which stores and re-pickles one timestamp per request in the window: fine
at 120/min, costly at high limits. The price: a caller can burst up to twice the rate
across a window boundary. Retry-After is the time to the next window.
DRF's UserRateThrottle also counts anonymous callers on top of AnonRateThrottle;
here each caller is counted once.
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from securecart.throttles import AnonRateThrottle, UserRateThrottle

from . import caching


class _FixedWindowMixin(SimpleRateThrottle):
    wait_seconds = 0.0

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now) - int(now) % self.duration
        counter = f"{key}:{window}"
        prefetch = getattr(view, "catalog_prefetch_key", None)
        cache_key = prefetch(request) if prefetch else None
        if cache_key:
            # Count this hit and read the view's cached answer in one round trip.
            count, found = caching.count_and_get_many(
                counter=counter,
                ttl=self.duration + 1,
                keys=[caching.CATALOG_VERSION_KEY, cache_key],
            )
            request.catalog_prefetched = (cache_key, found)
            return self._decide(count, window, now)
        try:  # one round trip once the window's counter exists
            count = self.cache.incr(counter)
        except ValueError:  # first request of the window
            self.cache.add(counter, 0, self.duration + 1)
            try:
                count = self.cache.incr(counter)
            except ValueError:  # evicted at once: count this one
                count = 1
        return self._decide(count, window, now)

    def _decide(self, count: int | None, window: int, now: float) -> bool:
        if count is None:  # cache unreachable (errors ignored): do not lock people out
            return True
        if count > self.num_requests:
            self.wait_seconds = window + self.duration - now
            return False
        return True

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
