"""Forms of the storefront account pages (thin: rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from securecart.address_forms import form_address_check
from securecart.countries import country_choices_store_first

from .models import Address, User
from .selectors import email_in_use
from .services import ADDRESS_FIELDS
from .throttling import LoginThrottle

THROTTLED_MESSAGE = (
    "Too many failed sign-in attempts. For your security, sign-in is paused: "
    "please wait {minutes} minutes and try again, or reset your password."
)


class ThrottledLoginMixin:
    """Refuse sign-in after too many attempts per login name or per IP.

    Shared by the storefront and the admin login forms, each with counters of its
    own (accounts/throttling.py). Every attempt is counted before the password is
    checked; a success gives its count back. While blocked, the password is not
    even checked, so a guesser cannot tell right from wrong.
    """

    throttled = False
    retry_after = 0
    admin_site = False
    request: Any

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        login = self.cleaned_data.get("username") or ""  # type: ignore[attr-defined]
        throttle = LoginThrottle.for_request(self.request, login, admin=self.admin_site)
        if not throttle.attempt():
            self.throttled = True
            self.retry_after = throttle.retry_after()
            minutes = max(1, settings.ACCOUNTS_LOGIN_WINDOW_SECONDS // 60)
            raise ValidationError(
                THROTTLED_MESSAGE.format(minutes=minutes), code="throttled"
            )
        cleaned = super().clean()  # type: ignore[misc]
        if getattr(self, "user_cache", None) is not None:
            throttle.record_success()
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Storefront sign-in by username or email."""

    username = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django sizes this field to the username column (150); emails go to 254.
        username = self.fields["username"]
        assert isinstance(username, forms.CharField)
        username.max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = 254

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email/username and password do not match an account. "
            "Note that the password is case-sensitive."
        ),
    }


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """Django admin sign-in, throttled like the storefront's on counters of its own."""

    admin_site = True


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    username = forms.RegexField(
        label="Username (optional)",
        required=False,
        max_length=150,
        regex=r"^[\w.+-]+\Z",
        help_text="Letters, digits and . + - _ only. Leave empty to sign in with your email.",
        error_messages={
            "invalid": "Use only letters, digits and . + - _ in a username."
        },
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Whether an account uses the address is not checked here: the answer
        # must not tell (accounts/signup.py emails the owner instead).
        return User.objects.normalize_email(self.cleaned_data["email"].strip())

    def clean_username(self) -> str:
        # Usernames are public handles: a taken one is still a form error.
        username = self.cleaned_data.get("username", "").strip()
        if username and User.objects.filter(username__iexact=username).exists():
            raise ValidationError("That username is taken.", code="username_in_use")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords do not match.")
        elif password1:
            candidate = User(
                username=cleaned.get("username") or "", email=cleaned.get("email") or ""
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "sms_opt_in"]
        labels = {"sms_opt_in": "Send me order updates by SMS"}
        # The model's help texts speak to staff in the admin, not to customers.
        help_texts = {
            "sms_opt_in": "Texts go to the phone number above when an order ships."
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    current_password = forms.CharField(
        label="Current password (needed to change your email)",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if email_in_use(email=email, exclude_user=self.instance):
            raise ValidationError(
                "Another account already uses this email address.", code="email_in_use"
            )
        return email

    def clean(self) -> dict[str, Any]:
        """A new email address (where reset links go) needs the current password,
        so a session left open somewhere cannot take the account over."""
        cleaned = super().clean() or {}
        email = cleaned.get("email")
        changed = email and email.lower() != (self.initial.get("email") or "").lower()
        password = cleaned.pop("current_password", "")
        if changed and not self.instance.check_password(password):
            self.add_error(
                "current_password",
                ValidationError(
                    "Enter your current password to change your email address.",
                    code="password_needed",
                ),
            )
        return cleaned


class AddressForm(forms.ModelForm):
    country = forms.ChoiceField(
        choices=country_choices_store_first,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )

    class Meta:
        model = Address
        fields = list(ADDRESS_FIELDS)
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].initial = settings.STORE_COUNTRY
        # Whether these are needed is the country's call (clean()).
        for name in ("city", "postal_code", "region"):
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        form_address_check(self, data)
        return data

    def _post_clean(self) -> None:
        # Model validation (incl. the one-default constraint) runs in the
        # service, after the previous default has been cleared.
        pass
