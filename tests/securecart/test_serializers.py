"""ModelSerializer fields are derived from the model once per class, and each
instance still owns its fields (bound to it, not shared)."""

from unittest import mock

from rest_framework import serializers
from rest_framework.utils import model_meta

from securecart.serializers import ModelSerializer
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
