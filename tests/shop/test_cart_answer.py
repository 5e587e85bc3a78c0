"""The cart's answer is written out by hand in shop.serializers (every cart write
answers with the cart): it must say exactly what its declared fields say, key
order included (replays answer byte for byte), in every state a cart can be in."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from promotions.models import Voucher
from promotions.services import cart_voucher_apply
from shop.selectors import cart_get_by_token
from shop.serializers import CartLineSerializer, CartSerializer
from tests.factories.orders import CatalogVariantFactory, cart_with
from tests.factories.promotions import SaleFactory, VoucherFactory

pytestmark = [pytest.mark.django_db]


def _declared(serializer_class, instance) -> dict:
    """What the serializer's declared fields give, through DRF's own walk."""
    serializer = serializer_class()
    return super(serializer_class, serializer).to_representation(instance)


def _both(cart) -> tuple[str, str]:
    loaded = cart_get_by_token(token=cart.token)
    expected = _declared(CartSerializer, loaded)
    expected["lines"] = [
        _declared(CartLineSerializer, line) for line in loaded.lines.all()
    ]
    fresh = cart_get_by_token(token=cart.token)  # its own summary, not the cached one
    return json.dumps(CartSerializer.represent(fresh)), json.dumps(expected)


def _variant(price: str, stock: int = 10, **extra):
    return CatalogVariantFactory(price=Decimal(price), stock_on_hand=stock, **extra)


def test_an_empty_cart():
    written, declared = _both(cart_with([]))
    assert written == declared
    assert json.loads(written)["lines"] == []
    assert json.loads(written)["total"] == "0.00"


def test_lines_with_a_changed_price_and_stock_below_the_quantity():
    cheap, dear = _variant("3.10"), _variant("1234.50", stock=1)
    cart = cart_with([(cheap, 3), (dear, 2)])
    dear.price = Decimal("1299.99")
    dear.stock_reserved = 1  # nothing left: available shows 0
    dear.save()
    written, declared = _both(cart)
    assert written == declared
    lines = json.loads(written)["lines"]
    assert [line["price_changed"] for line in lines] == [False, True]
    assert lines[1]["available"] == 0
    assert "sale_price" not in lines[0]


def test_a_line_on_sale_and_a_voucher():
    on_sale, plain = _variant("50.00"), _variant("20.00")
    sale = SaleFactory(name="Black Friday", value=Decimal("20"))
    sale.variants.set([on_sale])
    cart = cart_with([(on_sale, 1), (plain, 2)])
    VoucherFactory(code="TENOFF", kind="percentage", value=Decimal("10"))
    cart_voucher_apply(cart=cart, code="TENOFF")
    written, declared = _both(cart)
    assert written == declared
    body = json.loads(written)
    assert body["lines"][0]["sale_price"] == "40.00"
    assert "sale_price" not in body["lines"][1]
    assert [d["kind"] for d in body["discounts"]] == ["sale", "voucher"]
    assert body["voucher"]["code"] == "TENOFF"


def test_a_voucher_that_does_not_apply_now():
    variant = _variant("5.00")
    cart = cart_with([(variant, 1)])
    voucher = VoucherFactory(code="BIGSPEND", min_subtotal=Decimal("1.00"))
    cart_voucher_apply(cart=cart, code="BIGSPEND")
    Voucher.objects.filter(pk=voucher.pk).update(min_subtotal=Decimal("100.00"))
    written, declared = _both(cart)
    assert written == declared
    assert json.loads(written)["voucher"]["error"] is not None
