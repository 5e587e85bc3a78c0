"""Listing filters of category and search pages: option values, price band, in stock.

Everything a filter is lives in the URL (shareable): `opt_<name>=<value>` (repeatable,
e.g. `opt_size=M&opt_size=L`), `price=<band>` (one of PRICE_BANDS) and `in_stock=1`.
`filters_from_query` reads them into a normalised `ListingFilters` (the cache key of a
filtered page), `filters_apply` narrows a product queryset, and `facets_for` counts
what each choice would show in one query, whatever the number of products.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from .models import Product, Variant

OPTION_PREFIX = "opt_"
_OPTION_PARAM = re.compile(r"^opt_[a-z][a-z0-9_]{0,29}$")
MAX_OPTION_NAMES = 6
MAX_VALUES_PER_OPTION = 12
MAX_VALUE_LENGTH = 40
# Price bands on the listing ("from") price: key -> (low inclusive, high exclusive).
PRICE_BANDS: dict[str, tuple[Decimal, Decimal | None]] = {
    "0-25": (Decimal("0"), Decimal("25")),
    "25-50": (Decimal("25"), Decimal("50")),
    "50-100": (Decimal("50"), Decimal("100")),
    "100-200": (Decimal("100"), Decimal("200")),
    "200-": (Decimal("200"), None),
}
FILTER_PARAMS = frozenset({"price", "in_stock"})


# Clothing sizes in their natural order; other values keep their catalog order.
SIZE_ORDER = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL")


def _value_order(seen: dict[str, int]) -> list[str]:
    if all(value.upper() in SIZE_ORDER for value in seen):
        return sorted(seen, key=lambda value: SIZE_ORDER.index(value.upper()))
    return sorted(seen, key=lambda value: seen[value])


def is_filter_param(name: str) -> bool:
    return name in FILTER_PARAMS or bool(_OPTION_PARAM.match(name))


def option_label(name: str) -> str:
    """A shopper's word for an option key: "size" -> "Size", "fit_type" -> "Fit type"."""
    return name.replace("_", " ").strip().capitalize() or "Option"


def price_band_label(key: str) -> str:
    low, high = PRICE_BANDS[key]
    if high is None:
        return f"${low:,.0f} and over"
    if not low:
        return f"Under ${high:,.0f}"
    return f"${low:,.0f} to ${high:,.0f}"


