"""Search finds what shoppers type: hyphenated names, plurals, prefixes, typos,
SKUs and category names (PostgreSQL full-text plus pg_trgm, shop.search)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

from shop import search, selectors
from tests.factories.shop import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    apparel = CategoryFactory(name="Apparel", slug="apparel")
    kitchen = CategoryFactory(name="Kitchenware", slug="kitchenware")
    shirt = ProductFactory(
        name="Classic T-Shirt", category=apparel, description="Soft cotton."
    )
    VariantFactory(product=shirt, sku="TEE-CLASSIC-M")
    fleece = ProductFactory(
        name="Polar Fleece", category=apparel, description="Warm for the hills."
    )
    VariantFactory(product=fleece, sku="FLC-POLAR-L")
    jacket = ProductFactory(
        name="Rain Jacket", category=apparel, description="Seam-sealed shell."
    )
    VariantFactory(product=jacket, sku="JKT-RAIN-S")
    kettle = ProductFactory(
        name="Copper Kettle", category=kitchen, description="For the stove top."
    )
    VariantFactory(product=kettle, sku="KTL-COPPER")
    return apparel


def _found(q: str) -> list[str]:
    return [p.name for p in selectors.product_list(q=q)]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("t-shirt", ["Classic T-Shirt"]),
        ("T-Shirts", ["Classic T-Shirt"]),
        ("fleeces", ["Polar Fleece"]),  # plural, stemmed
        ("flee", ["Polar Fleece"]),  # a prefix, as typed so far
        ("jaket", ["Rain Jacket"]),  # a typo
        ("kettel", ["Copper Kettle"]),
        ("tee-classic-m", ["Classic T-Shirt"]),  # a SKU, any case
        ("KTL-COP", ["Copper Kettle"]),  # the start of a SKU
        ("kitchenware", ["Copper Kettle"]),  # a category's name
        ("zzzz", []),
    ],
)
def test_postgres_search_finds_what_shoppers_type(catalog, q, expected):
    assert _found(q) == expected


@pytest.mark.postgres
def test_a_category_name_lists_all_its_products_best_name_match_first(catalog):
    found = _found("apparel")

    assert sorted(found) == ["Classic T-Shirt", "Polar Fleece", "Rain Jacket"]


@pytest.mark.postgres
def test_excluded_words_and_query_syntax_are_safe(catalog):
    assert sorted(_found("apparel -fleece")) == ["Classic T-Shirt", "Rain Jacket"]
    # tsquery operators typed by a shopper are just text, never an error.
    for hostile in ["fleece & | ! ( ) :* '", "'); drop table", "<->", "-"]:
        _found(hostile)


@pytest.mark.postgres
def test_the_trigram_extension_and_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN "
            "('product_name_trgm', 'category_name_trgm', 'variant_sku_upper_trgm')"
        )
        assert len(cursor.fetchall()) == 3
        cursor.execute("SHOW pg_trgm.word_similarity_threshold")
        assert cursor.fetchone() == ("0.4",)


def test_fallback_without_postgresql_matches_names_categories_and_skus(
    catalog, monkeypatch
):
    monkeypatch.setattr(search, "connection", SimpleNamespace(vendor="sqlite"))

    assert _found("t-shirt") == ["Classic T-Shirt"]
    assert sorted(_found("apparel")) == [
        "Classic T-Shirt",
        "Polar Fleece",
        "Rain Jacket",
    ]
    assert _found("FLC-POLAR") == ["Polar Fleece"]
    assert _found("apparel -fleece -jacket") == ["Classic T-Shirt"]
