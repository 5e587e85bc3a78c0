"""CSV product import: validate every row first, then write in one transaction.

Columns (header row required): sku, product_slug, product_name, category, price,
stock_on_hand; optional: variant_name, currency, is_active, description, options
(`size=L;colour=Blue`). One row per variant; rows sharing product_slug form one product.
Create or update by SKU; a product's listing price becomes its cheapest variant's.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction

from . import services
from .models import Category, Product, Variant

REQUIRED_COLUMNS = (
    "sku",
    "product_slug",
    "product_name",
    "category",
    "price",
    "stock_on_hand",
)
OPTIONAL_COLUMNS = ("variant_name", "currency", "is_active", "description", "options")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


@dataclass
class ImportRow:
    line: int
    sku: str
    product_slug: str
    product_name: str
    category: Category
    price: Decimal
    stock_on_hand: int
    variant_name: str
    currency: str
    is_active: bool
    description: str
    options: dict


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0


class ImportFileError(Exception):
    """The file itself is unusable (no header, missing columns)."""


class ImportRowError(Exception):
    """A valid row conflicts with the database; the whole import is rolled back."""


def _options(text: str) -> dict:
    options = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"options: {part!r} is not name=value")
        options[key.strip()] = value.strip()
    return options


def _price(text: str, problems: list[str]) -> Decimal | None:
    if not text:
        return None
    try:
        price = Decimal(text)
        exponent = price.as_tuple().exponent
        if (
            not price.is_finite()
            or price < 0
            or (isinstance(exponent, int) and exponent < -2)
        ):
            raise InvalidOperation
    except InvalidOperation:
        problems.append(f"price: {text!r} is not an amount like 12.50")
        return None
    return price


def _stock(text: str, problems: list[str]) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        problems.append(f"stock_on_hand: {text!r} is not a whole number ≥ 0")
        return None
    return int(text)


def _identity_problems(
    row: dict[str, str], seen_skus: dict[str, int], categories: dict[str, Category]
) -> list[str]:
    problems = [
        f"{column}: required" for column in REQUIRED_COLUMNS if not row.get(column)
    ]
    sku = row.get("sku", "")
    if sku and len(sku) > 64:
        problems.append("sku: longer than 64 characters")
    if sku in seen_skus:
        problems.append(f"sku: {sku!r} already on row {seen_skus[sku]}")
    slug = row.get("product_slug", "")
    if slug and not _SLUG.match(slug):
        problems.append(f"product_slug: {slug!r} is not a slug (letters, digits, -, _)")
    if row.get("category") and row["category"] not in categories:
        problems.append(f"category: no category with slug {row['category']!r}")
    return problems


def _flags_problems(row: dict[str, str], currency: str) -> list[str]:
    problems = []
    active_text = row.get("is_active", "").lower()
    if active_text and active_text not in _TRUE | _FALSE:
        problems.append(f"is_active: {row['is_active']!r} is not yes/no")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append(f"currency: {currency!r} is not a 3-letter code")
    return problems


def _row_check(
    line: int,
    row: dict[str, str],
    *,
    seen_skus: dict[str, int],
    categories: dict[str, Category],
) -> tuple[ImportRow | None, list[str]]:
    """One row as an ImportRow, or the problems that stop it."""
    problems = _identity_problems(row, seen_skus, categories)
    price = _price(row.get("price", ""), problems)
    stock = _stock(row.get("stock_on_hand", ""), problems)
    currency = (row.get("currency") or settings.STORE_CURRENCY).upper()
    problems.extend(_flags_problems(row, currency))
    try:
        options = _options(row.get("options", ""))
    except ValueError as error:
        problems.append(str(error))
        options = {}
    if problems or price is None or stock is None:
        return None, problems
    return (
        ImportRow(
            line=line,
            sku=row["sku"],
            product_slug=row["product_slug"],
            product_name=row["product_name"][:200],
            category=categories[row["category"]],
            price=price,
            stock_on_hand=stock,
            variant_name=(row.get("variant_name") or "Default")[:120],
            currency=currency,
            is_active=row.get("is_active", "").lower() not in _FALSE,
            description=row.get("description", ""),
            options=options,
        ),
        [],
    )


def validate_rows(
    reader: Iterable[dict], *, categories: dict[str, Category]
) -> ImportReport:
    report = ImportReport()
    seen_skus: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):  # line 1 is the header
        if None in raw:
            report.errors.append(f"row {line}: more values than columns")
            continue
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        checked, problems = _row_check(
            line, row, seen_skus=seen_skus, categories=categories
        )
        if checked is None:
            report.errors.extend(f"row {line}: {problem}" for problem in problems)
            continue
        seen_skus[checked.sku] = line
        report.rows.append(checked)
    return report


def read_csv(handle) -> tuple[csv.DictReader, list[str]]:
    reader = csv.DictReader(handle)
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError("the file is empty (a header row is required)")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError("missing column(s): " + ", ".join(missing))
    return reader, header


def _product_for(row: ImportRow, products: dict[str, Product]) -> Product:
    """The row's product: created or renamed once per file, described if given."""
    product = products.get(row.product_slug)
    if product is None:
        product, _ = Product.objects.update_or_create(
            slug=row.product_slug,
            defaults={"name": row.product_name, "category": row.category},
            create_defaults={
                "name": row.product_name,
                "category": row.category,
                "price": row.price,
                "currency": row.currency,
                "description": row.description,
            },
        )
        products[row.product_slug] = product
    if row.description and product.description != row.description:
        Product.objects.filter(pk=product.pk).update(description=row.description)
    return product


def _variant_write(
    row: ImportRow, product: Product, existing: dict[str, Variant], report: ImportReport
) -> None:
    values = {
        "product": product,
        "name": row.variant_name,
        "options": row.options,
        "price": row.price,
        "currency": row.currency,
        "stock_on_hand": row.stock_on_hand,
        "is_active": row.is_active,
    }
    variant = existing.get(row.sku)
    if variant is None:
        Variant.objects.create(sku=row.sku, **values)
        report.created += 1
        return
    if row.stock_on_hand < variant.stock_reserved:
        # The CHECK constraint would refuse it; say which row and why.
        raise ImportRowError(
            f"row {row.line}: stock_on_hand {row.stock_on_hand} is below the "
            f"{variant.stock_reserved} already reserved for {row.sku}"
        )
    for name, value in values.items():
        setattr(variant, name, value)
    variant.save()
    report.updated += 1


def products_import(
    *,
    handle,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
    progress_every: int = 500,
) -> ImportReport:
    """Validate the whole file; import all rows, or nothing if any row is invalid
    (unless skip_invalid, which imports the valid rows and reports the others)."""
    reader, _ = read_csv(handle)
    categories = {c.slug: c for c in Category.objects.all()}
    report = validate_rows(reader, categories=categories)
    if report.errors and not skip_invalid:
        return report
    report.skipped = len({e.split(":")[0] for e in report.errors})
    total = len(report.rows)
    with transaction.atomic():
        products: dict[str, Product] = {}
        existing = {
            v.sku: v
            for v in Variant.objects.filter(sku__in=[r.sku for r in report.rows])
        }
        for done, row in enumerate(report.rows, start=1):
            _variant_write(row, _product_for(row, products), existing, report)
            if progress and (done % progress_every == 0 or done == total):
                progress(done, total)
        services.product_refresh_price(product_ids=[p.pk for p in products.values()])
    return report
