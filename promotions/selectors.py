"""Reads of vouchers and sales, and the pricing of a cart with them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from shop.models import Cart, CartLine
from shop.pricing import PriceQuery, SalePrice

from .exceptions import (
    VoucherAlreadyUsed,
    VoucherError,
    VoucherExhausted,
    VoucherExpired,
    VoucherMinSubtotal,
    VoucherNotApplicable,
    VoucherNotFound,
    VoucherNotStarted,
)
from .models import CartVoucher, Sale, Voucher, VoucherRedemption
from .pricing import (
    CartPricing,
    PriceLine,
    SaleRule,
    VoucherTerms,
    cart_price,
    sale_unit_price,
)


def voucher_code_normalize(code: object) -> str:
    return code.strip().upper() if isinstance(code, str) else ""


def voucher_get_by_code(*, code: object) -> Voucher | None:
    code = voucher_code_normalize(code)
    if not code or len(code) > 40 or "\x00" in code:
        return None
    return Voucher.objects.filter(code=code).first()


# --- sales -----------------------------------------------------------------------
def _active_sales(now: datetime) -> QuerySet[Sale]:
    return Sale.objects.filter(is_active=True, starts_at__lte=now, ends_at__gt=now)


def sale_rules_active(*, now: datetime | None = None) -> list[SaleRule]:
    """The sales running at `now` with their targets: one query when there are
    none, two otherwise (the three target tables in one UNION)."""
    now = now or timezone.now()
    sales = list(_active_sales(now).values_list("id", "name", "kind", "value"))
    if not sales:
        return []
    ids = [row[0] for row in sales]
    targets: dict[tuple[int, int], set[int]] = {}
    for sale_id, target_id, which in _sale_targets(ids):
        targets.setdefault((sale_id, which), set()).add(target_id)
    return [
        SaleRule(
            sale_id=sale_id,
            name=name,
            kind=kind,
            value=value,
            product_ids=frozenset(targets.get((sale_id, 0), ())),
            category_ids=frozenset(targets.get((sale_id, 1), ())),
            variant_ids=frozenset(targets.get((sale_id, 2), ())),
        )
        for sale_id, name, kind, value in sales
    ]


def _sale_targets(ids: list[int]) -> Iterable[tuple[int, int, int]]:
    tables = (
        (Sale.products.through, "product_id"),
        (Sale.categories.through, "category_id"),
        (Sale.variants.through, "variant_id"),
    )
    queries = [
        through._default_manager.filter(sale_id__in=ids)
        .annotate(which=Value(index, output_field=IntegerField()))
        .values_list("sale_id", column, "which")
        for index, (through, column) in enumerate(tables)
    ]
    return queries[0].union(*queries[1:], all=True)


def sale_boundaries_between(*, start: datetime, end: datetime) -> list[datetime]:
    """Starts and ends of active sales in (start, end], in time order."""
    starts = Sale.objects.filter(
        is_active=True, starts_at__gt=start, starts_at__lte=end
    ).values_list("starts_at", flat=True)
    ends = Sale.objects.filter(
        is_active=True, ends_at__gt=start, ends_at__lte=end
    ).values_list("ends_at", flat=True)
    return sorted(set(starts) | set(ends))


def sale_list_with_usage() -> QuerySet[Sale]:
    return Sale.objects.all()


# --- vouchers --------------------------------------------------------------------
def voucher_terms(*, voucher: Voucher) -> VoucherTerms:
    """The voucher's discount terms (two small queries for its targets)."""
    products = Voucher.products.through.objects.filter(voucher_id=voucher.pk)
    categories = Voucher.categories.through.objects.filter(voucher_id=voucher.pk)
    return VoucherTerms(
        voucher_id=voucher.pk,
        code=voucher.code,
        kind=voucher.kind,
        value=voucher.value,
        product_ids=frozenset(products.values_list("product_id", flat=True)),
        category_ids=frozenset(categories.values_list("category_id", flat=True)),
    )


def voucher_check_dates(*, voucher: Voucher, now: datetime) -> None:
    if not voucher.is_active:
        raise VoucherNotFound(code=voucher.code)
    if voucher.starts_at is not None and now < voucher.starts_at:
        raise VoucherNotStarted(code=voucher.code)
    if voucher.ends_at is not None and now >= voucher.ends_at:
        raise VoucherExpired(code=voucher.code)


