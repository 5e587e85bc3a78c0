"""API representations (thin): money as decimal strings with a currency."""

from __future__ import annotations

from django.core.files.storage import default_storage
from rest_framework import serializers

from .models import Cart, CartLine, Category, Product, Variant
from .services import MAX_LINE_QUANTITY


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Category
        fields = ("slug", "name", "parent")


class VariantSerializer(serializers.ModelSerializer):
    available = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = ("sku", "name", "options", "price", "currency", "available")

    def get_available(self, variant: Variant) -> int:
        return max(variant.available, 0)


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.slug", read_only=True)
    image_url = serializers.SerializerMethodField()
    variants = VariantSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = (
            "slug",
            "name",
            "description",
            "category",
            "price",
            "currency",
            "image_url",
            "variants",
        )

    def get_image_url(self, product: Product) -> str | None:
        name = getattr(product, "primary_image", None)
        if name is None and not hasattr(product, "primary_image"):
            images = list(product.images.all())
            name = images[0].image.name if images else None
        return default_storage.url(name) if name else None


class ProductQuerySerializer(serializers.Serializer):
    category = serializers.SlugField(required=False)
    q = serializers.CharField(required=False, max_length=200, allow_blank=True)


class CartLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    name = serializers.SerializerMethodField()
    product = serializers.CharField(source="variant.product.slug")
    current_price = serializers.DecimalField(
        source="variant.price", max_digits=12, decimal_places=2
    )
    line_total = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    price_changed = serializers.SerializerMethodField()

    class Meta:
        model = CartLine
        fields = (
            "sku",
            "name",
            "product",
            "quantity",
            "unit_price",
            "current_price",
            "price_changed",
            "line_total",
            "available",
        )

    def get_name(self, line: CartLine) -> str:
        return f"{line.variant.product.name} – {line.variant.name}"

    def get_line_total(self, line: CartLine) -> str:
        return f"{line.unit_price * line.quantity:.2f}"

    def get_available(self, line: CartLine) -> int:
        return max(line.variant.available, 0)

    def get_price_changed(self, line: CartLine) -> bool:
        return line.variant.price != line.unit_price


class CartSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token", read_only=True)
    lines = CartLineSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()
    item_count = serializers.SerializerMethodField()

    class Meta:
        model = Cart
        fields = ("id", "lines", "total", "currency", "item_count")

    def get_total(self, cart: Cart) -> str:
        return (
            f"{sum(line.unit_price * line.quantity for line in cart.lines.all()):.2f}"
        )

    def get_item_count(self, cart: Cart) -> int:
        return sum(line.quantity for line in cart.lines.all())


class CartLineAddSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CartLineQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
