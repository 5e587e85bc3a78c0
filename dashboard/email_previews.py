"""Email previews (<admin>/dashboard/emails/): each customer email rendered for an
order, exactly as the notification consumer would send it now.

The sample is the newest order, or the one named by `?order=`. The HTML version
opens on its own URL under a policy that lets its inline styles apply and nothing
run (no scripts, no network but images over https).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from notifications.services import EMAIL_SUBJECTS, email_render, notification_context
from orders.models import Order

PERMISSION = "notifications.view_notificationlog"
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"
# what the events carry beyond the order itself, for a believable sample
SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "order.on_hold": {"reason": "(staff-only reason, not shown to customers)"},
    "order.cancelled": {"reason": "Cancelled at the customer's request."},
}


def _sample_order(request: HttpRequest) -> Order:
    number = request.GET.get("order", "").strip().upper()
    orders = Order.objects.order_by("-placed_at", "-id")
    order = orders.filter(number=number).first() if number else orders.first()
    if order is None:
        raise Http404("No order to preview with: place one, or name an existing one.")
    return order


def _render(event_type: str, order: Order):
    envelope = {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "occurred_at": timezone.now().isoformat(),
        "order_number": order.number,
        "data": SAMPLE_DATA.get(event_type, {}),
    }
    context = notification_context(envelope)
    context["event_id"] = envelope["id"]
    return email_render(context=context)


@never_cache
def _previews(request: HttpRequest, event_type: str = "") -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if event_type and event_type not in EMAIL_SUBJECTS:
        raise Http404("No such email.")
    order = _sample_order(request)
    chosen = event_type or next(iter(EMAIL_SUBJECTS))
    email = _render(chosen, order)
    return TemplateResponse(
        request,
        "dashboard/email_previews.html",
        {
            **admin.site.each_context(request),
            "title": "Email previews",
            "event_types": list(EMAIL_SUBJECTS),
            "chosen": chosen,
            "order": order,
            "preview": email,
        },
    )


@never_cache
def _preview_html(request: HttpRequest, event_type: str) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if event_type not in EMAIL_SUBJECTS:
        raise Http404("No such email.")
    response = HttpResponse(_render(event_type, _sample_order(request)).html)
    response["Content-Security-Policy"] = HTML_POLICY
    return response


previews_view = admin.site.admin_view(_previews)
preview_html_view = admin.site.admin_view(_preview_html)
