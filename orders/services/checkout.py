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

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.services import event_record
from shop.exceptions import InsufficientStock
from shop.models import Cart, CartLine
from shop.stock import stock_reserve

from ..exceptions import (
    CartNotFound,
    CheckoutInvalid,
    EmptyCart,
    IdempotencyConflict,
    IdempotencyInProgress,
    StaleCart,
    UnknownShippingMethod,
)
from ..integrations.payments import GatewayError
from ..models import (
    CheckoutIdempotencyKey,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    ShippingMethod,
    order_number_generate,
)
from ..pricing import Totals, money, totals_compute
from ..selectors import shipping_method_get, tax_rate_for
from .fulfilment import fulfilment_start
from .payments import payment_authorise, payment_void_payment
from .transitions import actor_describe

logger = logging.getLogger(__name__)

# A duplicate request waits this long for the first one to finish.
IDEMPOTENCY_WAIT_SECONDS = 15.0
# An in-progress claim older than this is taken to be from a crashed process.
IDEMPOTENCY_STALE_AFTER = timedelta(seconds=60)
# Authorisations without an order older than this are voided by the sweep.
ORPHAN_PAYMENT_AFTER = timedelta(minutes=15)
# 30^8 numbers: a collision is rare, several in a row mean something else is wrong.
ORDER_NUMBER_ATTEMPTS = 5

K = CheckoutIdempotencyKey.State


class CheckoutUnavailable(Exception):
    """The payment gateway could not be reached; retry with the same key."""


class _PaymentTaken(Exception):
    """The authorisation was used or voided by another process meanwhile."""


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""
    phone: str = ""


@dataclass
class CheckoutResult:
    status_code: int  # 201 placed, 402 declined, 409 stock conflict
    body: dict[str, Any]
    order: Order | None = None
    replayed: bool = False


@dataclass
class _Plan:
    cart: Cart
    method: ShippingMethod
    lines: list[CartLine]
    totals: Totals
    snapshot: list[tuple[int, int, str]] = field(default_factory=list)


