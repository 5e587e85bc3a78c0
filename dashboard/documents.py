"""Staff download of an order's invoice or packing slip (<admin>/dashboard/orders/…).

Staff with `orders.view_order` get a redirect to a short-lived signed URL of the
private file; the document is made on the spot if the background task has not
made it yet.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache

from orders.models import Order
from orders.services.documents import order_document_url


@never_cache
def _order_document(request: HttpRequest, order_id: int, kind: str) -> HttpResponse:
    if not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    order = get_object_or_404(
        Order.objects.select_related("payment", "shipping_method"), pk=order_id
    )
    url = order_document_url(order=order, kind=kind)
    if url is None:
        raise Http404("No such document: the order has no captured payment.")
    return redirect(url)


order_document_view = admin.site.admin_view(_order_document)
