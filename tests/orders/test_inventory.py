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


def test_reserve_adds_each_variants_own_quantity_in_one_statement(
    django_assert_num_queries,
):
    variants = [CatalogVariantFactory(stock_on_hand=9) for _ in range(3)]
    wanted = {variants[0].pk: 1, variants[1].pk: 4, variants[2].pk: 9}
    with transaction.atomic(), django_assert_num_queries(2):  # lock, reserve
        reserved = stock_reserve(quantities=wanted)
    assert {v.pk: v.stock_reserved for v in reserved} == wanted
    for variant in variants:
        variant.refresh_from_db()
        assert variant.stock_reserved == wanted[variant.pk]


def test_the_check_constraint_refuses_what_the_check_missed(monkeypatch):
    """The database's CHECK is the backstop: had the availability check passed a
    reservation beyond the shelf, it fails as out of stock and changes nothing."""
    from shop import stock

    variant = CatalogVariantFactory(stock_on_hand=2)
    monkeypatch.setattr(stock, "_shortages", lambda quantities, found: [])
    with pytest.raises(InsufficientStock), transaction.atomic():
        stock_reserve(quantities={variant.pk: 3})
    variant.refresh_from_db()
    assert variant.stock_reserved == 0
