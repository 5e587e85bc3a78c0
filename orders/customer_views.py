"""The customer's own actions on an order: find it again by email, cancel it
before it ships, order its items again. Thin: the work is in
orders/services/self_service.py, the reads in orders/selectors.py."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from securecart.counters import counter_add, counter_retry_after
from securecart.http import client_ip
from shop.services import cart_get_or_create_for_request

from .browser_orders import browser_order_remember, browser_order_token
from .exceptions import InvalidTransition, PaymentError
from .forms import OrderLookupForm
from .integrations.payments import GatewayError
from .milestones import customer_can_cancel
from .models import Order
from .selectors import order_get_for_customer, order_get_for_lookup_link
from .services import ReorderOutcome, order_cancel_by_customer, order_reorder
from .tasks import lookup_email_task

logger = logging.getLogger(__name__)

_LOOKUP_PREFIX = "orders:lookup"


def _lookup_key(request: HttpRequest, form: OrderLookupForm) -> str:
    """Counted per client IP; without a trustworthy address, per email address."""
    ip = client_ip(request)
    ident = f"ip:{ip}" if ip else f"email:{form.data.get('email', '').lower()}"
    return f"{_LOOKUP_PREFIX}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


@require_http_methods(["GET", "POST"])
def order_lookup(request: HttpRequest) -> HttpResponse:
    """Find my order: number + email. The answer is the same whether or not
    they match: the link goes by email, sent by a worker."""
    form = OrderLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        key = _lookup_key(request, form)
        window = settings.ORDER_LOOKUP_WINDOW_SECONDS
        if counter_add(key, window) > settings.ORDER_LOOKUP_IP_MAX:
            retry_after = counter_retry_after(key, window)
            response = render(
                request,
                "orders/order_lookup.html",
                {"form": form, "limited": True, "minutes": -(-retry_after // 60)},
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
        if form.is_valid():
            lookup_email_task.delay(
                number=form.cleaned_data["number"], email=form.cleaned_data["email"]
            )
            return redirect("orders:order_lookup_sent")
    return render(
        request,
        "orders/order_lookup.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def order_lookup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/order_lookup_sent.html")


def order_lookup_open(request: HttpRequest) -> HttpResponse:
    """The emailed link: a valid one puts the order's access token in this
    browser's session and sends it on to the clean order URL."""
    order = order_get_for_lookup_link(token=request.GET.get("t", ""))
    if order is None:
        return render(request, "orders/order_lookup_invalid.html", status=400)
    browser_order_remember(request, number=order.number, token=order.access_token)
    response = redirect("orders:order_detail", number=order.number)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _order_for_browser(request: HttpRequest, number: str) -> Order:
    order = order_get_for_customer(
        number=number,
        user=request.user,
        access_token=browser_order_token(request, number=number),
    )
    if order is None:
        raise Http404  # missing, or not theirs: the same answer
    return order


@require_http_methods(["GET", "POST"])
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """GET: the confirmation page; POST (CSRF-checked): cancel. Only the owner or
    a browser holding the order's token; a repeated POST changes nothing."""
    order = _order_for_browser(request, number)
    if request.method == "GET":
        return render(
            request,
            "orders/order_cancel.html",
            {"order": order, "can_cancel": customer_can_cancel(order.status)},
        )
    actor = request.user if request.user.is_authenticated else "customer"
    try:
        cancelled = order_cancel_by_customer(order=order, actor=actor)
    except InvalidTransition:
        messages.error(
            request, "This order has shipped and can no longer be cancelled."
        )
        return redirect("orders:order_detail", number=order.number)
    except (GatewayError, PaymentError):
        logger.warning("payment release after a customer cancel failed: %s", number)
        cancelled = True  # the order is cancelled; the release is retried
    if cancelled:
        messages.success(
            request,
            "Your order is cancelled. Any payment taken is returned to your card; "
            "we have emailed you a confirmation.",
        )
    else:
        messages.info(request, "This order was already cancelled.")
    return redirect("orders:order_detail", number=order.number)


def _reorder_messages(request: HttpRequest, outcome: ReorderOutcome) -> None:
    if outcome.added:
        messages.success(request, f"Added to your cart: {', '.join(outcome.added)}.")
    for name, quantity in outcome.partly:
        messages.warning(request, f"Only {quantity} of {name} left: added those.")
    if outcome.unavailable:
        messages.warning(
            request, f"No longer available: {', '.join(outcome.unavailable)}."
        )


@require_POST
def order_reorder_view(request: HttpRequest, number: str) -> HttpResponse:
    """Put the order's items back in the cart, reporting what could not be."""
    order = _order_for_browser(request, number)
    cart = cart_get_or_create_for_request(request)
    _reorder_messages(request, order_reorder(order=order, cart=cart))
    return redirect("/cart/")
