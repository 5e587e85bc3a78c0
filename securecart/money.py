"""One way to print an amount of money, for pages, messages and emails alike."""

from __future__ import annotations

from decimal import Decimal

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def format_money(amount: Decimal | str | int | None, currency: str = "") -> str:
    """$19.99 (or 1,234.50 CHF where the currency has no symbol here); '' for none."""
    if amount in (None, ""):
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"))
    text = f"{value:,}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}".strip()
