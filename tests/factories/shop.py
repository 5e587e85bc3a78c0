"""factory_boy factories for the catalog and carts (owned by the shop engineer)."""

from __future__ import annotations

import io
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from shop.models import Cart, CartLine, Category, Product, ProductImage, Variant


def png_bytes(colour: tuple[int, int, int] = (11, 107, 203), size: int = 8) -> bytes:
    """Return a tiny valid PNG (Pillow-drawn), for image fields."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None
    is_active = True


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A sturdy, well-made thing."
    price = Decimal("19.99")
    currency = "USD"
    is_active = True
    is_featured = False


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    name = "Default"
    options = factory.LazyFunction(dict)
    price = factory.LazyAttribute(lambda o: o.product.price)
    currency = factory.LazyAttribute(lambda o: o.product.currency)
    stock_on_hand = 10
    stock_reserved = 0
    is_active = True


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="product.png"))
    alt_text = factory.LazyAttribute(lambda o: f"Photo of {o.product.name}")


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    user = None
    currency = "USD"


class CartLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 1
    unit_price = factory.LazyAttribute(lambda o: o.variant.price)
