"""Sale prices beside catalog prices, contributed by another app through a hook.

The shop does not know where sales come from (the promotions app registers a
provider from its AppConfig.ready()); it asks here and shows the answer beside
the price it owns. Without a provider nothing is on sale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class PriceQuery:
    """A price to look up: a variant's (variant_id > 0) or a product's "from" price
    (variant_id 0: product- and category-wide sales only)."""

    variant_id: int
    product_id: int
    category_id: int
    price: Decimal


# variant_id (or 0 with product_id as the key for products) -> (sale price, sale name)
SalePrice = tuple[Decimal, str]
Provider = Callable[[Sequence[PriceQuery]], dict[PriceQuery, SalePrice]]
_providers: list[Provider] = []


def sale_prices_register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sale_prices(queries: Sequence[PriceQuery]) -> dict[PriceQuery, SalePrice]:
    """The lowest sale price any provider gives for each query (absent: none)."""
    found: dict[PriceQuery, SalePrice] = {}
    if not queries:
        return found
    for provider in _providers:
        for query, offer in provider(queries).items():
            if query not in found or offer[0] < found[query][0]:
                found[query] = offer
    return found


# Expressions other apps add to the shop's own queries, so what they need comes
# with rows the shop reads anyway (no extra query): kinds "product" (listings),
# "cart" and "cart_line" (carts), and "cart_line_variant" (a cart line's, from a
# Variant query: for a line just added, not read yet). Promotions adds
# `sale_candidate` (an EXISTS on sales running at `now` that may touch the row)
# and the cart's voucher id. A provider depends on `now` only, so a compiled cart
# read can be reused (securecart.query_plans).
AnnotationProvider = Callable[[datetime], dict[str, Any]]
_annotations: dict[str, list[AnnotationProvider]] = {}


def annotations_register(kind: str, provider: AnnotationProvider) -> None:
    providers = _annotations.setdefault(kind, [])
    if provider not in providers:
        providers.append(provider)


def query_annotations(kind: str, *, now: datetime | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    now = now or timezone.now()
    for provider in _annotations.get(kind, ()):
        found.update(provider(now))
    return found


def _variants(product: Any) -> list:
    """The product's prefetched variants (none when they were not prefetched)."""
    return list(getattr(product, "_prefetched_objects_cache", {}).get("variants") or ())


def _product_query(product: Any) -> PriceQuery:
    return PriceQuery(0, product.pk, product.category_id, product.price)


def _variant_query(product: Any, variant: Any) -> PriceQuery:
    return PriceQuery(variant.pk, product.pk, product.category_id, variant.price)


def products_attach_sale_prices(products: Iterable) -> None:
    """Set `sale_price` / `sale_name` on products and their prefetched variants
    (None when not on sale). One provider call for the whole page, none when the
    listing query said no product is a sale candidate."""
    products = list(products)
    candidates = [p for p in products if getattr(p, "sale_candidate", True)]
    queries: list[PriceQuery] = []
    for product in candidates:
        queries.append(_product_query(product))
        queries.extend(_variant_query(product, v) for v in _variants(product))
    found = sale_prices(queries) if _providers else {}
    for product in products:
        offer = found.get(_product_query(product))
        product.sale_price, product.sale_name = offer or (None, "")
        for variant in _variants(product):
            offer = found.get(_variant_query(product, variant))
            variant.sale_price, variant.sale_name = offer or (None, "")


# --- a cart's discounts ------------------------------------------------------------
CartSummary = dict[str, Any]
_cart_summaries: list[Callable[[Any], CartSummary]] = []


def cart_summary_register(provider: Callable[[Any], CartSummary]) -> None:
    if provider not in _cart_summaries:
        _cart_summaries.append(provider)


def cart_summary(cart: Any) -> CartSummary:
    """The cart's discounts as another app prices them, once per cart object:
    {"discounts": [{"kind", "code", "label", "amount"}], "discount_total",
    "total_after_discount", "voucher": {"code", "error"} | None,
    "lines": {sku: {"sale_price", "sale_name", "discount"}}} (money as strings)."""
    cached = getattr(cart, "_discount_summary", None)
    if cached is not None:
        return cached
    summary: CartSummary = {}
    for provider in _cart_summaries:
        summary.update(provider(cart))
    if not summary:
        total = sum(
            (line.unit_price * line.quantity for line in cart.lines.all()),
            Decimal("0.00"),
        )
        summary = {
            "discounts": [],
            "discount_total": "0.00",
            "total_after_discount": f"{total:.2f}",
            "voucher": None,
            "lines": {},
        }
    cart._discount_summary = summary
    return summary
