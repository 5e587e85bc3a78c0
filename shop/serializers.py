"""API representations (thin): money as decimal strings with a currency."""

from __future__ import annotations

from django.core.files.storage import default_storage
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from securecart.serializers import ModelSerializer

from .models import Cart, CartLine, Category, Product, Variant
from .pricing import cart_summary
from .services import MAX_LINE_QUANTITY


class CategorySerializer(ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Category
        fields = ("slug", "name", "parent")


class SalePriceMixin(serializers.Serializer):
    """`sale_price` beside `price` (null when not on sale), set on the objects by
    shop.pricing.products_attach_sale_prices before serialising."""

    sale_price = serializers.SerializerMethodField()
    sale_name = serializers.SerializerMethodField()

    def get_sale_price(self, obj) -> str | None:
        price = getattr(obj, "sale_price", None)
        return f"{price:.2f}" if price is not None else None

    def get_sale_name(self, obj) -> str:
        return getattr(obj, "sale_name", "") or ""


class _Optional(serializers.Field):
    """An output field that is left out when its value is None (so answers
    without promotions keep their shape); documented as optional, not required.
    Its value comes from the serializer's `get_<name>` method."""

    def __init__(self, **kwargs) -> None:
        kwargs.update(source="*", required=False)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return getattr(self.parent, f"get_{self.field_name}")(value)

    def to_internal_value(self, data):  # pragma: no cover - output only
        raise NotImplementedError


@extend_schema_field({"type": "string", "nullable": False})
class OptionalText(_Optional):
    pass


@extend_schema_field(
    {"type": "array", "items": {"type": "object", "additionalProperties": True}}
)
class OptionalList(_Optional):
    pass


@extend_schema_field({"type": "object", "additionalProperties": True, "nullable": True})
class OptionalObject(_Optional):
    pass


class OnSaleOnlyMixin:
    """Drop the `_Optional` fields whose value is None (or the discount fields of a
    cart with nothing off it): answers without promotions keep their shape."""

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)  # type: ignore[misc]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if isinstance(field, _Optional) and data.get(name) is None:
                data.pop(name, None)
        if data.get("sale_price") is None:
            data.pop("sale_name", None)
        return data


class VariantSerializer(OnSaleOnlyMixin, SalePriceMixin, ModelSerializer):
    available = serializers.SerializerMethodField()
    sale_price = OptionalText(help_text="Price during a running sale (absent: none).")
    sale_name = OptionalText(help_text="The running sale's name (with sale_price).")

    class Meta:
        model = Variant
        fields = (
            "sku",
            "name",
            "options",
            "price",
            "sale_price",
            "sale_name",
            "currency",
            "available",
        )

    def get_available(self, variant: Variant) -> int:
        return max(variant.available, 0)


class ProductSerializer(SalePriceMixin, ModelSerializer):
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
            "sale_price",
            "sale_name",
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


# How DRF writes a DecimalField(max_digits=12, decimal_places=2) value (the cart
# lines' money columns).
_money = serializers.DecimalField(max_digits=12, decimal_places=2).to_representation


