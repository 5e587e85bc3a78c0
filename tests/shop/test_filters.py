"""Listing filters: option values, price band, in stock only; counts, shareable URLs,
the sort kept, a constant query count and the listing's cache."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.shop import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _tee(category, name: str, price: str, sizes: dict[str, int], colour="Blue"):
    product = ProductFactory(category=category, name=name, price=Decimal(price))
    for position, (size, stock) in enumerate(sizes.items()):
        VariantFactory(
            product=product,
            name=size,
            options={"size": size, "colour": colour},
            price=Decimal(price),
            stock_on_hand=stock,
            position=position,
        )
    return product


@pytest.fixture
def apparel():
    category = CategoryFactory(name="Apparel", slug="apparel")
    _tee(category, "Alpine Tee", "20.00", {"S": 5, "M": 5, "XL": 5})
    _tee(category, "Birch Tee", "30.00", {"S": 5, "M": 0}, colour="Green")
    _tee(category, "Cedar Tee", "60.00", {"XL": 0})
    _tee(category, "Dune Tee", "45.00", {"M": 2}, colour="Green")
    return category


def _names(body: str) -> list[str]:
    return [n for n in ("Alpine", "Birch", "Cedar", "Dune") if f"{n} Tee" in body]


def test_option_filter_narrows_the_grid_and_counts_each_choice(client, apparel):
    response = client.get("/c/apparel/?opt_size=XL")
    body = response.content.decode()
    assert response.status_code == 200
    assert _names(body) == ["Alpine", "Cedar"]
    assert "2 products" in body
    # legend in the shopper's words, counts beside each value, choice kept checked
    assert "<legend>Size</legend>" in body and "<legend>Colour</legend>" in body
    assert 'name="opt_size" value="XL" id="f-size-3" checked' in body
    assert 'for="f-size-3">XL <span class="facet-count">(2)</span>' in body
    # a size's count ignores the size filter itself (what choosing it would add)
    assert 'for="f-size-2">M <span class="facet-count">(3)</span>' in body
    # other facets count under the chosen size: green has no XL
    assert 'value="Green" id="f-colour-2" disabled' in body


def test_values_of_one_option_widen_and_options_narrow(client, apparel):
    body = client.get("/c/apparel/?opt_size=S&opt_size=XL").content.decode()
    assert _names(body) == ["Alpine", "Birch", "Cedar"]
    body = client.get("/c/apparel/?opt_size=M&opt_colour=Green").content.decode()
    assert _names(body) == ["Birch", "Dune"]


def test_in_stock_only_needs_the_matching_variant_in_stock(client, apparel):
    body = client.get("/c/apparel/?in_stock=1").content.decode()
    assert _names(body) == ["Alpine", "Birch", "Dune"]
    # Birch has M but not in stock; Cedar's XL is sold out
    body = client.get("/c/apparel/?in_stock=1&opt_size=M").content.decode()
    assert _names(body) == ["Alpine", "Dune"]
    body = client.get("/c/apparel/?in_stock=1&opt_size=XL").content.decode()
    assert _names(body) == ["Alpine"]
    assert 'In stock only <span class="facet-count">(1)</span>' in body


def test_price_band_filters_on_the_listing_price_with_counts(client, apparel):
    body = client.get("/c/apparel/?price=25-50").content.decode()
    assert _names(body) == ["Birch", "Dune"]
    assert '$25 to $50 <span class="facet-count">(2)</span>' in body
    assert 'Under $25 <span class="facet-count">(1)</span>' in body
    assert 'value="25-50" id="f-price-2" checked' in body


def test_filters_survive_sorting_and_paging_in_every_link(client, apparel):
    body = client.get(
        "/c/apparel/?opt_size=M&sort=-price&per_page=12&in_stock=1"
    ).content.decode()
    assert _names(body) == ["Alpine", "Dune"]
    assert body.index("Dune Tee") < body.index("Alpine Tee")  # sorted by -price
    # the sort form carries the filters; the filter form carries the sort
    sort_form = body[body.index('class="sort-form"') :]
    assert '<input type="hidden" name="opt_size" value="M">' in sort_form
    assert '<input type="hidden" name="in_stock" value="1">' in sort_form
    start = body.index('class="filters"')
    filter_form = body[start : body.index("</form>", start)]
    assert '<input type="hidden" name="sort" value="-price">' in filter_form


def test_pagination_links_keep_the_filters(client, apparel):
    for n in range(13):
        _tee(apparel, f"Extra {n}", "10.00", {"M": 1})
    body = client.get("/c/apparel/?opt_size=M&per_page=12").content.decode()
    assert 'href="?opt_size=M&amp;sort=name&amp;per_page=12&amp;page=2"' in body


def test_unknown_values_redirect_to_the_known_filters_and_cache_nothing(
    client, apparel
):
    response = client.get("/c/apparel/?opt_size=M&opt_size=HUGE&price=25-50")
    assert response.status_code == 302
    assert response["Location"] == "/c/apparel/?price=25-50&opt_size=M&sort=name"
    assert client.get(response["Location"]).status_code == 200
    # junk option names and bands are dropped before they reach a key
    response = client.get("/c/apparel/?opt_fabric=silk")
    assert response.status_code == 302
    assert client.get("/c/apparel/?price=1-2").status_code == 200


def test_search_page_filters_too(client, apparel):
    body = client.get("/search/?q=tee&opt_colour=Green").content.decode()
    assert _names(body) == ["Birch", "Dune"]
    assert '<input type="hidden" name="q" value="tee">' in body
    assert "2 products found" in body


def test_filtered_page_is_cached_whole_for_visitors_and_keyed_by_filters(
    client, apparel, django_assert_num_queries
):
    first = client.get("/c/apparel/?opt_size=XL&in_stock=1").content.decode()
    with django_assert_num_queries(0):
        again = client.get("/c/apparel/?in_stock=1&opt_size=XL").content.decode()
    assert again == first
    other = client.get("/c/apparel/?opt_size=S").content.decode()
    assert _names(other) == ["Alpine", "Birch"]


def test_a_change_in_stock_refreshes_the_filtered_counts(client, apparel):
    assert _names(client.get("/c/apparel/?in_stock=1").content.decode()) == [
        "Alpine",
        "Birch",
        "Dune",
    ]
    variant = apparel.products.get(name="Dune Tee").variants.get()
    variant.stock_on_hand = 0
    variant.save()
    body = client.get("/c/apparel/?in_stock=1").content.decode()
    assert _names(body) == ["Alpine", "Birch"]


def _count(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "url",
    [
        "/c/apparel/?per_page=48&opt_size=M&in_stock=1&price=0-25",
        "/search/?q=tee&per_page=48&opt_colour=Blue&opt_size=M",
    ],
)
def test_filtered_listing_costs_the_same_queries_for_1_or_48_products(
    client, url, django_assert_max_num_queries
):
    category = CategoryFactory(name="Apparel", slug="apparel")
    _tee(category, "Tee 0", "20.00", {"S": 3, "M": 3, "XL": 1})
    one = _count(client, url)
    for n in range(1, 48):
        _tee(category, f"Tee {n}", "20.00", {"S": 3, "M": 3, "XL": 1})
    with django_assert_max_num_queries(one):
        body = client.get(url).content.decode()
    assert body.count('class="card product-card"') == 48
    assert _count(client, url) == one


@pytest.mark.redis
def test_made_up_filter_values_make_no_cache_keys(client, apparel, redis_cache):
    from django.core.cache import cache as shared

    def catalog_keys() -> int:
        return len([key for key in shared.keys("*") if "shop:cat:" in key])

    assert client.get("/c/apparel/?opt_size=M").status_code == 200
    baseline = catalog_keys()
    codes = set()
    for n in range(50):
        codes.add(client.get(f"/c/apparel/?opt_size=M&opt_size=Z{n}").status_code)
        codes.add(client.get(f"/c/apparel/?opt_size=M&price=1-{n}").status_code)
        codes.add(client.get(f"/c/apparel/?opt_size=M&in_stock={n + 2}").status_code)
        codes.add(client.get(f"/c/apparel/?opt_fit{n}=slim").status_code)
    assert codes == {200, 302}
    assert catalog_keys() == baseline