# --- response bodies ---------------------------------------------------------
def order_body(order: Order, lines: list[OrderLine] | None = None) -> dict[str, Any]:
    """The API representation of an order (no queries when lines are given)."""
    lines = list(order.lines.all()) if lines is None else lines
    return {
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "shipping_total": str(order.shipping_total),
        "tax_total": str(order.tax_total),
        "total": str(order.total),
        "prices_include_tax": order.prices_include_tax,
        "shipping_method": order.shipping_method.code,
        "shipping_address": {
            "name": order.shipping_name,
            "line1": order.shipping_line1,
            "line2": order.shipping_line2,
            "city": order.shipping_city,
            "region": order.shipping_region,
            "postal_code": order.shipping_postal_code,
            "country": order.shipping_country,
            "phone": order.shipping_phone,
        },
        "placed_at": order.placed_at.isoformat().replace("+00:00", "Z"),
        "access_token": order.access_token,
        "lines": [
            {
                "sku": line.sku,
                "product_name": line.product_name,
                "variant_name": line.variant_name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
            for line in lines
        ],
    }


def _error_body(exc: Exception, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": getattr(exc, "message", str(exc)), "code": code, **extra}


# --- idempotency ---------------------------------------------------------------
def checkout_request_hash(**fields: Any) -> str:
    """A stable hash of the normalised request (and who sent it)."""
    canonical = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: CheckoutIdempotencyKey) -> CheckoutResult:
    order = None
    if record.order_id:
        order = Order.objects.select_related("shipping_method").get(pk=record.order_id)
    return CheckoutResult(
        status_code=record.response_status or 500,
        body=record.response_body or {},
        order=order,
        replayed=True,
    )


def _claim(*, key: str, request_hash: str, user) -> tuple[CheckoutIdempotencyKey, CheckoutResult | None]:  # noqa: ANN001,E501
    """Own the key (first request or take-over of a crashed one) or return the
    finished result of the request that owns it."""
    deadline = time.monotonic() + IDEMPOTENCY_WAIT_SECONDS
    delay = 0.02
    while True:
        try:
            with transaction.atomic():
                record = CheckoutIdempotencyKey.objects.create(
                    key=key, request_hash=request_hash,
                    user=user if user is not None and user.is_authenticated else None,
                )
            record.fresh = True  # type: ignore[attr-defined]
            return record, None
        except IntegrityError:
            pass
        found = CheckoutIdempotencyKey.objects.filter(key=key).first()
        if found is None:  # the owner gave the key back (invalid request): claim it
            continue
        record = found
        if record.request_hash != request_hash:
            raise IdempotencyConflict(
                "This Idempotency-Key was already used with a different request."
            )
        if record.state == K.COMPLETED:
            return record, _replay(record)
        stale = record.updated_at < timezone.now() - IDEMPOTENCY_STALE_AFTER
        if record.state == K.RETRYABLE or stale:
            # Conditional update: of several retries, exactly one takes over.
            taken = CheckoutIdempotencyKey.objects.filter(
                pk=record.pk, state=record.state, updated_at=record.updated_at
            ).update(state=K.IN_PROGRESS, updated_at=timezone.now())
            if taken:
                record.refresh_from_db()
                return record, None
            continue
        if time.monotonic() > deadline:
            raise IdempotencyInProgress(
                "A request with this Idempotency-Key is still being processed; "
                "retry shortly."
            )
        # Do not sit on a pooled DB connection while waiting for the owner.
        if not transaction.get_connection().in_atomic_block:
            transaction.get_connection().close()
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def _complete(
    record: CheckoutIdempotencyKey, status_code: int, body: dict[str, Any],
    order: Order | None = None,
) -> CheckoutResult:
    record.state = K.COMPLETED
    record.response_status = status_code
    record.response_body = body
    record.order = order
    record.save(
        update_fields=["state", "response_status", "response_body", "order", "updated_at"]
    )
    return CheckoutResult(status_code=status_code, body=body, order=order)


# --- validation (no locks) ------------------------------------------------------
def _cart_for(*, cart_token: str, user) -> Cart:  # noqa: ANN001
    from shop.selectors import cart_get_by_token

    cart = cart_get_by_token(token=cart_token) if cart_token else None
    if cart is None:
        raise CartNotFound("Cart not found.", field="cart_id")
    # A customer's cart is theirs alone: the token is not enough.
    if cart.user_id is not None and (
        user is None or not user.is_authenticated or user.pk != cart.user_id
    ):
        raise CartNotFound("Cart not found.", field="cart_id")
    return cart


def _line_issues(lines: list[CartLine]) -> list[dict[str, Any]]:
    issues = []
    for line in lines:
        variant = line.variant
        if not (variant.is_active and variant.product.is_active):
            issues.append({"sku": variant.sku, "reason": "unavailable",
                           "quantity": line.quantity, "available": 0})
            continue
        if variant.price != line.unit_price:
            issues.append({"sku": variant.sku, "reason": "price_changed",
                           "cart_price": str(line.unit_price),
                           "current_price": str(variant.price),
                           "quantity": line.quantity})
        if variant.available < line.quantity:
            issues.append({"sku": variant.sku, "reason": "insufficient_stock",
                           "quantity": line.quantity,
                           "available": max(variant.available, 0)})
    return issues


def _plan(*, cart_token: str, user, method_code: str, country: str) -> _Plan:  # noqa: ANN001
    cart = _cart_for(cart_token=cart_token, user=user)
    lines = list(cart.lines.all())
    if not lines:
        raise EmptyCart("Your cart is empty.", field="cart_id")
    method = shipping_method_get(code=method_code)
    if method is None:
        raise UnknownShippingMethod(
            f"Unknown shipping method {method_code!r}.", field="shipping_method"
        )
    issues = _line_issues(lines)
    if issues:
        raise StaleCart(
            "Your cart changed since you filled it: review the lines below.",
            lines=issues,
        )
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    totals = totals_compute(
        subtotal=subtotal,
        method=method,
        tax_rate=tax_rate_for(country=country),
        prices_include_tax=settings.PRICES_INCLUDE_TAX,
    )
    snapshot = sorted((ln.variant_id, ln.quantity, str(ln.unit_price)) for ln in lines)
    return _Plan(cart=cart, method=method, lines=lines, totals=totals, snapshot=snapshot)


# --- the order transaction --------------------------------------------------------
def order_place(
    *,
    plan: _Plan,
    payment: Payment,
    user,  # noqa: ANN001
    email: str,
    phone: str,
    sms_opt_in: bool,
    address: Address,
    client_ip: str | None,
    record: CheckoutIdempotencyKey | None = None,
) -> Order:
    """Reserve stock and create the order for an authorised payment, in one
    transaction (raises StaleCart / InsufficientStock, and nothing is kept)."""
    with transaction.atomic():
        # Lock order: cart → payment → stock rows by variant pk.
        Cart.objects.select_for_update(of=("self",)).filter(pk=plan.cart.pk).exists()
        # A slow twin (taken-over claim) or the orphan sweep may have used or
        # voided this authorisation meanwhile: it pays for one order at most.
        if not Payment.objects.select_for_update(of=("self",)).filter(
            pk=payment.pk, order__isnull=True, status=Payment.Status.AUTHORISED
        ).exists():
            raise _PaymentTaken
        lines = list(
            CartLine.objects.filter(cart_id=plan.cart.pk).select_related("variant__product")
        )
        current = sorted((ln.variant_id, ln.quantity, str(ln.unit_price)) for ln in lines)
        if current != plan.snapshot:
            raise StaleCart("Your cart changed during checkout.", lines=[])
        quantities = {line.variant_id: line.quantity for line in lines}
        variants = {v.pk: v for v in stock_reserve(quantities=quantities)}
        changed = [
            {"sku": v.sku, "reason": "price_changed",
             "cart_price": str(line.unit_price), "current_price": str(v.price),
             "quantity": line.quantity}
            for line in lines
            if (v := variants[line.variant_id]).price != line.unit_price
        ]
        if changed:
            raise StaleCart("Prices changed during checkout.", lines=changed)
        now = timezone.now()
        totals = plan.totals
        order = Order(
            user=user if user is not None and user.is_authenticated else None,
            email=email, phone=phone, sms_opt_in=sms_opt_in,
            shipping_name=address.name, shipping_line1=address.line1,
            shipping_line2=address.line2, shipping_city=address.city,
            shipping_region=address.region, shipping_postal_code=address.postal_code,
            shipping_country=address.country, shipping_phone=address.phone,
            shipping_method=plan.method, currency=plan.cart.currency,
            subtotal=totals.subtotal, shipping_total=totals.shipping_total,
            tax_total=totals.tax_total, total=totals.total, tax_rate=totals.tax_rate,
            prices_include_tax=totals.prices_include_tax,
            status=Order.Status.PLACED, status_changed_at=now, placed_at=now,
            client_ip=client_ip or None,
        )
        _order_insert(order)
        order_lines = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order, variant_id=line.variant_id, sku=line.variant.sku,
                    product_name=line.variant.product.name,
                    variant_name=line.variant.name, quantity=line.quantity,
                    unit_price=line.unit_price,
                    line_total=money(line.unit_price * line.quantity),
                )
                for line in lines
            ]
        )
        Payment.objects.filter(pk=payment.pk).update(order=order, updated_at=now)
        payment.order = order
        actor, label = actor_describe(user if user is not None and user.is_authenticated else "customer")  # noqa: E501
        OrderEvent.objects.create(
            order=order, kind=OrderEvent.Kind.PLACED, to_status=Order.Status.PLACED,
            message=f"Order placed; payment of {order.total} {order.currency} authorised.",
            actor=actor, actor_label=label,
        )
        event_record(
            type="order.placed",
            order_number=order.number,
            data={
                "status": order.status,
                "total": str(order.total),
                "currency": order.currency,
                "line_count": len(order_lines),
                "item_count": sum(line.quantity for line in order_lines),
                "guest": order.user_id is None,
                "risk_level": payment.risk_level,
            },
        )
        CartLine.objects.filter(cart_id=plan.cart.pk).delete()
        if record is not None:
            _complete(record, 201, order_body(order, order_lines), order)
        order_id = order.pk
        transaction.on_commit(lambda: fulfilment_start(order_id=order_id))
    order._checkout_lines = order_lines  # type: ignore[attr-defined]
    return order


