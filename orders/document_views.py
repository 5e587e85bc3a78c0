"""The shopper's invoice download: the order page's "Invoice (PDF)" link.

Same access rule as the order page (its signed-in owner, or the browser that
holds its access token in the session); answers with a redirect to a short-lived
signed URL of the private file, never the file's permanent address.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from .models import OrderDocument
from .selectors import order_get_for_customer
from .services.documents import order_document_url
from .views import ORDERS_SESSION_KEY


@never_cache
def order_invoice(request: HttpRequest, number: str) -> HttpResponse:
    token = (request.session.get(ORDERS_SESSION_KEY) or {}).get(number.upper())
    order = order_get_for_customer(number=number, user=request.user, access_token=token)
    if order is None:
        raise Http404  # missing, or not theirs: the same answer
    url = order_document_url(order=order, kind=OrderDocument.Kind.INVOICE)
    if url is None:
        raise Http404("This order has no invoice yet: it is made once it is paid.")
    response = redirect(url)
    response["Referrer-Policy"] = "no-referrer"
    return response
