"""Storefront: the voucher field of the cart page (apply, remove)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shop.selectors import cart_get_for_request

from .exceptions import VoucherAttemptsExceeded, VoucherError
from .forms import VoucherForm
from .services import cart_voucher_apply, cart_voucher_remove
from .throttling import VoucherThrottle


@require_POST
def cart_voucher_apply_view(request: HttpRequest) -> HttpResponse:
    cart = cart_get_for_request(request)
    form = VoucherForm(request.POST)
    if cart is None:
        messages.error(request, "Your cart is empty.")
    elif not form.is_valid():
        messages.error(request, "Please enter a voucher code.")
    else:
        throttle = VoucherThrottle.for_request(request, cart_token=cart.token)
        if not throttle.attempt():
            return _throttled(request, throttle.retry_after())
        try:
            voucher = cart_voucher_apply(
                cart=cart, code=form.cleaned_data["code"], user=request.user
            )
        except VoucherError as error:
            messages.error(request, error.message)
        else:
            throttle.record_success()
            messages.success(request, f"Code {voucher.code} applied.")
    return redirect("shop:cart")


def _throttled(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 page: beyond the failed-code limit nothing is looked up or applied."""
    response = render(
        request,
        "promotions/voucher_throttled.html",
        {
            "message": VoucherAttemptsExceeded().message,
            "minutes": max(1, -(-retry_after // 60)),
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


@require_POST
def cart_voucher_remove_view(request: HttpRequest) -> HttpResponse:
    cart = cart_get_for_request(request)
    if cart is not None and cart_voucher_remove(cart=cart):
        messages.info(request, "Voucher code removed.")
    return redirect("shop:cart")
