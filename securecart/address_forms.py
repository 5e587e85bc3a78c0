"""Country rules in a Django form: one check for every address form."""

from __future__ import annotations

from typing import Any

from django import forms

from .addresses import POSTAL_FIELDS, Address, AddressInvalid


def form_address_check(form: forms.BaseForm, data: dict[str, Any]) -> None:
    """Check the form's typed address against its country's rules (errors on the
    fields they concern) and keep its normal form (region "CA", postal code in
    capitals) in `data`. Skipped while a field has already failed on its own."""
    if any(name in form.errors for name in POSTAL_FIELDS):
        return
    try:
        address = Address.from_mapping(data).normalized()
    except AddressInvalid as exc:
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, message)
        return
    data.update(region=address.region, postal_code=address.postal_code)
