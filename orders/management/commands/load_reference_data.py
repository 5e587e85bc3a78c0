"""Load production reference data (shipping methods, tax rates) from JSON.

    python manage.py load_reference_data reference-data.json
    python manage.py load_reference_data --data '{"tax_rates": [...]}'

The file (or inline --data, for a one-off ECS task) looks like:

    {"shipping_methods": [{"code": "standard", "name": "Standard", "price": "4.90",
                           "free_over": "50.00", "position": 0}],
     "tax_rates": [{"country": "DE", "name": "VAT", "rate": "0.1900"}]}

Shipping methods are matched on `code`, tax rates on `country`; other fields are
updated. Everything is validated and written in one transaction, so a bad row
changes nothing, and re-running the same file changes nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from orders.models import ShippingMethod, TaxRate

SHIPPING_FIELDS = {
    "name",
    "description",
    "price",
    "currency",
    "free_over",
    "is_active",
    "position",
}
DECIMAL_FIELDS = {"price", "free_over", "rate"}
TAX_FIELDS = {"name", "rate"}


def _values(row: dict[str, Any], allowed: set[str], where: str) -> dict[str, Any]:
    unknown = set(row) - allowed
    if unknown:
        raise CommandError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    values = {}
    for field, value in row.items():
        if field in DECIMAL_FIELDS and value is not None:
            try:
                value = Decimal(str(value))
            except InvalidOperation as exc:
                raise CommandError(
                    f"{where}: {field} {value!r} is not a number"
                ) from exc
        values[field] = value
    return values


def _upsert(
    model: Any, lookup: dict[str, Any], values: dict[str, Any], where: str
) -> str:
    obj = model.objects.filter(**lookup).first()
    status = "unchanged"
    if obj is None:
        obj, status = model(**lookup), "created"
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            status = "updated" if status == "unchanged" else status
    if status == "unchanged":
        return status
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise CommandError(f"{where}: {'; '.join(exc.messages)}") from exc
    obj.save()
    return status


@transaction.atomic
def reference_data_load(data: dict[str, Any]) -> dict[str, int]:
    """Upsert every row; return how many were created, updated and unchanged."""
    unknown = set(data) - {"shipping_methods", "tax_rates"}
    if unknown:
        raise CommandError(f"Unknown section(s): {', '.join(sorted(unknown))}")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for index, row in enumerate(data.get("shipping_methods", [])):
        where = f"shipping_methods[{index}]"
        row = dict(row)
        code = row.pop("code", None)
        if not code:
            raise CommandError(f"{where}: code is required")
        counts[
            _upsert(
                ShippingMethod,
                {"code": code},
                _values(row, SHIPPING_FIELDS, where),
                where,
            )
        ] += 1
    for index, row in enumerate(data.get("tax_rates", [])):
        where = f"tax_rates[{index}]"
        row = dict(row)
        country = str(row.pop("country", "")).upper()
        if len(country) != 2:
            raise CommandError(f"{where}: country must be an ISO 3166-1 alpha-2 code")
        counts[
            _upsert(
                TaxRate, {"country": country}, _values(row, TAX_FIELDS, where), where
            )
        ] += 1
    return counts


class Command(BaseCommand):
    help = (
        "Create or update shipping methods and tax rates from a JSON file (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="JSON file")
        parser.add_argument("--data", help="the JSON itself, instead of a file")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["path"]) == bool(options["data"]):
            raise CommandError("Pass a JSON file or --data, not both.")
        try:
            text = options["data"] or Path(options["path"]).read_text()
            data = json.loads(text)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read reference data: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError("Reference data must be a JSON object.")
        counts = reference_data_load(data)
        self.stdout.write(
            "Reference data: {created} created, {updated} updated, {unchanged} unchanged.".format(
                **counts
            )
        )
