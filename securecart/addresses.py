"""The postal address: one value object for every place an address appears.

An order keeps its delivery address in `shipping_*` columns, a customer's saved
addresses are rows of their own, checkout carries one between its steps in the
session, the API takes one as JSON, the warehouse and the emails get one. Each
of them converts through `Address`, so the fields and their order are written
down once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .text import strip_bidi

# The postal part, in print order; `phone` travels with it for the carrier.
POSTAL_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
FIELDS = (*POSTAL_FIELDS, "phone")


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
        """The address as the API shows it (every field, in print order)."""
        data = asdict(self)
        return {name: data[name] for name in FIELDS}

    def as_columns(self, *, prefix: str) -> dict[str, str]:
        """Keyword arguments for a model that keeps the address in prefixed columns."""
        return {f"{prefix}{name}": value for name, value in self.as_dict().items()}

    def as_lines(self, *, with_name: bool = True) -> list[str]:
        """Printable lines (labels, emails, packing slips), empty parts skipped."""
        locality = " ".join(p for p in (self.city, self.region, self.postal_code) if p)
        lines = [self.name if with_name else "", self.line1, self.line2, locality]
        return [line for line in [*lines, self.country] if line]
