"""Storefront: the voucher field of the cart page (apply, remove)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from shop.selectors import cart_get_for_request

from .exceptions import VoucherError
from .forms import VoucherForm
from .services import cart_voucher_apply, cart_voucher_remove


@require_POST
def cart_voucher_apply_view(request: HttpRequest) -> HttpResponse:
    cart = cart_get_for_request(request)
    form = VoucherForm(request.POST)
    if cart is None:
        messages.error(request, "Your cart is empty.")
    elif not form.is_valid():
        messages.error(request, "Please enter a voucher code.")
    else:
        try:
            voucher = cart_voucher_apply(
                cart=cart, code=form.cleaned_data["code"], user=request.user
            )
        except VoucherError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Code {voucher.code} applied.")
    return redirect("shop:cart")


@require_POST
def cart_voucher_remove_view(request: HttpRequest) -> HttpResponse:
    cart = cart_get_for_request(request)
    if cart is not None and cart_voucher_remove(cart=cart):
        messages.info(request, "Voucher code removed.")
    return redirect("shop:cart")
