"""Staff operations dashboard, a custom admin view at <admin>/dashboard/.

One page for the shift lead: today's orders and revenue, orders per hour (an
SVG chart rendered on the server, so it needs no JavaScript and passes the
strict CSP), orders by status, stuck orders, fraud holds, low stock, queues and
DLQs, outbox lag and the latest notification failures.

Query budget: every section is one query (QUERY_BUDGET at most with the admin
session), asserted in tests; the snapshot is cached (dashboard/selectors.py).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from securecart.models import OPERATIONS_PERMISSION

from .selectors import dashboard_cached

# Queries of one uncached render, admin session and user included (tests hold
# the view to it): one per section, never one per row.
QUERY_BUDGET = 12


@never_cache
def _dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(OPERATIONS_PERMISSION):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": "Operations dashboard",
        "snapshot": dashboard_cached(),
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
        "zero": Decimal("0"),
    }
    return TemplateResponse(request, "dashboard/dashboard.html", context)


# admin_view: staff only (others go to the admin login), CSRF and never cached;
# staff without securecart.view_operations get 403.
dashboard_view = admin.site.admin_view(_dashboard)