def voucher_used_by(*, voucher: Voucher, email: str = "", user: Any = None) -> bool:
    """Whether this customer (account or email) already redeemed the voucher."""
    who = Q()
    if email:
        who |= Q(email__iexact=email)
    if user is not None and getattr(user, "is_authenticated", False):
        who |= Q(user_id=user.pk) | Q(email__iexact=user.email or "-")
    if not who:
        return False
    return VoucherRedemption.objects.filter(who, voucher_id=voucher.pk).exists()


def voucher_check(
    *,
    voucher: Voucher,
    pricing: CartPricing,
    now: datetime,
    email: str = "",
    user: Any = None,
) -> None:
    """Raise the VoucherError that stops this voucher on this cart, if any."""
    voucher_check_dates(voucher=voucher, now=now)
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherExhausted(code=voucher.code)
    if voucher.min_subtotal is not None and pricing.net_subtotal < voucher.min_subtotal:
        raise VoucherMinSubtotal(
            f"This code needs a subtotal of at least {voucher.min_subtotal}.",
            code=voucher.code,
            min_subtotal=str(voucher.min_subtotal),
        )
    if (
        pricing.lines
        and pricing.voucher_eligible <= 0
        and voucher.kind != "free_shipping"
    ):
        raise VoucherNotApplicable(code=voucher.code)
    if voucher.once_per_customer and voucher_used_by(
        voucher=voucher, email=email, user=user
    ):
        raise VoucherAlreadyUsed(code=voucher.code)


