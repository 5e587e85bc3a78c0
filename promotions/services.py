"""Writes of promotions: a cart's voucher, redemption under concurrency, sales'
cache switching and bulk code generation. Keyword-only, each a short transaction.

Redemption is safe under concurrency the way stock is: `voucher_redeem` runs inside
the order transaction, moves `used_count` with one conditional UPDATE (which also
holds the voucher's row lock until the order commits or rolls back), and a CHECK
constraint (`used_count <= usage_limit`) backs it. A rolled-back order (declined
payment never gets here; a stock conflict or any later error rolls back) keeps
nothing; a cancelled order gives its redemption back (`voucher_release`).
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.services import event_record
from shop.models import Cart
from shop.services import catalog_cache_invalidate

from .exceptions import VoucherAlreadyUsed, VoucherError, VoucherNotFound
from .models import CartVoucher, Voucher, VoucherBatch, VoucherRedemption
from .selectors import (
    cart_promotions,
    sale_boundaries_between,
    voucher_check_dates,
    voucher_get_by_code,
    voucher_used_by,
)

logger = logging.getLogger(__name__)

# Readable codes: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
SALE_SWEEP_KEY = "promotions:sale-sweep-at"


# --- a cart's voucher --------------------------------------------------------------
def _lock_cart(cart: Cart) -> None:
    Cart.objects.select_for_update().filter(pk=cart.pk).values_list("pk").first()


def cart_voucher_apply(
    *, cart: Cart, code: object, user: Any = None, now: datetime | None = None
) -> Voucher:
    """Put a voucher on the cart (replacing any other: one per order), after
    checking it against the cart now. Raises a VoucherError."""
    voucher = voucher_get_by_code(code=code)
    if voucher is None:
        raise VoucherNotFound(code=str(code)[:40])
    offer = cart_promotions(cart=cart, now=now, user=user, voucher=voucher)
    if offer.error is not None:
        raise offer.error
    with transaction.atomic():
        _lock_cart(cart)
        CartVoucher.objects.update_or_create(cart=cart, defaults={"voucher": voucher})
    return voucher


def cart_voucher_remove(*, cart: Cart) -> bool:
    deleted, _ = CartVoucher.objects.filter(cart_id=cart.pk).delete()
    return bool(deleted)


# --- redemption (inside the order transaction) ----------------------------------
def voucher_redeem(
    *,
    voucher_id: int,
    order_number: str,
    email: str,
    user: Any,
    discount: Decimal,
    order_total: Decimal,
    currency: str,
    now: datetime | None = None,
) -> VoucherRedemption:
    """Count one use of the voucher for this order, or raise VoucherExhausted /
    VoucherAlreadyUsed / VoucherExpired …; must run in the order's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("voucher_redeem() must run inside the order transaction")
    now = now or timezone.now()
    counted = (
        Voucher.objects.filter(pk=voucher_id, is_active=True)
        .filter(Q(usage_limit__isnull=True) | Q(used_count__lt=F("usage_limit")))
        .update(used_count=F("used_count") + 1)
    )
    voucher = Voucher.objects.get(pk=voucher_id)  # after the UPDATE: row locked
    voucher_check_dates(voucher=voucher, now=now)
    if not counted:
        from .exceptions import VoucherExhausted

        raise VoucherExhausted(code=voucher.code)
    customer_key = None
    if voucher.once_per_customer:
        # The row lock serialises this voucher's redemptions, so this read is
        # race-free; the unique constraint backs it.
        if voucher_used_by(voucher=voucher, email=email, user=user):
            raise VoucherAlreadyUsed(code=voucher.code)
        customer_key = email.lower()
    try:
        with transaction.atomic():
            redemption = VoucherRedemption.objects.create(
                voucher=voucher,
                order_number=order_number,
                customer_key=customer_key,
                user=user if getattr(user, "is_authenticated", False) else None,
                email=email,
                discount=discount,
                order_total=order_total,
                currency=currency,
            )
    except IntegrityError as exc:
        raise VoucherAlreadyUsed(code=voucher.code) from exc
    event_record(
        type="voucher.redeemed",
        order_number=order_number,
        data={
            "code": voucher.code,
            "voucher_id": voucher.pk,
            "discount": str(discount),
            "currency": currency,
            "used_count": voucher.used_count,
            "usage_limit": voucher.usage_limit,
        },
    )
    return redemption


def voucher_release(*, order_number: str) -> bool:
    """Give back the redemption of an order (cancelled): the use counts no more.
    Idempotent; call inside the cancelling transaction."""
    with transaction.atomic():
        redemption = (
            VoucherRedemption.objects.select_for_update()
            .filter(order_number=order_number)
            .first()
        )
        if redemption is None:
            return False
        Voucher.objects.filter(pk=redemption.voucher_id, used_count__gt=0).update(
            used_count=F("used_count") - 1
        )
        redemption.delete()
    return True


