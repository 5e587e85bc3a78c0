"""factory_boy factories for orders, plus the small catalog/cart helpers the
order tests need (kept here so these tests do not depend on other apps'
factory files)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from orders.models import Order, OrderLine, Payment, ShippingMethod, TaxRate
from shop.models import Cart, CartLine, Category, Product, Variant


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod
        django_get_or_create = ("code",)

    name = "Standard"
    code = "standard"
    price = Decimal("5.00")
    free_over = Decimal("100.00")


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("country",)

    country = "DE"
    name = "VAT"
    rate = Decimal("0.1900")


class CatalogCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"order-cat-{n}-{uuid.uuid4().hex[:6]}")


class CatalogProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(CatalogCategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"order-prod-{n}-{uuid.uuid4().hex[:6]}")
    price = Decimal("10.00")


class CatalogVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(CatalogProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}-{uuid.uuid4().hex[:6]}")
    name = "Default"
    price = Decimal("10.00")
    stock_on_hand = 10
    stock_reserved = 0


def user_create(username: str | None = None, **extra: Any):
    username = username or f"cust-{uuid.uuid4().hex[:8]}"
    return get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.com",
        password="correct-horse-battery-staple-42",
        **extra,
    )


def cart_with(
    lines: list[tuple[Variant, int]],
    user=None,
) -> Cart:
    """A cart holding each (variant, quantity) at the variant's current price."""
    cart = Cart.objects.create(user=user)
    for variant, quantity in lines:
        CartLine.objects.create(
            cart=cart, variant=variant, quantity=quantity, unit_price=variant.price
        )
    return cart


ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical St",
    "line2": "",
    "city": "London",
    "region": "",
    "postal_code": "N1 9GU",
    "country": "GB",
    "phone": "+44 20 7946 0000",
}


def checkout_payload(cart: Cart, **overrides: Any) -> dict[str, Any]:
    payload = {
        "cart_id": cart.token,
        "email": "ada@example.com",
        "shipping_address": dict(ADDRESS),
        "shipping_method": "standard",
        "payment_token": "tok_visa",
    }
    payload.update(overrides)
    return payload


class OrderFactory(factory.django.DjangoModelFactory):
    """A placed order with one line and an authorised payment (stock reserved)."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    email = "buyer@example.com"
    shipping_name = "Ada Lovelace"
    shipping_line1 = "12 Analytical St"
    shipping_city = "London"
    shipping_postal_code = "N1 9GU"
    shipping_country = "GB"
    shipping_method = factory.SubFactory(ShippingMethodFactory)
    subtotal = Decimal("20.00")
    shipping_total = Decimal("5.00")
    tax_total = Decimal("0.00")
    total = Decimal("25.00")
    status = Order.Status.PLACED
    status_changed_at = factory.LazyFunction(timezone.now)
    placed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def with_line(obj: Order, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or extracted is False:
            return
        variant = kwargs.get("variant") or CatalogVariantFactory(
            stock_on_hand=10, stock_reserved=2
        )
        OrderLine.objects.create(
            order=obj,
            variant=variant,
            sku=variant.sku,
            product_name=variant.product.name,
            variant_name=variant.name,
            quantity=2,
            unit_price=Decimal("10.00"),
            line_total=Decimal("20.00"),
        )
        Payment.objects.create(
            order=obj,
            gateway="test",
            status=Payment.Status.AUTHORISED,
            amount=obj.total,
            currency=obj.currency,
            reference=f"tg_ok_{uuid.uuid4().hex[:20]}",
            authorise_key=f"factory-{uuid.uuid4().hex}",
        )


def order_shipped_captured(**kwargs: Any) -> Order:
    """A shipped order of 2 × 10.00 + 5.00 shipping, its payment captured and
    its stock committed, through the services (as fulfilment leaves it)."""
    from orders.services import order_mark_shipped, payment_capture

    order = OrderFactory(total=Decimal("25.00"), **kwargs)
    payment_capture(order=order)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PROCESSING)
    order.refresh_from_db()
    return order_mark_shipped(order=order, tracking_number="TRK1")
