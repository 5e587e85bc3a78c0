"""The product page: the chosen variant sets the price and availability (with and
without JavaScript), options named as they are, related products, the head's SEO."""

import json
import re
from decimal import Decimal

import pytest

from shop.models import CartLine
from tests.factories.shop import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hoodie():
    product = ProductFactory(
        name="Ridge Hoodie",
        slug="ridge-hoodie",
        price=Decimal("40.00"),
        description="Brushed <b>fleece</b> hoodie\nfor cold mornings.",
        category=CategoryFactory(name="Apparel", slug="apparel"),
    )
    for position, (size, price, stock) in enumerate(
        [("M", "40.00", 8), ("XL", "44.00", 2), ("XXL", "46.00", 0)]
    ):
        VariantFactory(
            product=product,
            sku=f"HOOD-{size}",
            name=size,
            options={"size": size},
            price=Decimal(price),
            stock_on_hand=stock,
            position=position,
        )
    return product


def _main_price(body: str) -> str:
    match = re.search(r'<p class="price[^"]*" id="product-price"[^>]*>(.*?)</p>', body)
    assert match, body
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _stock(body: str) -> str:
    match = re.search(r'id="product-stock"[^>]*>(.*?)</p>', body)
    assert match
    return match.group(1).strip()


def test_the_main_price_is_the_chosen_variants(client, hoodie):
    body = client.get("/p/ridge-hoodie/").content.decode()
    assert _main_price(body) == "$40.00"  # the first variant in stock
    assert _stock(body) == "In stock"
    body = client.get("/p/ridge-hoodie/?variant=HOOD-XL").content.decode()
    assert _main_price(body) == "$44.00"
    assert _stock(body) == "Only 2 left"
    assert 'value="HOOD-XL" checked' in body
    body = client.get("/p/ridge-hoodie/?variant=HOOD-XXL").content.decode()
    assert _main_price(body) == "$46.00"
    assert _stock(body) == "Out of stock"


def test_options_are_labelled_by_their_name(client, hoodie):
    body = client.get("/p/ridge-hoodie/").content.decode()
    assert "<legend>Size</legend>" in body
    assert "<legend>Option</legend>" not in body
    assert '<span class="variant-name">XL</span>' in body


def test_two_options_are_named_together(client):
    variant = VariantFactory(
        product__slug="tee", name="M / Blue", options={"size": "M", "colour": "Blue"}
    )
    body = client.get(f"/p/{variant.product.slug}/").content.decode()
    assert "<legend>Size / Colour</legend>" in body
    assert '<span class="variant-name">M / Blue</span>' in body