@dataclass(frozen=True)
class ListingFilters:
    # ((option name, (values, sorted)), ...) sorted by name
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    price: str = ""
    in_stock: bool = False

    @property
    def active(self) -> bool:
        return bool(self.options or self.price or self.in_stock)

    def key(self) -> str:
        """A stable text for cache keys: equal filters, equal key."""
        opts = ";".join(f"{name}={','.join(values)}" for name, values in self.options)
        return f"{opts}|{self.price}|{int(self.in_stock)}"

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as URL parameters, in a stable order."""
        items = [
            (OPTION_PREFIX + name, value)
            for name, values in self.options
            for value in values
        ]
        if self.price:
            items.append(("price", self.price))
        if self.in_stock:
            items.append(("in_stock", "1"))
        return items

    def selected(self, name: str) -> tuple[str, ...]:
        return dict(self.options).get(name, ())

    def without(self, name: str) -> ListingFilters:
        """The same filters less one option (what its own counts are made under)."""
        options = tuple((n, v) for n, v in self.options if n != name)
        return ListingFilters(options, self.price, self.in_stock)


def filters_from_query(query: Any) -> ListingFilters:
    """Read filters from a QueryDict; unknown or oversized parts are dropped."""
    options: dict[str, tuple[str, ...]] = {}
    for param in sorted(query.keys()):
        if not _OPTION_PARAM.match(param) or len(options) >= MAX_OPTION_NAMES:
            continue
        values = {
            value.strip()
            for value in query.getlist(param)
            if value.strip() and len(value.strip()) <= MAX_VALUE_LENGTH
        }
        if values:
            options[param[len(OPTION_PREFIX) :]] = tuple(sorted(values))[
                :MAX_VALUES_PER_OPTION
            ]
    price = query.get("price", "")
    return ListingFilters(
        options=tuple(sorted(options.items())),
        price=price if price in PRICE_BANDS else "",
        in_stock=query.get("in_stock") == "1",
    )


def _variant_match(filters: ListingFilters) -> Q:
    condition = Q(is_active=True)
    for name, values in filters.options:
        condition &= Q(**{f"options__{name}__in": list(values)})
    if filters.in_stock:
        condition &= Q(stock_on_hand__gt=F("stock_reserved"))
    return condition


def filters_apply(
    queryset: QuerySet[Product], filters: ListingFilters
) -> QuerySet[Product]:
    """Products with an active variant matching every option filter (and in stock
    when asked: the same variant), in the price band."""
    if filters.price:
        low, high = PRICE_BANDS[filters.price]
        queryset = queryset.filter(price__gte=low)
        if high is not None:
            queryset = queryset.filter(price__lt=high)
    if filters.options or filters.in_stock:
        variants = Variant.objects.filter(
            _variant_match(filters), product=OuterRef("pk")
        )
        queryset = queryset.filter(Exists(variants))
    return queryset


@dataclass
class _Row:
    price: Decimal
    variants: list[tuple[dict[str, str], bool]] = field(default_factory=list)


def _in_band(price: Decimal, band: str) -> bool:
    if not band:
        return True
    low, high = PRICE_BANDS[band]
    return price >= low and (high is None or price < high)


def _matches(options: dict[str, str], available: bool, filters: ListingFilters) -> bool:
    if filters.in_stock and not available:
        return False
    return all(options.get(name) in values for name, values in filters.options)


def _any_variant(row: _Row, filters: ListingFilters) -> bool:
    return any(_matches(opts, ok, filters) for opts, ok in row.variants)


def _load_rows(products: QuerySet[Product]) -> tuple[dict[int, _Row], dict]:
    """One query: every active variant of the listing's products, with the price."""
    rows: dict[int, _Row] = {}
    order: dict[str, dict[str, int]] = {}
    queryset = (
        Variant.objects.filter(is_active=True, product__in=products.values("pk"))
        .order_by("product_id", "position", "id")
        .values_list(
            "product_id", "options", "stock_on_hand", "stock_reserved", "product__price"
        )
    )
    for product_id, raw, on_hand, reserved, price in queryset:
        options = {
            str(k): str(v)
            for k, v in (raw or {}).items()
            if re.match(r"^[a-z][a-z0-9_]{0,29}$", str(k)) and v not in (None, "")
        }
        row = rows.setdefault(product_id, _Row(price))
        row.variants.append((options, on_hand > reserved))
        for name, value in options.items():
            seen = order.setdefault(name, {})
            seen.setdefault(value, len(seen))
    return rows, order


def _option_facets(
    rows: Iterable[_Row], order: dict, filters: ListingFilters
) -> list[dict]:
    facets = []
    for name in sorted(order):
        others = filters.without(name)
        counts = dict.fromkeys(order[name], 0)
        for row in rows:
            if not _in_band(row.price, filters.price):
                continue
            found = {
                opts[name]
                for opts, ok in row.variants
                if name in opts and _matches(opts, ok, others)
            }
            for value in found:
                counts[value] += 1
        selected = filters.selected(name)
        facets.append(
            {
                "name": name,
                "param": OPTION_PREFIX + name,
                "label": option_label(name),
                "values": [
                    {"value": v, "count": counts[v], "selected": v in selected}
                    for v in _value_order(order[name])
                ],
            }
        )
    return facets


def facets_for(products: QuerySet[Product], filters: ListingFilters) -> dict:
    """Counts for each filter choice under the other chosen filters (one query).

    `products` is the listing before filters (category or search). Returns
    {"options": [{"name", "param", "label", "values": [{"value", "count",
    "selected"}]}], "prices": [{"key", "label", "count", "selected"}],
    "in_stock": count, "unknown": bool (a chosen value that no product has)}.
    """
    loaded, order = _load_rows(products)
    rows = list(loaded.values())
    options = _option_facets(rows, order, filters)
    known = {(f["name"], v["value"]) for f in options for v in f["values"]}
    unknown = any(
        (name, value) not in known
        for name, values in filters.options
        for value in values
    )
    no_band = ListingFilters(filters.options, "", filters.in_stock)
    prices = [
        {
            "key": key,
            "label": price_band_label(key),
            "count": sum(
                1 for r in rows if _in_band(r.price, key) and _any_variant(r, no_band)
            ),
            "selected": key == filters.price,
        }
        for key in PRICE_BANDS
    ]
    with_stock = ListingFilters(filters.options, filters.price, True)
    in_stock = sum(
        1
        for r in rows
        if _in_band(r.price, filters.price) and _any_variant(r, with_stock)
    )
    return {
        "options": options,
        "prices": prices,
        "in_stock": in_stock,
        "unknown": unknown,
    }
