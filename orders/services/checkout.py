"""Checkout: one order per idempotency key, stock never oversold, nothing
charged twice.

Why authorise first, then reserve (and void on a stock conflict):

1. claim the Idempotency-Key (INSERT; the unique constraint decides who owns
   the attempt — concurrent duplicates wait and replay the owner's result);
2. validate the cart (prices, stock, shipping method) without locks;
3. authorise the payment (network call, no transaction, no lock held) with a
   gateway idempotency key derived from the claim, so a retry of a crashed
   attempt gets the same authorisation back, never a second one;
4. one short transaction: lock the cart, lock stock rows in variant-pk order,
   reserve with one conditional UPDATE, create the order, its lines, its
   timeline entry and the `order.placed` outbox row, clear the cart and store
   the response on the key row;
5. on a stock conflict in 4 (someone bought the last unit meanwhile), void
   the authorisation (again outside any transaction) and answer 409.

This keeps to the contract "declined payment → no order kept, no stock held"
without ever creating an order that must be undone, and no network call ever
runs while stock rows are locked. Crash analysis: before 3 nothing happened;
between 3 and 4 an authorisation exists with no order — a retry with the same
key resumes (same authorisation), and `payment_void_orphaned` voids those
never retried; an authorisation is not a charge. After 4 commits the key row
holds the response, so a retry replays it and fulfilment is started after
commit (the reconcile sweep re-drives it if the process died in between).
The order transaction also locks the payment row and requires it unused and
authorised, so one authorisation can never pay for two orders (a slow process
racing the retry that took its claim over) or for one the sweep is voiding.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from promotions.exceptions import VoucherError
from promotions.selectors import cart_promotions
from securecart.addresses import Address
from securecart.write_plans import InsertPlan
from shop.exceptions import InsufficientStock
from shop.models import Cart
from shop.selectors import cart_get_by_token, cart_issues

from ..exceptions import (
    CartNotFound,
    CheckoutInvalid,
    EmptyCart,
    IdempotencyInProgress,
    ShippingNotAvailable,
    StaleCart,
    UnknownShippingMethod,
)
from ..integrations.payments import GatewayError
from ..models import CheckoutIdempotencyKey, Order, Payment
from ..selectors import checkout_totals, shipping_method_get
from .idempotency import (
    CheckoutOutcome,
    Respond,
    checkout_request_hash,
    idempotency_claim,
    idempotency_complete,
    idempotency_retryable,
)
from .payments import payment_authorise, payment_void_payment
from .placement import (
    ORDER_NUMBER_ATTEMPTS,
    CheckoutPlan,
    PaymentTaken,
    cart_snapshot,
    order_place,
)

logger = logging.getLogger(__name__)

# Authorisations without an order older than this are voided by the sweep.
ORPHAN_PAYMENT_AFTER = timedelta(minutes=15)

K = CheckoutIdempotencyKey.State

# Written by every checkout: compiled once per process (securecart.query_plans).
_PAYMENT_INSERT = InsertPlan(Payment)

__all__ = [
    "ORDER_NUMBER_ATTEMPTS",
    "Address",
    "CheckoutOutcome",
    "CheckoutUnavailable",
    "checkout_submit",
    "order_place",
    "payment_void_orphaned",
]


class CheckoutUnavailable(Exception):
    """The payment gateway could not be reached; retry with the same key."""


def _error(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def _replay(record: CheckoutIdempotencyKey) -> CheckoutOutcome:
    order = None
    if record.order_id:
        order = Order.objects.select_related("shipping_method").get(pk=record.order_id)
    return CheckoutOutcome(
        record_id=record.pk,
        order=order,
        error=None if order is not None else (record.response_body or {}),
        replayed=True,
        stored_status=record.response_status,
        stored_body=record.response_body if record.response_status else None,
    )


def _finish(
    record: CheckoutIdempotencyKey,
    *,
    error: dict[str, Any],
    respond: Respond | None,
) -> CheckoutOutcome:
    outcome = CheckoutOutcome(record_id=record.pk, error=error)
    idempotency_complete(record=record, outcome=outcome, respond=respond)
    return outcome


# --- validation (no locks) ------------------------------------------------------
def _cart_for(*, cart_token: str, user: Any) -> Cart:
    cart = cart_get_by_token(token=cart_token) if cart_token else None
    if cart is None:
        raise CartNotFound("Cart not found.", field="cart_id")
    # A customer's cart is theirs alone: the token is not enough.
    if cart.user_id is not None and (
        user is None or not user.is_authenticated or user.pk != cart.user_id
    ):
        raise CartNotFound("Cart not found.", field="cart_id")
    return cart


def checkout_plan(
    *, cart_token: str, user: Any, method_code: str, country: str, email: str = ""
) -> CheckoutPlan:
    """Validate the cart, its voucher and the shipping method and price the order
    (no locks). Raises a VoucherError when the cart's voucher does not hold now."""
    cart = _cart_for(cart_token=cart_token, user=user)
    lines = list(cart.lines.all())
    if not lines:
        raise EmptyCart("Your cart is empty.", field="cart_id")
    method = shipping_method_get(code=method_code)
    if method is None:
        raise UnknownShippingMethod(
            f"Unknown shipping method {method_code!r}.", field="shipping_method"
        )
    if not method.ships_to(country):
        raise ShippingNotAvailable(
            f"{method.name} does not ship to {country}; choose another method.",
            field="shipping_method",
        )
    issues = cart_issues(lines=lines)
    if issues:
        raise StaleCart(
            "Your cart changed since you filled it: review the lines below.",
            lines=[issue.as_line() for issue in issues],
        )
    offer = cart_promotions(cart=cart, lines=lines, email=email, user=user)
    if offer.error is not None:
        raise offer.error
    totals = checkout_totals(cart=cart, method=method, country=country, offer=offer)
    return CheckoutPlan(
        cart=cart,
        method=method,
        lines=lines,
        totals=totals,
        snapshot=cart_snapshot(lines),
        voucher_id=offer.voucher.pk if offer.voucher is not None else None,
    )


