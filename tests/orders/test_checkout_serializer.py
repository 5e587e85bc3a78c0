"""The checkout serializer builds its fields once per class: every instance still
binds fields of its own and validates as DRF's deep-copied fields would."""

from __future__ import annotations

import copy

from rest_framework import serializers

from orders.serializers import AddressSerializer, CheckoutSerializer
from tests.factories.orders import ADDRESS

PAYLOAD = {
    "cart_id": "c" * 32,
    "email": "Ada@Example.com",
    "shipping_address": dict(ADDRESS),
    "shipping_method": "standard",
    "payment_token": "tok_visa",
}


class _DeepCopied(serializers.Serializer):
    """DRF's own way (fields deep-copied per instance), for comparison."""

    def get_fields(self):
        return copy.deepcopy(self._declared_fields)


def _answer(serializer):
    valid = serializer.is_valid()
    return valid, (serializer.validated_data if valid else serializer.errors)


def test_each_instance_binds_fields_of_its_own():
    one, two = CheckoutSerializer(data=PAYLOAD), CheckoutSerializer(data=PAYLOAD)
    for name in one.fields:
        assert one.fields[name] is not two.fields[name]
        assert one.fields[name].parent is one and two.fields[name].parent is two
    nested_one = one.fields["shipping_address"]
    nested_two = two.fields["shipping_address"]
    assert nested_one.fields["city"] is not nested_two.fields["city"]
    assert nested_one.fields["city"].root is one
    assert nested_two.fields["city"].root is two


def test_answers_are_those_of_deep_copied_fields():
    class Reference(_DeepCopied, CheckoutSerializer):
        shipping_address = type("Address", (_DeepCopied, AddressSerializer), {})()

    bad_address = {**ADDRESS, "postal_code": "!!", "country": "XX"}
    payloads = [
        PAYLOAD,
        {**PAYLOAD, "email": "not-an-email", "payment_token": "4242424242424242"},
        {**PAYLOAD, "shipping_address": bad_address},
        {**PAYLOAD, "sms_opt_in": True},
        {key: value for key, value in PAYLOAD.items() if key != "cart_id"},
        PAYLOAD,  # a valid one after invalid ones: nothing carried over
    ]
    for payload in payloads:
        assert _answer(CheckoutSerializer(data=payload)) == _answer(
            Reference(data=payload)
        )
    assert _answer(CheckoutSerializer(data=payloads[1]))[0] is False
    assert _answer(CheckoutSerializer(data=PAYLOAD))[0] is True
