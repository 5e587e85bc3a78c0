"""The shopper's return request page (linked from the order page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from .return_forms import ReturnRequestForm
from .selectors import order_get_for_customer
from .services.returns import ReturnNotAllowed, return_request
from .staff_selectors import return_window_ends, returnable_quantities
from .views import ORDERS_SESSION_KEY


def order_return(request: HttpRequest, number: str) -> HttpResponse:
    """Ask to return shipped units, for whoever may see the order page."""
    token = (request.session.get(ORDERS_SESSION_KEY) or {}).get(number.upper())
    order = order_get_for_customer(number=number, user=request.user, access_token=token)
    if order is None:
        raise Http404  # missing, or not theirs: the same answer
    left = returnable_quantities(order=order)
    returnable = [
        (line, left[line.pk]) for line in order.lines.all() if line.pk in left
    ]
    ends = return_window_ends(order=order)
    form = ReturnRequestForm(
        request.POST if request.method == "POST" else None, returnable=returnable
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return_request(
                    order=order,
                    lines=form.cleaned_data["lines"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ReturnNotAllowed as exc:
                form.add_error(None, exc.message or str(exc))
            else:
                messages.success(
                    request, "Return requested. We will email you once we reply."
                )
                return redirect("orders:order_detail", number=order.number)
    context = {
        "order": order,
        "form": form,
        "window_ends": ends,
        "window_open": ends is not None and timezone.now() <= ends,
        "returnable": returnable,
    }
    return render(request, "orders/order_return.html", context, status=status)
