"""Input validation and output shapes of the orders API (thin: no rules here)."""

from __future__ import annotations

import copy
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from securecart.addresses import Address, AddressInvalid
from securecart.countries import country_codes
from securecart.serializers import ModelSerializer

from .models import Order, OrderDiscount, OrderLine, ShippingMethod
from .tracking import (
    ADDRESS_FIELDS,
    SUMMARY_MONEY,
    OrderTracking,
    line_summary,
    tracking_body,
)

POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,11}$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
TOKEN = re.compile(r"^tok_[A-Za-z0-9_]{1,90}$")


def country_validate(value: str) -> str:
    """Return an upper-case ISO 3166-1 alpha-2 code or raise ValidationError."""
    code = (value or "").strip().upper()
    if code not in country_codes():
        raise DjangoValidationError(
            "Enter a valid two-letter country code (ISO 3166-1 alpha-2), e.g. US."
        )
    return code


class _PlainSerializer(serializers.Serializer):
    """A serializer of declared fields only, built once per class.

    DRF deep-copies every declared field for each instance (for checkout, 15
    fields re-instantiated with their validators on every request, more than
    the validation itself costs). Here the first instance of a class keeps those
    copies as an unbound prototype, and each instance gets shallow copies of
    them: its own objects to bind (name, parent, label), sharing what no
    validation changes (validators, messages, options). Fields that depend on
    the instance or its context do not belong in such a class.
    """

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            cls._fields_prototype = prototype  # this class only, not subclasses
        return {name: copy.copy(field) for name, field in prototype.items()}


class AddressSerializer(_PlainSerializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    postal_code = serializers.CharField(max_length=20)
    country = serializers.CharField(max_length=2, min_length=2)
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )

    def validate_postal_code(self, value: str) -> str:
        if not POSTAL_CODE.match(value):
            raise serializers.ValidationError("Enter a valid postal code.")
        return value.upper()

    def validate_country(self, value: str) -> str:
        try:
            return country_validate(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_phone(self, value: str) -> str:
        if value and not PHONE.match(value):
            raise serializers.ValidationError("Enter a valid phone number.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The country's own rules (securecart.addresses): required parts,
        postal-code format; the region kept as the post writes it."""
        try:
            address = Address.from_mapping(attrs).normalized()
        except AddressInvalid as exc:
            raise serializers.ValidationError(exc.errors) from exc
        return {**attrs, "region": address.region, "postal_code": address.postal_code}


class CheckoutSerializer(_PlainSerializer):
    cart_id = serializers.CharField(max_length=64)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )
    sms_opt_in = serializers.BooleanField(required=False, default=False)
    shipping_address = AddressSerializer()
    shipping_method = serializers.CharField(max_length=40)
    payment_token = serializers.CharField(max_length=100)

    def validate_phone(self, value: str) -> str:
        if value and not PHONE.match(value):
            raise serializers.ValidationError("Enter a valid phone number.")
        return value

    def validate_payment_token(self, value: str) -> str:
        # Only opaque gateway tokens: a card number here is refused, never kept.
        if not TOKEN.match(value):
            raise serializers.ValidationError(
                "Expected a payment token from the payment form (tok_…), "
                "never card details."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("sms_opt_in") and not (
            attrs.get("phone") or attrs["shipping_address"].get("phone")
        ):
            raise serializers.ValidationError(
                {"phone": ["A phone number is needed for SMS updates."]}
            )
        return attrs


class ShippingMethodSerializer(ModelSerializer):
    class Meta:
        model = ShippingMethod
        fields = ("code", "name", "description", "price", "currency", "free_over")


def order_body(order: Order, lines: list[OrderLine] | None = None) -> dict[str, Any]:
    """The API representation of an order (no queries when lines are given)."""
    lines = list(order.lines.all()) if lines is None else lines
    return {
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "shipping_total": str(order.shipping_total),
        "tax_total": str(order.tax_total),
        "total": str(order.total),
        "discount_total": str(order.discount_total),
        "voucher_code": order.voucher_code or None,
        "discounts": [
            {
                "kind": discount.kind,
                "code": discount.code,
                "label": discount.label,
                "amount": str(discount.amount),
                "free_shipping": discount.free_shipping,
            }
            for discount in _discounts(order)
        ],
        "prices_include_tax": order.prices_include_tax,
        "shipping_method": order.shipping_method.code,
        "shipping_address": Address.from_object(order, prefix="shipping_").as_dict(),
        "placed_at": order.placed_at.isoformat().replace("+00:00", "Z"),
        "access_token": order.access_token,
        "lines": [line_summary(line) for line in lines],
    }


def _discounts(order: Order) -> list[OrderDiscount]:
    placed = getattr(order, "_checkout_discounts", None)  # just placed: no query
    return list(placed) if placed is not None else list(order.discounts.all())


def order_detail_body(order: Order) -> dict[str, Any]:
    """An order with its payment state and timeline (prefetched by the selector)."""
    body = order_body(order)
    payment = getattr(order, "payment", None) if hasattr(order, "payment") else None
    body.update(
        tracking_number=order.tracking_number,
        carrier=order.carrier,
        shipped_at=order.shipped_at.isoformat() if order.shipped_at else None,
        delivered_at=order.delivered_at.isoformat() if order.delivered_at else None,
        payment_status=payment.status if payment else None,
        events=[
            {
                "kind": event.kind,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "message": event.message,
                "actor": event.actor_label,
                "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
            }
            for event in order.events.all()
        ],
    )
    return body


def tracking_detail_body(tracking: OrderTracking) -> dict[str, Any]:
    """GET /api/v1/orders/{number}/: the order with its customer status and milestones.

    Read from the database, the full body (payment state, staff timeline `events`,
    access token); read from the DynamoDB projection, the fields it keeps: the
    same keys less `access_token`, `payment_status` and `events`.
    """
    if tracking.order is not None:
        return {**order_detail_body(tracking.order), **tracking_body(tracking)}
    summary = tracking.summary
    milestones = {m.status: m.at.isoformat() for m in tracking.milestones}
    return {
        "number": tracking.number,
        "status": tracking.status,
        "email": summary["email"],
        "currency": tracking.currency,
        **{name: summary[name] for name in SUMMARY_MONEY},
        "voucher_code": summary["voucher_code"] or None,
        "discounts": summary["discounts"],
        "prices_include_tax": summary["prices_include_tax"],
        "shipping_method": summary["shipping_method_code"],
        "shipping_address": Address(
            **{name: summary[f"shipping_{name}"] for name in ADDRESS_FIELDS}
        ).as_dict(),
        "placed_at": summary["placed_at"],
        "lines": summary["lines"],
        "tracking_number": tracking.tracking_number,
        "carrier": tracking.carrier,
        "shipped_at": milestones.get("shipped"),
        "delivered_at": milestones.get("delivered"),
        **tracking_body(tracking),
    }