def test_without_javascript_show_price_redirects_to_the_variant_url(client, hoodie):
    client.get("/p/ridge-hoodie/")
    response = client.post(
        "/p/ridge-hoodie/", {"sku": "HOOD-XL", "quantity": "1", "show_variant": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/p/ridge-hoodie/?variant=HOOD-XL"
    assert not CartLine.objects.exists()  # showing a price adds nothing


def test_adding_the_chosen_variant_still_works(client, hoodie):
    response = client.post("/p/ridge-hoodie/", {"sku": "HOOD-XL", "quantity": "1"})
    assert response.status_code == 302
    line = CartLine.objects.get()
    assert (line.variant.sku, line.unit_price) == ("HOOD-XL", Decimal("44.00"))


def test_a_refused_add_shows_the_posted_variants_price(client, hoodie):
    response = client.post("/p/ridge-hoodie/", {"sku": "HOOD-XL", "quantity": "5"})
    assert response.status_code == 400
    body = response.content.decode()
    assert _main_price(body) == "$44.00"
    assert 'value="HOOD-XL" checked' in body


def test_an_unknown_variant_redirects_to_the_plain_page_and_caches_nothing(
    client, hoodie, django_assert_max_num_queries
):
    response = client.get("/p/ridge-hoodie/?variant=NOPE")
    assert response.status_code == 302
    assert response["Location"] == "/p/ridge-hoodie/"
    client.get("/p/ridge-hoodie/?variant=NOPE")
    # every junk value goes back to the database: it was never cached
    with django_assert_max_num_queries(4) as queries:
        client.get("/p/ridge-hoodie/?variant=NOPE")
    assert any("shop_product" in q["sql"] for q in queries.captured_queries)


def test_the_variant_pages_are_cached(client, hoodie, django_assert_max_num_queries):
    client.get("/p/ridge-hoodie/?variant=HOOD-XL")
    with django_assert_max_num_queries(2) as queries:
        body = client.get("/p/ridge-hoodie/?variant=HOOD-XL").content.decode()
    assert not any("shop_product" in q["sql"] for q in queries.captured_queries)
    assert _main_price(body) == "$44.00"


def _csrf_value(body: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert match, body
    return match.group(1)


def test_a_plain_visitor_gets_the_whole_cached_page_with_a_token_of_their_own(
    hoodie, django_assert_num_queries
):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get("/p/ridge-hoodie/")  # renders and caches the page
    with django_assert_num_queries(0):
        cached = second.get("/p/ridge-hoodie/")
    assert cached.templates == []  # served from the cache: nothing rendered
    assert "Cookie" in cached["Vary"]
    body = cached.content.decode()
    assert _main_price(body) == "$40.00" and "<!--csrf-token-->" not in body
    # the token in the cached page is this visitor's own: their add to cart passes
    token = _csrf_value(body)
    response = second.post(
        "/p/ridge-hoodie/",
        {"sku": "HOOD-M", "quantity": "1", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert CartLine.objects.get().variant.sku == "HOOD-M"


def test_a_visitor_with_a_session_gets_their_own_page_not_the_cached_one(
    client, hoodie
):
    client.get("/p/ridge-hoodie/")  # caches the plain visitor's page
    client.post("/p/ridge-hoodie/", {"sku": "HOOD-M", "quantity": "2"})
    response = client.get("/p/ridge-hoodie/")
    assert response.templates  # rendered for this visitor
    assert re.search(r'class="cart-count"[^>]*>\s*2\s*<', response.content.decode())


def test_a_price_change_reaches_the_cached_whole_page(hoodie):
    from django.test import Client

    from shop import services
    from shop.models import Variant

    assert _main_price(Client().get("/p/ridge-hoodie/").content.decode()) == "$40.00"
    Variant.objects.filter(sku="HOOD-M").update(price=Decimal("39.00"))
    services.catalog_cache_invalidate(product_ids=[hoodie.pk])
    assert _main_price(Client().get("/p/ridge-hoodie/").content.decode()) == "$39.00"


def test_related_products_share_the_category_and_are_in_stock(client, hoodie):
    in_stock = VariantFactory(
        product__category=hoodie.category, product__name="Summit Jacket"
    )
    VariantFactory(
        product__category=hoodie.category,
        product__name="Sold Out Parka",
        stock_on_hand=0,
    )
    VariantFactory(product__name="Kitchen Kettle")
    body = client.get("/p/ridge-hoodie/").content.decode()
    related = body[body.index('id="related-heading"') :]
    assert "Summit Jacket" in related
    assert f'href="/p/{in_stock.product.slug}/"' in related
    assert "Sold Out Parka" not in related
    assert "Kitchen Kettle" not in related
    assert "Ridge Hoodie" not in related
    assert 'loading="lazy"' in related or "img-placeholder" in related


def test_gallery_first_image_loads_eagerly_the_rest_lazily(client, hoodie):
    ProductImageFactory(product=hoodie, alt_text="Front", position=0)
    ProductImageFactory(product=hoodie, alt_text="Back", position=1)
    body = client.get("/p/ridge-hoodie/").content.decode()
    front = re.search(r'<img [^>]*alt="Front"[^>]*>', body).group(0)
    back = re.search(r'<img [^>]*alt="Back"[^>]*>', body).group(0)
    assert "loading=" not in front and 'fetchpriority="high"' in front
    assert 'loading="lazy"' in back


def test_head_has_title_description_canonical_and_open_graph(client, hoodie, settings):
    settings.SITE_URL = "https://shop.example.com"
    ProductImageFactory(product=hoodie, alt_text="Front")
    body = client.get("/p/ridge-hoodie/?variant=HOOD-XL").content.decode()
    assert "<title>Ridge Hoodie — SecureCart</title>" in body
    assert (
        '<meta name="description" content="Brushed fleece hoodie for cold mornings.">'
        in body
    )
    assert (
        '<link rel="canonical" href="https://shop.example.com/p/ridge-hoodie/">' in body
    )
    assert '<meta property="og:type" content="product">' in body
    assert '<meta property="og:title" content="Ridge Hoodie">' in body
    assert re.search(
        r'<meta property="og:image" content="https://shop\.example\.com/media/'
        r'products/[^"]+\.png">',
        body,
    )


def test_json_ld_offers_each_variant_with_its_availability(client, hoodie, settings):
    settings.SITE_URL = "https://shop.example.com"
    body = client.get("/p/ridge-hoodie/").content.decode()
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', body, re.S
    )
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@type"] == "Product" and data["name"] == "Ridge Hoodie"
    assert data["url"] == "https://shop.example.com/p/ridge-hoodie/"
    offers = {o["sku"]: o for o in data["offers"]}
    assert offers["HOOD-XL"]["price"] == "44.00"
    assert offers["HOOD-XL"]["priceCurrency"] == "USD"
    assert offers["HOOD-XL"]["availability"] == "https://schema.org/InStock"
    assert offers["HOOD-XXL"]["availability"] == "https://schema.org/OutOfStock"
    assert offers["HOOD-M"]["url"].endswith("/p/ridge-hoodie/?variant=HOOD-M")


def test_json_ld_cannot_close_its_script_element(client):
    VariantFactory(product__slug="evil", product__name="</script><script>alert(1)")
    body = client.get("/p/evil/").content.decode()
    block = body[body.index('type="application/ld+json">') :]
    block = block[: block.index("</script>")]
    assert "<" not in block
    assert "\\u003c/script\\u003e" in block


def test_the_page_script_is_a_file_under_the_strict_csp(client, hoodie):
    response = client.get("/p/ridge-hoodie/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    body = response.content.decode()
    assert '<script src="/static/js/product.js" defer></script>' in body
    # the only inline <script> is JSON-LD data, which the browser never runs
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline == [' type="application/ld+json"']


def test_variant_choices_print_prices_like_every_other_page(hoodie):
    from shop.forms import AddToCartForm

    form = AddToCartForm(variants=hoodie.variants.order_by("position"))
    labels = dict(form.fields["sku"].choices)
    assert labels["HOOD-XL"].startswith("XL — $44.00 ")
    assert "USD" not in " ".join(labels.values())
