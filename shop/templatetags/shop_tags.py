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