def cart_voucher_clear(*, cart_id: int) -> None:
    """Drop the cart's voucher (checkout calls this with the order placed)."""
    CartVoucher.objects.filter(cart_id=cart_id).delete()


# --- admin -----------------------------------------------------------------------
def voucher_set_active(*, voucher_ids: Iterable[int], active: bool) -> int:
    """(De)activate vouchers; takes effect at once: carts re-check on every read
    and checkout re-checks under the voucher's row lock."""
    return Voucher.objects.filter(pk__in=list(voucher_ids)).update(is_active=active)


def voucher_code_generate(prefix: str = "") -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{prefix.upper()}{body}"


def voucher_batch_create(
    *, template: Voucher, count: int, prefix: str = ""
) -> VoucherBatch:
    """Record a batch of single-use codes to generate (the task does the work)."""
    batch = VoucherBatch.objects.create(template=template, count=count, prefix=prefix)
    batch_id = batch.pk

    def enqueue() -> None:
        from celery import current_app

        current_app.signature(
            "promotions.tasks.voucher_batch_generate_task",
            kwargs={"batch_id": batch_id},
        ).apply_async(queue="default")

    transaction.on_commit(enqueue)
    return batch


def voucher_batch_generate(*, batch_id: int) -> int:
    """Create the batch's codes (unique, single-use, copies of the template's
    terms); idempotent: a redelivered task tops the batch up to its count."""
    batch = VoucherBatch.objects.select_related("template").get(pk=batch_id)
    if batch.status == VoucherBatch.Status.DONE:
        return 0
    template = batch.template
    products = list(template.products.values_list("pk", flat=True))
    categories = list(template.categories.values_list("pk", flat=True))
    made = 0
    while (missing := batch.count - batch.vouchers.count()) > 0:
        codes = {voucher_code_generate(batch.prefix) for _ in range(missing)}
        taken = set(
            Voucher.objects.filter(code__in=codes).values_list("code", flat=True)
        )
        with transaction.atomic():
            created = Voucher.objects.bulk_create(
                [_copy(template, code, batch) for code in codes - taken],
                ignore_conflicts=True,
            )
            for voucher in Voucher.objects.filter(batch=batch, code__in=codes):
                voucher.products.set(products)
                voucher.categories.set(categories)
        made += len(created)
    VoucherBatch.objects.filter(pk=batch.pk).update(
        status=VoucherBatch.Status.DONE, finished_at=timezone.now()
    )
    return made


def _copy(template: Voucher, code: str, batch: VoucherBatch) -> Voucher:
    return Voucher(
        code=code,
        name=template.name or template.code,
        kind=template.kind,
        value=template.value,
        min_subtotal=template.min_subtotal,
        starts_at=template.starts_at,
        ends_at=template.ends_at,
        usage_limit=1,
        once_per_customer=template.once_per_customer,
        is_active=True,
        batch=batch,
    )


def voucher_batch_csv(*, batch: VoucherBatch) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "kind", "value", "starts_at", "ends_at"])
    for voucher in batch.vouchers.order_by("code"):
        writer.writerow(
            [
                voucher.code,
                voucher.kind,
                voucher.value,
                voucher.starts_at or "",
                voucher.ends_at or "",
            ]
        )
    return out.getvalue()


# --- sales: cached pages switch at the boundaries --------------------------------
def sale_changed() -> None:
    """A sale was saved or deleted: cached prices are stale (now and after commit)."""
    catalog_cache_invalidate()
    transaction.on_commit(catalog_cache_invalidate)


def sale_boundary_sweep(
    *, now: datetime | None = None, ahead: timedelta | None = None
) -> list[datetime]:
    """Bump the catalog cache if a sale started or ended since the last sweep,
    and return the boundaries due within `ahead` (the task schedules a bump at
    each, to the second)."""
    now = now or timezone.now()
    last = cache.get(SALE_SWEEP_KEY)
    if isinstance(last, datetime) and sale_boundaries_between(start=last, end=now):
        catalog_cache_invalidate()
        logger.info("sale boundary passed: catalog cache bumped")
    if not isinstance(last, datetime) or now > last:
        cache.set(SALE_SWEEP_KEY, now, timeout=None)
    if ahead is None:
        return []
    return sale_boundaries_between(start=now, end=now + ahead)


def sale_boundary_reached(*, at: datetime, now: datetime | None = None) -> bool:
    """The scheduled bump for a boundary at `at` (early deliveries do nothing:
    the sweep catches the boundary later)."""
    now = now or timezone.now()
    if now < at:
        return False
    catalog_cache_invalidate()
    return True


__all__ = ["VoucherError"]