class CartLineSerializer(OnSaleOnlyMixin, ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    name = serializers.SerializerMethodField()
    product = serializers.CharField(source="variant.product.slug")
    current_price = serializers.DecimalField(
        source="variant.price", max_digits=12, decimal_places=2
    )
    line_total = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    price_changed = serializers.SerializerMethodField()
    sale_price = OptionalText(
        help_text="Unit price after a running sale (absent: none); see the cart's "
        "`discounts` for what comes off."
    )

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
            "sale_price",
            "line_total",
            "available",
        )

    def get_sale_price(self, line: CartLine) -> str | None:
        found = cart_summary(line.cart)["lines"].get(line.variant.sku) or {}
        return found.get("sale_price")

    def get_name(self, line: CartLine) -> str:
        return f"{line.variant.product.name} – {line.variant.name}"

    def get_line_total(self, line: CartLine) -> str:
        return f"{line.unit_price * line.quantity:.2f}"

    def get_available(self, line: CartLine) -> int:
        return max(line.variant.available, 0)

    def get_price_changed(self, line: CartLine) -> bool:
        return line.variant.price != line.unit_price

    def to_representation(self, line: CartLine) -> dict:
        """The declared fields' answer, written out: every cart write answers with
        the cart, and DRF's per-field walk costs it more than its values do
        (tests/shop/test_cart_answer.py holds the two equal)."""
        variant = line.variant
        product = variant.product
        data = {
            "sku": variant.sku,
            "name": f"{product.name} – {variant.name}",
            "product": product.slug,
            "quantity": line.quantity,
            "unit_price": _money(line.unit_price),
            "current_price": _money(variant.price),
            "price_changed": variant.price != line.unit_price,
        }
        sale_price = self.get_sale_price(line)
        if sale_price is not None:
            data["sale_price"] = sale_price
        data["line_total"] = f"{line.unit_price * line.quantity:.2f}"
        data["available"] = max(variant.available, 0)
        return data


class CartSerializer(OnSaleOnlyMixin, ModelSerializer):
    """The discount fields are present when a sale or a voucher touches the cart."""

    id = serializers.CharField(source="token", read_only=True)
    lines = CartLineSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()
    item_count = serializers.SerializerMethodField()
    discounts = OptionalList(
        help_text="Discount lines [{kind: sale|voucher, code, label, amount}]."
    )
    discount_total = OptionalText(help_text="Sum of `discounts` (decimal string).")
    total_after_discount = OptionalText(
        help_text="`total` less the discounts, before shipping and tax."
    )
    voucher = OptionalObject(
        help_text="{code, free_shipping, error: {code, detail} | null}: the cart's "
        "code, and why it does not apply now if it does not."
    )

    class Meta:
        model = Cart
        fields = (
            "id",
            "lines",
            "total",
            "currency",
            "item_count",
            "discounts",
            "discount_total",
            "total_after_discount",
            "voucher",
        )

    def _touched(self, cart: Cart) -> dict | None:
        summary = cart_summary(cart)
        return summary if summary["discounts"] or summary["voucher"] else None

    def get_discounts(self, cart: Cart) -> list[dict] | None:
        summary = self._touched(cart)
        return summary["discounts"] if summary else None

    def get_discount_total(self, cart: Cart) -> str | None:
        summary = self._touched(cart)
        return summary["discount_total"] if summary else None

    def get_total_after_discount(self, cart: Cart) -> str | None:
        summary = self._touched(cart)
        return summary["total_after_discount"] if summary else None

    def get_voucher(self, cart: Cart) -> dict | None:
        summary = self._touched(cart)
        return summary["voucher"] if summary else None

    def get_total(self, cart: Cart) -> str:
        return (
            f"{sum(line.unit_price * line.quantity for line in cart.lines.all()):.2f}"
        )

    def get_item_count(self, cart: Cart) -> int:
        return sum(line.quantity for line in cart.lines.all())

    def to_representation(self, cart: Cart) -> dict:
        """The declared fields' answer, written out (see CartLineSerializer's)."""
        lines = cart.lines.all()
        line_serializer = self.fields["lines"].child
        data: dict = {
            "id": cart.token,
            "lines": [line_serializer.to_representation(line) for line in lines],
            "total": f"{sum(line.unit_price * line.quantity for line in lines):.2f}",
            "currency": cart.currency,
            "item_count": sum(line.quantity for line in lines),
        }
        summary = self._touched(cart)
        if summary is not None:
            for name in ("discounts", "discount_total", "total_after_discount"):
                if summary[name] is not None:
                    data[name] = summary[name]
            if summary["voucher"] is not None:
                data["voucher"] = summary["voucher"]
        return data


class CartLineAddSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CartLineQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
