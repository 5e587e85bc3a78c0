"""Storefront checkout (address → shipping → payment → review → confirmation)
and the customer's order pages. Thin: validation in forms, work in services."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.selectors import address_list_for_user
from accounts.services import address_save_unless_known
from promotions.exceptions import VoucherError
from securecart.http import client_ip
from shop.exceptions import InsufficientStock
from shop.models import Cart
from shop.selectors import cart_get_for_request, cart_issues
from shop.services import cart_lines_accept_prices

from .browser_orders import ORDERS_SESSION_KEY, browser_order_remember
from .exceptions import (
    CheckoutInvalid,
    IdempotencyConflict,
    IdempotencyInProgress,
    StaleCart,
)
from .forms import (
    NEW_ADDRESS,
    SAVED_ADDRESS_FIELDS,
    AddressForm,
    PaymentForm,
    PlaceOrderForm,
    ShippingForm,
)
from .milestones import customer_can_cancel
from .selectors import (
    checkout_totals,
    order_customer_timeline,
    order_get_for_customer,
    order_list_for_customer,
    order_tracking_for_customer,
    shipping_method_get,
    shipping_method_list,
)
from .services import Address, CheckoutUnavailable, checkout_submit

SESSION_KEY = "checkout"


def _state(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY) or {})


def _save(request: HttpRequest, **values: Any) -> None:
    state = _state(request)
    state.update(values)
    request.session[SESSION_KEY] = state


def _cart_or_redirect(request: HttpRequest):
    cart = cart_get_for_request(request)
    if cart is None or not list(cart.lines.all()):
        messages.info(request, "Your cart is empty.")
        return None
    return cart


def _address_posted(
    request: HttpRequest, form: AddressForm, customer: User | None
) -> dict[str, Any]:
    """The step's state from a valid form; a new address may join the account."""
    data = dict(form.cleaned_data)
    wants_saved = data.pop("save_address", False)
    if customer is not None and wants_saved and not form.uses_saved_address:
        address = address_save_unless_known(
            user=customer,
            phone=data.get("phone", ""),
            **{name: data[name] for name in SAVED_ADDRESS_FIELDS},
        )
        data["saved_address"] = str(address.pk)
    return data


def _address_initial(
    state: dict[str, Any], customer: User | None, saved: list
) -> dict[str, Any]:
    initial = dict(state.get("address") or {})
    initial.pop("save_address", None)
    if not initial and customer is not None:
        initial = {"email": customer.email, "phone": customer.phone}
    if saved and initial.get("saved_address") not in (
        *(str(a.pk) for a in saved),
        NEW_ADDRESS,
    ):
        initial.pop("saved_address", None)  # gone or not theirs: the default
    return initial


def checkout_address(request: HttpRequest) -> HttpResponse:
    cart = _cart_or_redirect(request)
    if cart is None:
        return redirect("/cart/")
    customer = cast(User, request.user) if request.user.is_authenticated else None
    # Only this customer's own rows become choices: the form never looks an id up.
    saved = list(address_list_for_user(user=customer)) if customer else []
    if request.method == "POST":
        form = AddressForm(request.POST, saved_addresses=saved, can_save=bool(customer))
        if form.is_valid():
            _save(request, address=_address_posted(request, form, customer))
            return redirect("orders:checkout_shipping")
    else:
        form = AddressForm(
            initial=_address_initial(_state(request), customer, saved),
            saved_addresses=saved,
            can_save=bool(customer),
        )
    return render(request, "orders/checkout_address.html", {"form": form, "step": 1})


