"""ISO 3166-1 alpha-2 country codes, for address forms and validation."""

from __future__ import annotations

from functools import cache

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError


@cache
def country_choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs sorted by name, for a select box."""
    pairs = [
        (c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries
    ]
    return sorted(pairs, key=lambda pair: pair[1])


def country_choices_store_first() -> list[tuple[str, str]]:
    """The store's country (settings.STORE_COUNTRY) first, then every other by name:
    most shoppers live where the shop sells, and no "Choose a country…" sits on top."""
    store = settings.STORE_COUNTRY
    pairs = country_choices()
    return [
        *(pair for pair in pairs if pair[0] == store),
        *(pair for pair in pairs if pair[0] != store),
    ]


def country_name(code: str) -> str:
    """ "United States" for "US"; '' for a code that names no country."""
    return _names().get((code or "").upper(), "")


@cache
def _names() -> dict[str, str]:
    return dict(country_choices())


@cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in country_choices())


def validate_country_code(value: str) -> None:
    """Reject anything but an upper-case ISO 3166-1 alpha-2 code."""
    if value not in country_codes():
        raise ValidationError(
            "Enter a valid two-letter country code (ISO 3166-1 alpha-2), e.g. US or GB.",
            code="invalid_country",
        )
