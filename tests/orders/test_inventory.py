"""Stock reserve / release / commit: idempotent, never negative."""

from __future__ import annotations

import pytest
from django.db import transaction

from orders.services.stock import stock_commit, stock_release
from shop.exceptions import InsufficientStock
from shop.stock import stock_reserve
from tests.factories.orders import CatalogVariantFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_reserve_all_or_nothing():
    plenty = CatalogVariantFactory(stock_on_hand=5)
    scarce = CatalogVariantFactory(stock_on_hand=1)
    with pytest.raises(InsufficientStock) as caught, transaction.atomic():
        stock_reserve(quantities={plenty.pk: 2, scarce.pk: 2})
    assert caught.value.details["lines"] == [
        {"variant_id": scarce.pk, "sku": scarce.sku, "requested": 2, "available": 1}
    ]
    plenty.refresh_from_db()
    assert plenty.stock_reserved == 0


def test_reserve_refuses_inactive_variants():
    variant = CatalogVariantFactory(stock_on_hand=5, is_active=False)
    with pytest.raises(InsufficientStock), transaction.atomic():
        stock_reserve(quantities={variant.pk: 1})


def test_release_is_idempotent():
    order = OrderFactory()
    variant = order.lines.get().variant
    assert stock_release(order=order) is True
    assert stock_release(order=order) is False
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (10, 0)
    assert stock_commit(order=order) is False  # released stock is never shipped


def test_commit_is_idempotent_and_blocks_release():
    order = OrderFactory()
    variant = order.lines.get().variant
    assert stock_commit(order=order) is True
    assert stock_commit(order=order) is False
    assert stock_release(order=order) is False
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (8, 0)
