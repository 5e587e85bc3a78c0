"""What every storefront page shows around its content: the category menu, the
cart's item count and the footer's pages.

All lazy (nothing is read unless a template uses it) and cheap: the menu and the
footer come from the catalog cache (no query on a hit), the count from the cache
under the session's cart token or the customer (one query on a miss, dropped by
every cart write: shop.services.cart_count_forget).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import caching, selectors
from . import storefront as frame

logger = logging.getLogger(__name__)


def _cart_count(request: HttpRequest) -> int:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        key = caching.cart_count_keys(token="", user_id=user.pk)[1]
    else:
        session = getattr(request, "session", None)
        token = session.get(selectors.CART_SESSION_KEY) if session is not None else None
        if not token:
            return 0
        key = caching.cart_count_keys(token=token, user_id=None)[0]
    count = caching.cache_get(key)
    if count is None:
        count = frame.cart_item_count_for_request(request)
        caching.cache_set(key, count, caching.CART_COUNT_TIMEOUT)
    return int(count)


def _cached(kind: str, build, failed: list[DatabaseError]):
    """The cached menu or footer; without a database the page renders without
    them (the frame never turns a page that needs no data into an error). After
    one database error the page's other part does not try again: each try can
    wait DATABASE_REQUEST_TIMEOUT_SECONDS."""
    if failed:
        return []
    try:
        return caching.catalog_cached(caching.catalog_key(kind), build)
    except DatabaseError as error:
        failed.append(error)
        logger.warning("storefront %s unavailable: %s", kind, error)
        return []


def storefront(request: HttpRequest) -> dict:
    failed: list[DatabaseError] = []  # the frame's database error, if any
    return {
        "nav_categories": SimpleLazyObject(
            lambda: _cached("nav", frame.category_menu, failed)
        ),
        "footer_pages": SimpleLazyObject(
            lambda: _cached("footer", frame.footer_pages, failed)
        ),
        "cart_count": SimpleLazyObject(lambda: _cart_count(request)),
    }