def checkout_shipping(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if _cart_or_redirect(request) is None:
        return redirect("/cart/")
    if "address" not in state:
        return redirect("orders:checkout")
    methods = shipping_method_list(country=state["address"].get("country", ""))
    if request.method == "POST":
        form = ShippingForm(request.POST, methods=methods)
        if form.is_valid():
            _save(request, shipping_method=form.cleaned_data["shipping_method"])
            return redirect("orders:checkout_payment")
    else:
        initial = state.get("shipping_method") or (methods[0].code if methods else None)
        form = ShippingForm(initial={"shipping_method": initial}, methods=methods)
    return render(
        request,
        "orders/checkout_shipping.html",
        {"form": form, "methods": methods, "step": 2},
    )


def checkout_payment(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    if _cart_or_redirect(request) is None:
        return redirect("/cart/")
    if "shipping_method" not in state:
        return redirect("orders:checkout_shipping")
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            _save(request, payment_token=form.cleaned_data["payment_token"])
            return redirect("orders:checkout_review")
    else:
        form = PaymentForm(
            initial={"payment_token": state.get("payment_token", "tok_visa")}
        )
    return render(request, "orders/checkout_payment.html", {"form": form, "step": 3})


def _review_context(request: HttpRequest, cart: Cart, state: dict) -> dict[str, Any]:
    lines = list(cart.lines.all())
    method = shipping_method_get(code=state["shipping_method"])
    totals = None
    if method is not None:
        totals = checkout_totals(
            cart=cart, method=method, country=state["address"]["country"]
        )
    issues = [issue.as_line() for issue in cart_issues(lines=lines)]
    return {
        "cart": cart,
        "lines": lines,
        # (line, its total): the review shows what each line costs, not unit × qty
        "rows": [(line, line.unit_price * line.quantity) for line in lines],
        "method": method,
        "totals": totals,
        "address": state["address"],
        "payment_token": state["payment_token"],
        "issues": issues,
        "price_changed": any(i["reason"] == "price_changed" for i in issues),
        "form": PlaceOrderForm(initial={"idempotency_key": uuid.uuid4().hex}),
        "step": 4,
    }


def checkout_review(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    cart = _cart_or_redirect(request)
    if cart is None:
        return redirect("/cart/")
    if "payment_token" not in state:
        return redirect("orders:checkout_payment")
    return render(
        request, "orders/checkout_review.html", _review_context(request, cart, state)
    )


@require_POST
def checkout_accept_prices(request: HttpRequest) -> HttpResponse:
    cart = cart_get_for_request(request)
    if cart is not None:
        cart_lines_accept_prices(cart=cart)
        messages.info(request, "Your cart now uses the current prices.")
    return redirect("orders:checkout_review")


@require_POST
def checkout_place(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    form = PlaceOrderForm(request.POST)
    if not form.is_valid() or "payment_token" not in state:
        messages.error(request, "Please review your order again.")
        return redirect("orders:checkout_review")
    cart = cart_get_for_request(request)
    address = state["address"]
    try:
        result = checkout_submit(
            idempotency_key=f"web:{form.cleaned_data['idempotency_key']}",
            cart_token=cart.token if cart is not None else "",
            user=request.user,
            email=address["email"],
            phone=address.get("phone", ""),
            sms_opt_in=bool(address.get("sms_opt_in")),
            address=Address.from_mapping(address),
            shipping_method=state["shipping_method"],
            payment_token=state["payment_token"],
            client_ip=client_ip(request),
        )
    except (StaleCart, InsufficientStock) as exc:
        messages.error(request, exc.message)
        return redirect("orders:checkout_review")
    except VoucherError as exc:
        messages.error(request, f"{exc.message} Remove the code or try another.")
        return redirect("/cart/")
    except CheckoutInvalid as exc:
        messages.error(request, exc.message)
        return redirect(
            "/cart/"
            if exc.code in ("empty_cart", "cart_not_found")
            else "orders:checkout"
        )
    except (IdempotencyConflict, IdempotencyInProgress, CheckoutUnavailable) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("orders:checkout_review")
    if result.code == "payment_declined":
        detail = (result.error or {}).get("detail")
        messages.error(request, f"{detail} Please choose another card.")
        return redirect("orders:checkout_payment")
    if result.order is None:
        detail = (result.error or {}).get("detail")
        messages.error(request, detail or "Please review your order.")
        return redirect("orders:checkout_review")
    order = result.order
    browser_order_remember(request, number=order.number, token=order.access_token)
    # The checkout state stays: a resubmitted POST must hash the same and replay
    # this order, and the next checkout starts with the address filled in.
    return redirect("orders:checkout_complete", number=order.number)


def checkout_complete(request: HttpRequest, number: str) -> HttpResponse:
    token = (request.session.get(ORDERS_SESSION_KEY) or {}).get(number)
    order = order_get_for_customer(number=number, user=request.user, access_token=token)
    if order is None:
        raise Http404
    return render(
        request,
        "orders/checkout_complete.html",
        {"order": order, "order_url": _order_url(order, guest=order.user_id is None)},
    )


def _order_url(order, guest: bool) -> str:
    url = f"/orders/{order.number}/"
    return f"{url}?token={order.access_token}" if guest else url


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(order_list_for_customer(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "orders/order_list.html", {"page": page})


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The order page, for its owner or a browser that holds its access token.

    A guest's link carries the token in the query string (`?token=`); it is checked
    once, kept in the session (a cookie), and the browser is sent on to the clean
    URL, so the token is not repeated in access, load-balancer or CDN logs, in
    history or in a Referer header.
    """
    query_token = request.GET.get("token")
    if query_token is not None:
        tracking = order_tracking_for_customer(
            number=number, user=request.user, access_token=query_token
        )
        if tracking is None:
            raise Http404
        placed = dict(request.session.get(ORDERS_SESSION_KEY) or {})
        placed[tracking.number] = query_token
        request.session[ORDERS_SESSION_KEY] = placed
        response = redirect("orders:order_detail", number=tracking.number)
        response["Referrer-Policy"] = "no-referrer"
        return response
    token = (request.session.get(ORDERS_SESSION_KEY) or {}).get(number.upper())
    # The tracking view: from the database or its DynamoDB projection (the store
    # ORDER_TRACKING_STORE names); staff pages always read the database.
    tracking = order_tracking_for_customer(
        number=number, user=request.user, access_token=token
    )
    if tracking is None:
        raise Http404  # missing, or not theirs: the same answer
    order = tracking.order  # None when DynamoDB answered (no RDS read at all)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": tracking,
            # the database row, for what only it has (payment, returns); None when
            # DynamoDB answered, and those parts are left out
            "db_order": order,
            "payment": getattr(order, "payment", None) if order else None,
            "status_label": tracking.status_label,
            "timeline": order_customer_timeline(tracking=tracking),
            "can_cancel": customer_can_cancel(tracking.status),
        },
    )
