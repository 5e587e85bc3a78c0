"""Shapes of the customer API (accounts/apis*.py): input types and OpenAPI output.

The rules themselves stay where the storefront has them: sign-up and profile
forms (accounts/forms.py) and services; these serializers only check JSON types
and describe the answers.
"""

from __future__ import annotations

from typing import Any

from django.forms import BaseForm
from rest_framework import serializers

from securecart.addresses import FIELDS

from .models import Address, User


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class RegisterSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    username = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default=""
    )


class VerifySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024)


class TokenObtainSerializer(serializers.Serializer):
    login = serializers.CharField(
        max_length=254, help_text="The account's email address or username."
    )
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    cart_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="A guest cart of this device: merged into the customer's cart.",
    )


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField()
    access_expires_in = serializers.IntegerField()
    refresh_expires_in = serializers.IntegerField()
    cart_id = serializers.CharField(required=False, allow_null=True)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "phone",
            "sms_opt_in",
        ]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    """PATCH /me/: any of these; a new email needs `current_password`."""

    email = serializers.CharField(max_length=254, required=False)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    sms_opt_in = serializers.BooleanField(required=False)
    current_password = serializers.CharField(
        max_length=4096, required=False, allow_blank=True, trim_whitespace=False
    )


class SavedAddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", *FIELDS, "is_default"]
        read_only_fields = fields


class SavedAddressWriteSerializer(serializers.Serializer):
    """POST takes the required fields; PATCH any of them."""

    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20)
    country = serializers.CharField(
        max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. US."
    )
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False)


class CartMergeSerializer(serializers.Serializer):
    cart_id = serializers.CharField(max_length=64)


def form_errors(form: BaseForm, rename: dict[str, str] | None = None) -> dict[str, Any]:
    """A bound form's errors as `{field: [messages]}` (API field names)."""
    rename = rename or {}
    errors: dict[str, Any] = {}
    for field, messages in form.errors.items():
        errors.setdefault(rename.get(field, field), []).extend(messages)
    return errors
