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
