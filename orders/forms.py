"""Storefront checkout forms (validation only; the service decides)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from securecart.address_forms import form_address_check
from securecart.addresses import POSTAL_FIELDS
from securecart.countries import country_choices_store_first

from .serializers import PHONE, POSTAL_CODE, country_validate

TEST_TOKENS = [
    ("tok_visa", "Visa ending 4242 — approves (test)"),
    ("tok_chargeDeclined", "Card that is declined (test)"),
    (
        "tok_riskLevelHighest",
        "Card flagged as highest risk — approves, held for review (test)",
    ),
]


NEW_ADDRESS = "new"
# Filled from a saved address when one is chosen; typed only for a new address.
SAVED_ADDRESS_FIELDS = POSTAL_FIELDS


def saved_address_label(address) -> str:
    """One line naming a saved address, read out as the radio's label."""
    label = ", ".join(address.as_lines())
    return f"{label} (default)" if address.is_default else label


def _text(autocomplete: str, *, input_type: str = "text") -> forms.TextInput:
    """A text-like input carrying its autocomplete token (and tel/email keyboards)."""
    widget = forms.TextInput(attrs={"autocomplete": autocomplete})
    widget.input_type = input_type
    return widget


class AddressForm(forms.Form):
    """Contact details plus a delivery address, typed or chosen from the account.

    With ``saved_addresses`` (the signed-in customer's own, from
    ``accounts.selectors.address_list_for_user``) the form offers them as radios
    plus "A new address"; the choices are exactly those rows, so a posted id of
    anyone else's address is an invalid choice, never a lookup. With ``user`` (signed
    in) a new address may be saved to the account.
    """

    email = forms.EmailField(max_length=254, widget=_text("email", input_type="email"))
    phone = forms.CharField(
        max_length=32,
        required=False,
        help_text="For delivery questions.",
        widget=_text("tel", input_type="tel"),
    )
    sms_opt_in = forms.BooleanField(
        required=False, label="Send me order updates by SMS"
    )
    # Which of city, region and postal code a country needs is its address
    # rules' call (securecart.addresses), checked in clean().
    name = forms.CharField(
        max_length=200, label="Full name", widget=_text("shipping name")
    )
    line1 = forms.CharField(
        max_length=200, label="Address line 1", widget=_text("shipping address-line1")
    )
    line2 = forms.CharField(
        max_length=200,
        required=False,
        label="Address line 2",
        widget=_text("shipping address-line2"),
    )
    city = forms.CharField(
        max_length=100, required=False, widget=_text("shipping address-level2")
    )
    region = forms.CharField(
        max_length=100,
        required=False,
        label="State / region",
        widget=_text("shipping address-level1"),
    )
    postal_code = forms.CharField(
        max_length=20,
        required=False,
        label="Postal code",
        widget=_text("shipping postal-code"),
    )
    country = forms.CharField(max_length=2, label="Country")

    def __init__(
        self, *args, saved_addresses=(), can_save: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"] = forms.ChoiceField(
            choices=country_choices_store_first(),
            initial=settings.STORE_COUNTRY,
            label="Country",
            widget=forms.Select(attrs={"autocomplete": "shipping country"}),
        )
        self.saved_addresses = {str(a.pk): a for a in saved_addresses}
        if self.saved_addresses:
            default = next(iter(self.saved_addresses))  # the selector lists it first
            self.fields["saved_address"] = forms.ChoiceField(
                label="Deliver to",
                widget=forms.RadioSelect,
                initial=default,
                choices=[
                    *(
                        (pk, saved_address_label(a))
                        for pk, a in self.saved_addresses.items()
                    ),
                    (NEW_ADDRESS, "A new address"),
                ],
            )
            if self.is_bound and self.data.get("saved_address") != NEW_ADDRESS:
                # A saved address (or a bad id, reported on its own field): the
                # typed fields are ignored, so they must not fail validation.
                for name in SAVED_ADDRESS_FIELDS:
                    self.fields[name].required = False
        if can_save:
            self.fields["save_address"] = forms.BooleanField(
                required=False, label="Save this address to my account"
            )

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("email", "phone", "sms_opt_in")]

    def new_address_fields(self) -> list[forms.BoundField]:
        names = [
            *SAVED_ADDRESS_FIELDS,
            *(["save_address"] if "save_address" in self.fields else []),
        ]
        return [self[name] for name in names]

    @property
    def uses_saved_address(self) -> bool:
        return bool(self.saved_addresses) and (
            self.cleaned_data.get("saved_address") not in (None, "", NEW_ADDRESS)
        )

    def clean_country(self) -> str:
        if not self.cleaned_data["country"] and not self.fields["country"].required:
            return ""
        try:
            return country_validate(self.cleaned_data["country"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if not value and not self.fields["postal_code"].required:
            return ""
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
        if self.uses_saved_address:
            chosen = self.saved_addresses[data["saved_address"]]
            for name in SAVED_ADDRESS_FIELDS:
                data[name] = getattr(chosen, name)
            data["phone"] = data.get("phone") or chosen.phone
            data["save_address"] = False  # already in the account
        else:
            form_address_check(self, data)
        if data.get("sms_opt_in") and not data.get("phone"):
            self.add_error("phone", "A phone number is needed for SMS updates.")
        return data


class ShippingForm(forms.Form):
    shipping_method = forms.ChoiceField(
        widget=forms.RadioSelect, label="Shipping method"
    )

    def __init__(self, *args, methods=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["shipping_method"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(m.code, m.name) for m in methods]


class PaymentForm(forms.Form):
    payment_token = forms.ChoiceField(
        choices=TEST_TOKENS,
        widget=forms.RadioSelect,
        label="Card (test mode)",
        initial="tok_visa",
    )


class PlaceOrderForm(forms.Form):
    # Generated when the review page renders: a double click or a resubmitted
    # POST carries the same value, and the service places one order for it.
    idempotency_key = forms.CharField(
        max_length=64, min_length=16, widget=forms.HiddenInput
    )


class OrderLookupForm(forms.Form):
    """Find my order: the number from the confirmation and the email used."""

    number = forms.CharField(
        label="Order number",
        max_length=16,
        help_text="As on your confirmation, e.g. SC-7K2MXQ9D.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip().upper()
        if not number.startswith("SC-"):
            number = f"SC-{number}"
        return number
