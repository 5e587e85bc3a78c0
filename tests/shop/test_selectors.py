from types import SimpleNamespace

import pytest

from shop import search, selectors
from tests.factories.shop import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_full_text_search_ranks_name_matches_above_description_matches():
    ProductFactory(name="Trail Guide", description="Pairs well with a lantern.")
    ProductFactory(name="Camp Lantern", description="Bright and light.")
    ProductFactory(name="Teapot", description="Ceramic.")

    found = [p.name for p in selectors.product_list(q="lanterns")]  # stemmed

    assert found == ["Camp Lantern", "Trail Guide"]
    assert [p.name for p in selectors.product_list(q="lantern -trail")] == [
        "Camp Lantern"
    ]


def test_search_fallback_without_postgresql_matches_every_word(monkeypatch):
    monkeypatch.setattr(search, "connection", SimpleNamespace(vendor="sqlite"))
    ProductFactory(name="Blue Enamel Mug", description="")
    ProductFactory(name="Blue Teapot", description="enamel finish")
    ProductFactory(name="Red Mug", description="")

    assert [p.name for p in selectors.product_list(q="blue enamel")] == [
        "Blue Enamel Mug",
        "Blue Teapot",
    ]


def test_product_list_covers_the_category_subtree_and_hides_inactive():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    grandchild = CategoryFactory(parent=child)
    hidden = CategoryFactory(parent=root, is_active=False)
    for category, name in [(root, "A"), (child, "B"), (grandchild, "C"), (hidden, "D")]:
        ProductFactory(category=category, name=name)
    ProductFactory(category=child, name="E", is_active=False)

    names = [p.name for p in selectors.product_list(category=root, sort="name")]
    assert names == ["A", "B", "C"]
    child_view = selectors.category_get_with_descendants(slug=child.slug)
    assert [p.name for p in selectors.product_list(category=child_view)] == ["B", "C"]


def test_listing_annotations_report_stock_and_first_image():
    in_stock = VariantFactory(stock_on_hand=2, stock_reserved=1).product
    sold_out = VariantFactory(stock_on_hand=2, stock_reserved=2).product
    rows = {p.pk: p for p in selectors.product_list()}
    assert rows[in_stock.pk].in_stock is True
    assert rows[sold_out.pk].in_stock is False
    assert rows[in_stock.pk].primary_image is None


def test_product_get_returns_none_for_unknown_or_inactive():
    assert selectors.product_get(slug="nope") is None
    product = ProductFactory(is_active=False)
    assert selectors.product_get(slug=product.slug) is None