# --- carts -----------------------------------------------------------------------
def price_lines(lines: Iterable[CartLine]) -> list[PriceLine]:
    return [
        PriceLine(
            variant_id=line.variant_id,
            product_id=line.variant.product_id,
            category_id=line.variant.product.category_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in lines
    ]


@dataclass(frozen=True)
class CartPromotions:
    """A cart priced with its sales and voucher; `error` says why the cart's
    voucher does not apply now (it is then left out of `pricing`)."""

    pricing: CartPricing
    voucher: Voucher | None = None
    error: VoucherError | None = None

    @property
    def voucher_code(self) -> str:
        return self.voucher.code if self.voucher is not None else ""


def cart_voucher_get(*, cart: Cart) -> Voucher | None:
    """The cart's voucher; no query when the cart was read with `promo_voucher_id`
    and has none."""
    if hasattr(cart, "promo_voucher_id"):
        voucher_id = cart.promo_voucher_id
        return Voucher.objects.filter(pk=voucher_id).first() if voucher_id else None
    link = CartVoucher.objects.filter(cart_id=cart.pk).select_related("voucher").first()
    return link.voucher if link is not None else None


def cart_promotions(
    *,
    cart: Cart | None,
    lines: Iterable[CartLine] | None = None,
    now: datetime | None = None,
    email: str = "",
    user: Any = None,
    voucher: Voucher | None = None,
) -> CartPromotions:
    """Price the cart at `now`: its sales, then its voucher if the voucher is
    valid for it (pass `voucher` to try another one)."""
    now = now or timezone.now()
    if lines is None:
        lines = cart.lines.all() if cart is not None else []
    lines = list(lines)
    items = price_lines(lines)
    # Lines read with `sale_candidate` (shop's cart query) spare the sales query
    # when no running sale touches them.
    maybe_on_sale = any(getattr(line, "sale_candidate", True) for line in lines)
    rules = sale_rules_active(now=now) if maybe_on_sale else []
    if voucher is None and cart is not None and cart.pk:
        voucher = cart_voucher_get(cart=cart)
    if voucher is None:
        return CartPromotions(pricing=cart_price(lines=items, rules=rules))
    pricing = cart_price(
        lines=items, rules=rules, voucher=voucher_terms(voucher=voucher)
    )
    try:
        voucher_check(voucher=voucher, pricing=pricing, now=now, email=email, user=user)
    except VoucherError as error:
        return CartPromotions(
            pricing=cart_price(lines=items, rules=rules), voucher=voucher, error=error
        )
    return CartPromotions(pricing=pricing, voucher=voucher)


def variant_sale_prices(queries: Sequence[PriceQuery]) -> dict[PriceQuery, SalePrice]:
    """The catalog's hook (shop.pricing): sale prices of products and variants now."""
    rules = sale_rules_active()
    if not rules:
        return {}
    found: dict[PriceQuery, SalePrice] = {}
    for query in queries:
        offer = sale_unit_price(
            rules=rules,
            variant_id=query.variant_id,
            product_id=query.product_id,
            category_id=query.category_id,
            unit_price=query.price,
        )
        if offer is not None:
            found[query] = offer
    return found


def cart_discount_summary(cart: Cart) -> dict[str, Any]:
    """The catalog's cart hook (shop.pricing.cart_summary): the cart's discount
    lines for its page and its API answer."""
    offer = cart_promotions(cart=cart)
    pricing = offer.pricing
    discounts: list[dict[str, str]] = []
    if pricing.sale_discount > 0:
        discounts.append(
            {
                "kind": "sale",
                "code": "",
                "label": ", ".join(pricing.sale_names) or "Sale",
                "amount": str(pricing.sale_discount),
            }
        )
    if pricing.voucher is not None:
        label = f"Voucher {pricing.voucher.code}"
        if pricing.free_shipping:
            label += " (free shipping)"
        discounts.append(
            {
                "kind": "voucher",
                "code": pricing.voucher.code,
                "label": label,
                "amount": str(pricing.voucher_discount),
            }
        )
    skus = {line.variant_id: line.variant.sku for line in cart.lines.all()}
    voucher = None
    if offer.voucher is not None:
        voucher = {
            "code": offer.voucher.code,
            "free_shipping": pricing.free_shipping,
            "error": (
                {"code": offer.error.code, "detail": offer.error.message}
                if offer.error is not None
                else None
            ),
        }
    return {
        "discounts": discounts,
        "discount_total": str(pricing.discount_total),
        "total_after_discount": str(pricing.total),
        "voucher": voucher,
        "lines": {
            skus[line.variant_id]: {
                "sale_price": (
                    str(line.sale_unit_price)
                    if line.sale_unit_price is not None
                    else None
                ),
                "sale_name": line.sale_name,
                "discount": str(line.discount_total),
            }
            for line in pricing.lines
        },
    }


def _sale_candidates(
    *, now: datetime, product: Any, category: Any, variant: Any = None
) -> Exists:
    targets = Q(products=product) | Q(categories=category)
    targets |= (
        Q(variants=variant) if variant is not None else Q(variants__product=product)
    )
    return Exists(_active_sales(now).filter(targets))


def product_annotation(now: datetime) -> dict[str, Any]:
    """The catalog's listing hook: `sale_candidate`, whether a sale running at
    `now` targets the product, its category or one of its variants (an EXISTS in
    the listing's own query: no extra query)."""
    return {
        "sale_candidate": _sale_candidates(
            now=now, product=OuterRef("pk"), category=OuterRef("category_id")
        )
    }


def _line_sale_candidate(now: datetime, variant: str) -> dict[str, Any]:
    """`sale_candidate` of a cart line, its variant reached by the path `variant`
    ("variant" from a line, "" from the variant itself)."""
    prefix = f"{variant}__" if variant else ""
    return {
        "sale_candidate": _sale_candidates(
            now=now,
            product=OuterRef(f"{prefix}product_id"),
            category=OuterRef(f"{prefix}product__category_id"),
            variant=OuterRef(f"{variant}_id" if variant else "pk"),
        )
    }


def cart_line_annotation(now: datetime) -> dict[str, Any]:
    return _line_sale_candidate(now, "variant")


def cart_line_variant_annotation(now: datetime) -> dict[str, Any]:
    """`cart_line_annotation` for a line of this variant, read from the variant
    (a line just added, which the statement adding it cannot read)."""
    return _line_sale_candidate(now, "")


def cart_annotation(now: datetime) -> dict[str, Any]:
    """The cart's voucher id, read with the cart itself."""
    link = CartVoucher.objects.filter(cart_id=OuterRef("pk")).values("voucher_id")
    return {"promo_voucher_id": Subquery(link[:1])}
