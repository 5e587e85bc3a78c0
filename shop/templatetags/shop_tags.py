from __future__ import annotations

from decimal import Decimal

from django import template
from django.core.files.storage import default_storage

from securecart.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | str | None, currency: str = "") -> str:
    """Format a Decimal amount with its currency: $19.99, or 19.99 CHF."""
    return format_money(amount, currency)


@register.filter
def media_url(name: str | None) -> str:
    """URL of a stored file name (from a values()/Subquery annotation)."""
    return default_storage.url(name) if name else ""


@register.filter
def srcset(renditions: dict | str | None) -> str:
    """`srcset` from renditions {"<width>": "<stored name>"}: "url 240w, url 480w"."""
    if isinstance(renditions, str):  # a Subquery annotation may arrive as JSON text
        import json

        try:
            renditions = json.loads(renditions)
        except ValueError:
            return ""
    if not isinstance(renditions, dict):
        return ""
    parts = []
    for width, name in sorted(
        renditions.items(),
        key=lambda item: int(item[0]) if str(item[0]).isdigit() else 0,
    ):
        if str(width).isdigit() and name:
            parts.append(f"{default_storage.url(name)} {int(width)}w")
    return ", ".join(parts)
