"""Scheduled sales: sale prices beside the original on the API, pages and cart,
and cached answers that switch at the exact start and end (frozen clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from promotions.services import sale_boundary_reached, sale_boundary_sweep
from tests.factories.orders import CatalogVariantFactory, cart_with, checkout_payload
from tests.factories.promotions import SaleFactory
from tests.promotions.conftest import checkout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
START = T0 + timedelta(hours=1)
END = T0 + timedelta(hours=3)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock(T0)
    monkeypatch.setattr("django.utils.timezone.now", frozen)
    cache.clear()
    return frozen


@pytest.fixture
def on_sale(clock):
    variant = CatalogVariantFactory(price=Decimal("50.00"), stock_on_hand=20)
    variant.product.price = Decimal("50.00")
    variant.product.save()
    sale = SaleFactory(
        name="Black Friday", value=Decimal("20"), starts_at=START, ends_at=END
    )
    sale.categories.set([variant.product.category])
    return variant


def _api_product(client, variant) -> dict:
    response = client.get(f"/api/v1/products/{variant.product.slug}/")
    assert response.status_code == 200
    return response.json()


def _sweep_at(clock: Clock, when: datetime) -> None:
    clock.now = when
    sale_boundary_sweep()


def test_cached_api_answer_switches_at_the_exact_start_and_end(client, clock, on_sale):
    _sweep_at(clock, T0)
    before = _api_product(client, on_sale)
    assert before["price"] == "50.00" and before["sale_price"] is None
    # one second before the start: still the cached, regular price
    _sweep_at(clock, START - timedelta(seconds=1))
    assert _api_product(client, on_sale)["sale_price"] is None
    # at the start: the beat's bump makes the cached answer stale
    _sweep_at(clock, START)
    during = _api_product(client, on_sale)
    assert during["price"] == "50.00"  # the original stays beside it
    assert during["sale_price"] == "40.00" and during["sale_name"] == "Black Friday"
    assert during["variants"][0]["sale_price"] == "40.00"
    # still cached in between, and the listing agrees
    _sweep_at(clock, END - timedelta(seconds=1))
    listing = client.get("/api/v1/products/").json()["results"]
    assert [p["sale_price"] for p in listing] == ["40.00"]
    # at the end: back to the regular price
    _sweep_at(clock, END)
    after = _api_product(client, on_sale)
    assert after["sale_price"] is None and "sale_price" not in after["variants"][0]


def test_storefront_pages_show_the_sale_price_beside_the_original(
    client, clock, on_sale
):
    _sweep_at(clock, START)
    page = client.get(f"/p/{on_sale.product.slug}/").content.decode()
    assert "<del>$50.00</del>" in page and "$40.00" in page
    listing = client.get(f"/c/{on_sale.product.category.slug}/").content.decode()
    assert "<del>$50.00</del>" in listing and "sale-price" in listing
    _sweep_at(clock, END)
    page = client.get(f"/p/{on_sale.product.slug}/").content.decode()
    assert "<del>" not in page


def test_the_sweep_names_the_boundaries_due_before_the_next_one(clock, on_sale):
    # the beat task schedules a bump at each of these, to the second
    clock.now = START - timedelta(seconds=30)
    assert sale_boundary_sweep(ahead=timedelta(seconds=60)) == [START]
    assert sale_boundary_sweep(ahead=timedelta(seconds=10)) == []


def test_an_early_scheduled_bump_does_nothing(clock, on_sale):
    from shop.caching import catalog_version

    version = catalog_version()
    clock.now = START - timedelta(seconds=1)
    assert sale_boundary_reached(at=START) is False
    assert catalog_version() == version
    clock.now = START
    assert sale_boundary_reached(at=START) is True
    assert catalog_version() > version


@pytest.mark.usefixtures("no_fulfilment", "standard_shipping")
def test_a_cart_on_sale_shows_the_sale_and_checkout_charges_it(client, clock, on_sale):
    clock.now = START
    cart = cart_with([(on_sale, 2)])
    body = client.get(f"/api/v1/carts/{cart.token}/").json()
    assert body["total"] == "100.00"
    assert body["lines"][0]["sale_price"] == "40.00"
    assert body["discounts"] == [
        {"kind": "sale", "code": "", "label": "Black Friday", "amount": "20.00"}
    ]
    assert body["total_after_discount"] == "80.00"
    order = checkout(client, checkout_payload(cart)).json()
    assert order["subtotal"] == "100.00"
    assert order["discount_total"] == "20.00"
    assert order["total"] == "85.00"  # 80.00 + 5.00 shipping
    assert order["discounts"][0]["kind"] == "sale"
    assert order["lines"][0]["discount_total"] == "20.00"


def test_a_sale_saved_in_admin_shows_at_once(client, clock):
    variant = CatalogVariantFactory(price=Decimal("10.00"))
    assert _api_product(client, variant)["sale_price"] is None  # cached
    sale = SaleFactory(value=Decimal("50"), starts_at=T0, ends_at=END)
    sale.variants.set([variant])
    assert _api_product(client, variant)["variants"][0]["sale_price"] == "5.00"