def _payment_for(record: CheckoutIdempotencyKey, plan: CheckoutPlan) -> Payment:
    """A fresh claim gets a new payment; a taken-over one resumes its own."""
    authorise_key = f"checkout-{record.pk}"
    existing = (
        None
        if getattr(record, "fresh", False)
        else Payment.objects.filter(authorise_key=authorise_key).first()
    )
    if existing is not None:
        return existing
    payment = Payment(
        authorise_key=authorise_key,
        gateway=settings.PAYMENT_GATEWAY,
        amount=plan.totals.total,
        currency=plan.cart.currency,
    )
    _PAYMENT_INSERT.save(payment)
    return payment


def _authorise(
    record: CheckoutIdempotencyKey, payment: Payment, payment_token: str
) -> None:
    if payment.status != Payment.Status.PENDING:
        return
    try:
        payment_authorise(payment=payment, token=payment_token)
    except GatewayError as exc:
        idempotency_retryable(record=record)
        raise CheckoutUnavailable(
            "The payment service is not answering; nothing was charged. "
            "Please try again."
        ) from exc


def _stock_conflict(
    record: CheckoutIdempotencyKey,
    payment: Payment,
    exc: InsufficientStock | StaleCart | VoucherError,
    respond: Respond | None,
) -> CheckoutOutcome:
    try:
        payment_void_payment(payment=payment, actor_label="system:checkout")
    except GatewayError:
        # Left authorised: payment_void_orphaned() retries it later.
        logger.warning("void after stock conflict failed; sweep will retry")
    return _finish(
        record,
        error=_error(exc.code, exc.message, lines=exc.details.get("lines", [])),
        respond=respond,
    )


