"""{{ order|address_lines:"shipping_" }}, {{ address|address_lines }}: an address's
printed lines in its country's layout (securecart.addresses)."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from securecart.addresses import Address

register = template.Library()


@register.filter
def address_lines(source: object, prefix: str = "") -> list[str]:
    """Lines of a mapping (checkout state) or of an object's (prefixed) fields."""
    if isinstance(source, Mapping):
        return Address.from_mapping(source).as_lines()
    return Address.from_object(source, prefix=prefix).as_lines()
