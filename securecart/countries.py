"""ISO 3166-1 alpha-2 country codes, for address forms and validation."""

from __future__ import annotations

from functools import cache

import pycountry
from django.core.exceptions import ValidationError


@cache
def country_choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs sorted by name, for a select box."""
    pairs = [
        (c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries
    ]
    return sorted(pairs, key=lambda pair: pair[1])


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