def _order_insert(order: Order) -> None:
    """Insert the order under a fresh random number, drawing another one when
    it collides with an existing order's (the stock reservation and the rest of
    the transaction survive, thanks to the savepoint)."""
    for attempt in range(1, ORDER_NUMBER_ATTEMPTS + 1):
        order.number = order_number_generate()
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            return
        except IntegrityError as exc:
            if attempt == ORDER_NUMBER_ATTEMPTS or not _is_number_collision(exc):
                raise
            logger.warning("order number %s already taken; drawing another", order.number)


def _is_number_collision(exc: IntegrityError) -> bool:
    """Whether exc is the unique violation of Order.number (and nothing else:
    a CHECK or another unique constraint must still fail the checkout)."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is None:  # SQLite names the column in the message only
        return f"UNIQUE constraint failed: {Order._meta.db_table}.number" in str(exc)
    if getattr(cause, "sqlstate", None) != "23505":  # unique_violation
        return False
    connection = transaction.get_connection()  # the one the order went to
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, Order._meta.db_table
        )
    number_column = Order._meta.get_field("number").column
    return any(
        name == diag.constraint_name
        for name, info in constraints.items()
        if info["unique"] and info["columns"] == [number_column]
    )


# --- the whole flow ---------------------------------------------------------------
def checkout_submit(
    *,
    idempotency_key: str,
    cart_token: str,
    user,  # noqa: ANN001
    email: str,
    address: Address,
    shipping_method: str,
    payment_token: str,
    phone: str = "",
    sms_opt_in: bool = False,
    client_ip: str | None = None,
) -> CheckoutResult:
    """Place an order from a cart, exactly once per idempotency key.

    Returns a CheckoutResult (201 placed / 402 declined / 409 out of stock),
    the stored one when the key was seen before with the same request.
    Raises CheckoutInvalid, StaleCart, InsufficientStock (nothing happened; the
    key stays unused), IdempotencyConflict, IdempotencyInProgress, or
    CheckoutUnavailable (gateway down; retry with the same key).
    """
    email = email.strip().lower()
    request_hash = checkout_request_hash(
        cart=cart_token, user=getattr(user, "pk", None), email=email, phone=phone,
        sms_opt_in=sms_opt_in, address=address.__dict__, shipping_method=shipping_method,
        payment_token=payment_token,
    )
    record, finished = _claim(key=idempotency_key, request_hash=request_hash, user=user)
    if finished is not None:
        return finished

    try:
        plan = _plan(
            cart_token=cart_token, user=user, method_code=shipping_method,
            country=address.country,
        )
    except (CheckoutInvalid, StaleCart, InsufficientStock):
        # Nothing happened: free the key so the corrected request may reuse it.
        record.delete()
        raise

    # A fresh claim has no payment yet; a taken-over one may (resume it).
    authorise_key = f"checkout-{record.pk}"
    payment = (
        Payment.objects.filter(authorise_key=authorise_key).first()
        if not getattr(record, "fresh", False)
        else None
    ) or Payment.objects.create(
        authorise_key=authorise_key,
        gateway=settings.PAYMENT_GATEWAY,
        amount=plan.totals.total,
        currency=plan.cart.currency,
    )
    if payment.amount != plan.totals.total:  # a resumed attempt whose cart changed
        payment_void_payment(payment=payment)
        record.delete()
        raise StaleCart("Your cart changed since the payment was authorised.", lines=[])
    if payment.status == Payment.Status.PENDING:
        try:
            payment_authorise(payment=payment, token=payment_token)
        except GatewayError as exc:
            record.state = K.RETRYABLE
            record.save(update_fields=["state", "updated_at"])
            raise CheckoutUnavailable(
                "The payment service is not answering; nothing was charged. "
                "Please try again."
            ) from exc
    if payment.status == Payment.Status.FAILED:
        return _complete(
            record, 402,
            {"detail": payment.decline_reason or "Your payment was declined.",
             "code": "payment_declined"},
        )
    if payment.status != Payment.Status.AUTHORISED:  # voided by an earlier attempt
        return _complete(
            record, 409, {"detail": "Not enough stock.", "code": "insufficient_stock"}
        )

    try:
        order = order_place(
            plan=plan, payment=payment, user=user, email=email, phone=phone,
            sms_opt_in=sms_opt_in, address=address, client_ip=client_ip, record=record,
        )
    except _PaymentTaken:
        record.refresh_from_db()
        if record.state == K.COMPLETED:
            return _replay(record)
        raise IdempotencyInProgress(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        ) from None
    except (InsufficientStock, StaleCart) as exc:
        code = "insufficient_stock" if isinstance(exc, InsufficientStock) else "stale_cart"
        try:
            payment_void_payment(payment=payment, actor_label="system:checkout")
        except GatewayError:
            # Left authorised: payment_void_orphaned() retries it later.
            logger.warning("void after stock conflict failed; sweep will retry")
        return _complete(
            record, 409, _error_body(exc, code, lines=exc.details.get("lines", []))
        )
    return CheckoutResult(
        status_code=201, body=record.response_body or {}, order=order
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
            open_attempt = CheckoutIdempotencyKey.objects.filter(pk=int(record_pk)).exclude(
                state=K.COMPLETED
            )
            if open_attempt.exists() and not open_attempt.filter(
                updated_at__lt=cutoff
            ).update(
                state=K.COMPLETED, response_status=409,
                response_body={"detail": "This checkout was abandoned; start again.",
                               "code": "checkout_abandoned"},
                updated_at=timezone.now(),
            ):
                continue  # the attempt is active again: leave it alone
        try:
            payment_void_payment(payment=payment, actor_label="system:sweep")
            voided += 1
        except GatewayError:
            logger.warning("orphan void failed for payment %s", payment.pk)
    return voided
