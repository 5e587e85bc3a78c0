"""Storefront checkout forms (validation only; the service decides)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .serializers import PHONE, POSTAL_CODE, country_validate

TEST_TOKENS = [
    ("tok_visa", "Visa ending 4242 — approves (test)"),
    ("tok_chargeDeclined", "Card that is declined (test)"),
    ("tok_riskLevelHighest", "Card flagged as highest risk — approves, held for review (test)"),
]


def _country_choices() -> list[tuple[str, str]] | None:
    try:
        from accounts.countries import country_choices
    except ImportError:
        return None
    return country_choices()


class AddressForm(forms.Form):
    email = forms.EmailField(max_length=254)
    phone = forms.CharField(max_length=32, required=False, help_text="For delivery questions.")
    sms_opt_in = forms.BooleanField(required=False, label="Send me order updates by SMS")
    name = forms.CharField(max_length=200, label="Full name")
    line1 = forms.CharField(max_length=200, label="Address line 1")
    line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False, label="State / region")
    postal_code = forms.CharField(max_length=20, label="Postal code")
    country = forms.CharField(max_length=2, label="Country")

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002,ANN003
        super().__init__(*args, **kwargs)
        choices = _country_choices()
        if choices:
            self.fields["country"] = forms.ChoiceField(
                choices=[("", "Choose a country…"), *choices], label="Country"
            )

    def clean_country(self) -> str:
        try:
            return country_validate(self.cleaned_data["country"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if not POSTAL_CODE.match(value):
            raise forms.ValidationError("Enter a valid postal code.")
        return value.upper()

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if value and not PHONE.match(value):
            raise forms.ValidationError("Enter a valid phone number.")
        return value

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("sms_opt_in") and not data.get("phone"):
            self.add_error("phone", "A phone number is needed for SMS updates.")
        return data


class ShippingForm(forms.Form):
    shipping_method = forms.ChoiceField(widget=forms.RadioSelect, label="Shipping method")

    def __init__(self, *args, methods=(), **kwargs) -> None:  # noqa: ANN001,ANN002,ANN003
        super().__init__(*args, **kwargs)
        field = self.fields["shipping_method"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(m.code, m.name) for m in methods]


class PaymentForm(forms.Form):
    payment_token = forms.ChoiceField(
        choices=TEST_TOKENS, widget=forms.RadioSelect, label="Card (test mode)",
        initial="tok_visa",
    )


class PlaceOrderForm(forms.Form):
    # Generated when the review page renders: a double click or a resubmitted
    # POST carries the same value, and the service places one order for it.
    idempotency_key = forms.CharField(max_length=64, min_length=16, widget=forms.HiddenInput)
