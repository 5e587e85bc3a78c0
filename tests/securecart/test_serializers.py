"""ModelSerializer fields are derived from the model once per class, and each
instance still owns its fields (bound to it, not shared); plain_validated is a
serializer's own answer or none."""

from unittest import mock

import pytest
from rest_framework import serializers
from rest_framework.utils import model_meta

from securecart.serializers import ModelSerializer, plain_validated
from shop.models import Category


class _Categories(ModelSerializer):
    extra = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ("slug", "name", "extra")

    def get_extra(self, category) -> str:
        return self.context.get("word", "")


def test_fields_are_derived_once_per_class():
    with mock.patch.object(
        model_meta, "get_field_info", wraps=model_meta.get_field_info
    ) as introspect:
        for _ in range(3):
            assert set(_Categories().fields) == {"slug", "name", "extra"}
    assert introspect.call_count <= 1  # 0 if another test built the class's first


def test_each_instance_owns_its_bound_fields_and_context():
    one, two = (
        _Categories(context={"word": "one"}),
        _Categories(context={"word": "two"}),
    )
    assert one.fields["name"] is not two.fields["name"]
    assert one.fields["name"].parent is one and two.fields["name"].parent is two
    category = Category(slug="mugs", name="Mugs")
    assert one.to_representation(category) == {
        "slug": "mugs",
        "name": "Mugs",
        "extra": "one",
    }
    assert two.to_representation(category)["extra"] == "two"


def test_a_subclass_gets_its_own_fields():
    class Narrow(_Categories):
        class Meta(_Categories.Meta):
            fields = ("slug",)

    assert set(_Categories().fields) == {"slug", "name", "extra"}
    assert set(Narrow().fields) == {"slug"}
    assert set(_Categories().fields) == {"slug", "name", "extra"}


def test_represent_is_data_from_one_output_instance_per_thread():
    import copy
    import threading

    from securecart import serializers as module

    category = Category(slug="mugs", name="Mugs")
    assert _Categories.represent(category) == _Categories(category).data
    with mock.patch.object(module.copy, "deepcopy", wraps=copy.deepcopy) as copied:
        answers = [_Categories.represent(Category(slug=f"c{i}")) for i in range(3)]
    assert [answer["slug"] for answer in answers] == ["c0", "c1", "c2"]
    assert copied.call_count == 0  # fields copied and bound once, then reused

    seen = []
    worker = threading.Thread(
        target=lambda: (
            seen.append(_Categories._outputs.__dict__.get("serializer"))
            or _Categories.represent(category)
        )
    )
    worker.start()
    worker.join()
    assert seen == [None]  # another thread starts with an instance of its own


def test_cart_answers_are_what_the_serializer_gives(db):
    from decimal import Decimal

    from shop.serializers import CartSerializer
    from tests.factories.shop import CartFactory, CartLineFactory

    cart = CartFactory()
    CartLineFactory(cart=cart, quantity=2, unit_price=Decimal("4.50"))
    CartLineFactory(cart=cart, quantity=1, unit_price=Decimal("1.25"))
    answer = CartSerializer.represent(cart)
    assert answer == CartSerializer(cart).data
    assert answer["total"] == "10.25" and len(answer["lines"]) == 2


class _Line(serializers.Serializer):
    sku = serializers.CharField(max_length=8)
    quantity = serializers.IntegerField(min_value=1, max_value=99)


@pytest.mark.parametrize(
    "data",
    [
        {"sku": "MUG-1", "quantity": 2},
        {"sku": "MUG-1", "quantity": 2, "ignored": [1]},
        {"sku": "MUG-1", "quantity": 99},
        {"sku": "MUG-1", "quantity": 1},
        {"sku": "MUG-1", "quantity": "2"},  # converted by DRF
        {"sku": "MUG-1", "quantity": 2.0},
        {"sku": "MUG-1", "quantity": True},
        {"sku": "MUG-1", "quantity": 0},
        {"sku": "MUG-1", "quantity": 100},
        {"sku": "MUG-1", "quantity": None},
        {"sku": "MUG-1"},
        {"sku": " MUG-1", "quantity": 2},  # trimmed by DRF
        {"sku": "", "quantity": 2},
        {"sku": "TOO-LONG-SKU", "quantity": 2},
        {"sku": "MUG\x00", "quantity": 2},
        {"sku": "MUG\ud800", "quantity": 2},
        {"sku": 7, "quantity": 2},
        ["MUG-1", 2],
        None,
    ],
)
def test_plain_validated_is_the_serializers_answer_or_none(data):
    plain = plain_validated(_Line, data)
    serializer = _Line(data=data)
    if plain is not None:
        assert serializer.is_valid(), serializer.errors
        assert plain == serializer.validated_data
        assert all(
            type(plain[k]) is type(v) for k, v in serializer.validated_data.items()
        )
    elif isinstance(data, dict) and serializer.is_valid():
        # declined although valid: only where DRF converts a value
        assert any(
            type(value) is not type(data[name]) or value != data[name]
            for name, value in serializer.validated_data.items()
        )


def test_plain_validated_accepts_exact_values_only():
    assert plain_validated(_Line, {"sku": "MUG-1", "quantity": 2}) == {
        "sku": "MUG-1",
        "quantity": 2,
    }
    assert plain_validated(_Line, {"sku": "MUG-1", "quantity": "2"}) is None


class _Custom(_Line):
    def validate_sku(self, value):
        return value.upper()


class _Optional(serializers.Serializer):
    quantity = serializers.IntegerField(required=False)


class _Other(serializers.Serializer):
    when = serializers.DateField()


class _Checked(serializers.Serializer):
    quantity = serializers.IntegerField(validators=[lambda value: None])


@pytest.mark.parametrize("serializer_class", [_Custom, _Optional, _Other, _Checked])
def test_plain_validated_leaves_serializers_with_more_to_them_to_drf(serializer_class):
    data = {"sku": "mug-1", "quantity": 2, "when": "2026-12-01"}
    assert plain_validated(serializer_class, data) is None