# --- the whole flow ---------------------------------------------------------------
def checkout_submit(
    *,
    idempotency_key: str,
    cart_token: str,
    user: Any,
    email: str,
    address: Address,
    shipping_method: str,
    payment_token: str,
    phone: str = "",
    sms_opt_in: bool = False,
    client_ip: str | None = None,
    respond: Respond | None = None,
) -> CheckoutOutcome:
    """Place an order from a cart, exactly once per idempotency key.

    Returns the outcome (an order, a declined payment, a stock conflict), the
    stored one when the key was seen before with the same request. Raises
    CheckoutInvalid, StaleCart, InsufficientStock (nothing happened; the key
    stays unused), IdempotencyConflict, IdempotencyInProgress, or
    CheckoutUnavailable (gateway down; retry with the same key).

    `respond`, when given, renders an outcome (the API's status and body); its
    answer is stored with the outcome, in the same write, for replays.
    """
    email = email.strip().lower()
    request_hash = checkout_request_hash(
        cart=cart_token,
        user=getattr(user, "pk", None),
        email=email,
        phone=phone,
        sms_opt_in=sms_opt_in,
        address=address.__dict__,
        shipping_method=shipping_method,
        payment_token=payment_token,
    )
    record = idempotency_claim(
        key=idempotency_key, request_hash=request_hash, user=user
    )
    if record.state == K.COMPLETED:
        return _replay(record)
    try:
        plan = checkout_plan(
            cart_token=cart_token,
            user=user,
            method_code=shipping_method,
            country=address.country,
            email=email,
        )
    except (CheckoutInvalid, StaleCart, InsufficientStock, VoucherError):
        # Nothing happened: free the key so the corrected request may reuse it.
        record.delete()
        raise

    payment = _payment_for(record, plan)
    if payment.amount != plan.totals.total:  # a resumed attempt whose cart changed
        payment_void_payment(payment=payment)
        record.delete()
        raise StaleCart("Your cart changed since the payment was authorised.", lines=[])
    _authorise(record, payment, payment_token)
    if payment.status == Payment.Status.FAILED:
        return _finish(
            record,
            error=_error(
                "payment_declined",
                payment.decline_reason or "Your payment was declined.",
            ),
            respond=respond,
        )
    if payment.status != Payment.Status.AUTHORISED:  # voided by an earlier attempt
        return _finish(
            record,
            error=_error("insufficient_stock", "Not enough stock."),
            respond=respond,
        )

    try:
        order = order_place(
            plan=plan,
            payment=payment,
            user=user,
            email=email,
            phone=phone,
            sms_opt_in=sms_opt_in,
            address=address,
            client_ip=client_ip,
            record=record,
            respond=respond,
        )
    except PaymentTaken:
        record.refresh_from_db()
        if record.state == K.COMPLETED:
            return _replay(record)
        raise IdempotencyInProgress(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        ) from None
    except (InsufficientStock, StaleCart, VoucherError) as exc:
        # Rolled back: no stock held, no voucher use counted; the money is voided.
        return _stock_conflict(record, payment, exc, respond)
    return CheckoutOutcome(
        record_id=record.pk,
        order=order,
        stored_status=record.response_status,
        stored_body=record.response_body,
    )


def payment_void_orphaned(*, older_than: timedelta = ORPHAN_PAYMENT_AFTER) -> int:
    """Void authorisations that never became an order (a crashed or abandoned
    checkout). Returns how many were voided."""
    cutoff = timezone.now() - older_than
    voided = 0
    for payment in Payment.objects.filter(
        order__isnull=True, status=Payment.Status.AUTHORISED, updated_at__lt=cutoff
    ):
        # First close the checkout attempt (if still open and idle), so that no
        # retry can resume it and place an order on an authorisation being voided.
        record_pk = payment.authorise_key.removeprefix("checkout-")
        if record_pk.isdigit():
            open_attempt = CheckoutIdempotencyKey.objects.filter(
                pk=int(record_pk)
            ).exclude(state=K.COMPLETED)
            if open_attempt.exists() and not open_attempt.filter(
                updated_at__lt=cutoff
            ).update(
                state=K.COMPLETED,
                response_body=_error(
                    "checkout_abandoned", "This checkout was abandoned; start again."
                ),
                updated_at=timezone.now(),
            ):
                continue  # the attempt is active again: leave it alone
        try:
            payment_void_payment(payment=payment, actor_label="system:sweep")
            voided += 1
        except GatewayError:
            logger.warning("orphan void failed for payment %s", payment.pk)
    return voided
