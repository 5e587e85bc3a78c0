"""Storefront forms; domain errors from services land on the field they are about."""

from __future__ import annotations

from django import forms

from securecart.money import format_money

from .exceptions import ShopError
from .services import MAX_LINE_QUANTITY


def add_shop_error(form: forms.Form, error: ShopError) -> None:
    """Attach a service error to its field (or to the form when it has none)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class AddToCartForm(forms.Form):
    sku = forms.ChoiceField(label="Option", widget=forms.RadioSelect)
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        initial=1,
        error_messages={
            "invalid": "Enter a whole number.",
            "min_value": "Quantity must be at least 1.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
    )

    def __init__(self, *args, variants=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        first_available = None
        for variant in variants:
            available = variant.available
            label = f"{variant.name} — {format_money(variant.price, variant.currency)}"
            label += " (out of stock)" if available <= 0 else f" ({available} in stock)"
            choices.append((variant.sku, label))
            if first_available is None and available > 0:
                first_available = variant.sku
        sku_field = self.fields["sku"]
        assert isinstance(sku_field, forms.ChoiceField)
        sku_field.choices = choices
        self.fields["sku"].error_messages["invalid_choice"] = (
            "Choose one of the options."
        )
        if first_available and not self.is_bound:
            self.initial["sku"] = first_available


class CartLineForm(forms.Form):
    sku = forms.CharField(max_length=64, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        error_messages={
            "invalid": "Enter a whole number.",
            "min_value": "Quantity must be at least 1 (use Remove to take it out).",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
    )


class CartRemoveForm(forms.Form):
    sku = forms.CharField(max_length=64)
