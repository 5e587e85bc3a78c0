from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shop import selectors, services
from shop.exceptions import (
    CartLineNotFound,
    InsufficientStock,
    InvalidQuantity,
    ProductUnavailable,
    ShopError,
    UnknownSku,
)
from shop.models import Cart, CartLine, Variant
from tests.factories.shop import CartFactory, CartLineFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_cart_line_add_keeps_the_price_seen_and_adds_up_quantities():
    cart = CartFactory()
    variant = VariantFactory(price=Decimal("12.50"), stock_on_hand=5)

    services.cart_line_add(cart=cart, sku=variant.sku, quantity=2)
    line = services.cart_line_add(cart=cart, sku=variant.sku, quantity="3")

    assert line.quantity == 5
    assert line.unit_price == Decimal("12.50")
    assert selectors.cart_totals(
        cart=selectors.cart_get_by_token(token=cart.token)
    ) == {
        "subtotal": Decimal("62.50"),
        "currency": "USD",
        "line_count": 1,
        "item_count": 5,
    }


def test_cart_line_add_refuses_more_than_available_and_leaves_cart_unchanged():
    cart = CartFactory()
    variant = VariantFactory(stock_on_hand=5, stock_reserved=2)
    services.cart_line_add(cart=cart, sku=variant.sku, quantity=2)

    with pytest.raises(InsufficientStock) as caught:
        services.cart_line_add(cart=cart, sku=variant.sku, quantity=2)

    assert (caught.value.sku, caught.value.requested, caught.value.available) == (
        variant.sku,
        4,
        3,
    )
    assert "Only 3" in caught.value.message
    assert CartLine.objects.get(cart=cart).quantity == 2


@pytest.mark.parametrize(
    "quantity", [0, -1, "0", "-2", "1.5", "abc", "", None, True, 1000]
)
def test_cart_line_add_rejects_bad_quantities(quantity):
    cart = CartFactory()
    variant = VariantFactory()
    with pytest.raises(InvalidQuantity) as caught:
        services.cart_line_add(cart=cart, sku=variant.sku, quantity=quantity)
    assert caught.value.field == "quantity"
    assert not CartLine.objects.exists()


def test_cart_line_add_rejects_unknown_sku_and_inactive_products():
    cart = CartFactory()
    inactive_variant = VariantFactory(is_active=False)
    inactive_product = VariantFactory(product__is_active=False)
    inactive_category = VariantFactory(product__category__is_active=False)

    with pytest.raises(UnknownSku):
        services.cart_line_add(cart=cart, sku="NOPE-1", quantity=1)
    for variant in (inactive_variant, inactive_product, inactive_category):
        with pytest.raises(ProductUnavailable):
            services.cart_line_add(cart=cart, sku=variant.sku, quantity=1)
    assert not CartLine.objects.exists()
    assert issubclass(InsufficientStock, ShopError)


def test_cart_line_set_quantity_and_remove():
    line = CartLineFactory(quantity=1, variant__stock_on_hand=4)
    cart, sku = line.cart, line.variant.sku

    services.cart_line_set_quantity(cart=cart, sku=sku, quantity=4)
    assert CartLine.objects.get(pk=line.pk).quantity == 4
    with pytest.raises(InsufficientStock):
        services.cart_line_set_quantity(cart=cart, sku=sku, quantity=5)
    with pytest.raises(InvalidQuantity):
        services.cart_line_set_quantity(cart=cart, sku=sku, quantity=0)
    assert CartLine.objects.get(pk=line.pk).quantity == 4
    with pytest.raises(CartLineNotFound):
        services.cart_line_set_quantity(cart=cart, sku="OTHER", quantity=1)

    services.cart_line_remove(cart=cart, sku=sku)
    assert not CartLine.objects.filter(cart=cart).exists()
    with pytest.raises(CartLineNotFound):
        services.cart_line_remove(cart=cart, sku=sku)


def test_cart_merge_adds_quantities_capped_at_stock_and_deletes_the_source():
    shared = VariantFactory(stock_on_hand=5)
    only_source = VariantFactory(stock_on_hand=9)
    target = CartLineFactory(variant=shared, quantity=3).cart
    source = CartLineFactory(variant=shared, quantity=4).cart
    CartLineFactory(cart=source, variant=only_source, quantity=2)

    services.cart_merge(source=source, target=target)

    quantities = dict(
        CartLine.objects.filter(cart=target).values_list("variant__sku", "quantity")
    )
    assert quantities == {shared.sku: 5, only_source.sku: 2}
    assert not Cart.objects.filter(pk=source.pk).exists()


def test_cart_clear_empties_the_cart():
    line = CartLineFactory()
    CartLineFactory(cart=line.cart)
    services.cart_clear(cart=line.cart)
    assert Cart.objects.filter(pk=line.cart.pk).exists()
    assert not CartLine.objects.filter(cart=line.cart).exists()


def test_cart_issues_flag_changed_price_and_vanished_stock():
    line = CartLineFactory(
        quantity=3, unit_price=Decimal("10.00"), variant__price=Decimal("10.00")
    )
    gone = CartLineFactory(cart=line.cart, variant__is_active=False)
    Variant.objects.filter(pk=line.variant.pk).update(
        price=Decimal("11.00"), stock_on_hand=1
    )

    cart = selectors.cart_get_by_token(token=line.cart.token)
    kinds = {(i.sku, i.kind) for i in selectors.cart_issues(cart=cart)}

    assert kinds == {
        (line.variant.sku, "price_changed"),
        (line.variant.sku, "insufficient_stock"),
        (gone.variant.sku, "unavailable"),
    }
    # the total stays at the price the shopper saw until they accept the new one
    assert (
        selectors.cart_totals(cart=cart)["subtotal"]
        == Decimal("30.00") + gone.unit_price
    )
    services.cart_lines_accept_prices(cart=cart)
    assert CartLine.objects.get(pk=line.pk).unit_price == Decimal("11.00")


def test_database_refuses_negative_available_stock():
    variant = VariantFactory(stock_on_hand=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(stock_reserved=3)
