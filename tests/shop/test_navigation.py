"""Around every page: the category menu, the cart count, the footer's pages (flat
pages staff edit in admin), and sitemap.xml / robots.txt."""

import re
from decimal import Decimal

import pytest
from django.contrib.flatpages.models import FlatPage

from shop import services
from shop.models import Cart
from tests.factories.accounts import UserFactory
from tests.factories.shop import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _cart_count(body: str) -> str | None:
    match = re.search(r'<span class="cart-count"[^>]*>(\d+)</span>', body)
    return match.group(1) if match else None


def test_header_menu_lists_top_categories_and_marks_the_current_one(client):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen", position=1)
    CategoryFactory(name="Apparel", slug="apparel", position=0)
    CategoryFactory(name="Mugs", slug="mugs", parent=kitchen)
    CategoryFactory(name="Hidden", slug="hidden", is_active=False)
    body = client.get("/c/kitchen/").content.decode()
    menu = body[body.index('aria-label="Categories"') :]
    menu = menu[: menu.index("</nav>")]
    assert re.findall(r">(\w+)</a>", menu) == ["Apparel", "Kitchen"]
    assert '<a href="/c/kitchen/" aria-current="page">Kitchen</a>' in menu


def test_menu_and_footer_cost_no_query_once_cached(client, django_assert_num_queries):
    CategoryFactory(name="Kitchen", slug="kitchen")
    client.get("/cart/")
    with django_assert_num_queries(0):
        body = client.get("/cart/").content.decode()
    assert "Kitchen" in body and 'href="/pages/shipping/"' in body


def test_cart_count_follows_cart_writes_from_the_cache(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    variant = VariantFactory(product__slug="lamp", stock_on_hand=9)
    assert _cart_count(client.get("/cart/").content.decode()) is None
    # The cached count is dropped when a write commits (callbacks run here).
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/p/lamp/", {"sku": variant.sku, "quantity": "2"})
    body = client.get("/c/" + variant.product.category.slug + "/").content.decode()
    assert _cart_count(body) == "2"
    # the count comes from the cache, as the session and the listing do
    url = "/c/" + variant.product.category.slug + "/"
    with django_assert_num_queries(0):
        body = client.get(url).content.decode()
    assert _cart_count(body) == "2"
    with django_capture_on_commit_callbacks(execute=True) as dropped:
        client.post("/cart/update/", {"sku": variant.sku, "quantity": "3"})
    assert dropped  # the count is forgotten on commit, not before
    assert _cart_count(client.get(url).content.decode()) == "3"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cart/remove/", {"sku": variant.sku})
    assert _cart_count(client.get(url).content.decode()) is None


def test_cart_count_of_a_customer_and_after_checkout_empties_the_cart(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    variant = VariantFactory(stock_on_hand=9, price=Decimal("5.00"))
    client.force_login(user)
    cart = Cart.objects.create(user=user)
    services.cart_line_add(cart=cart, sku=variant.sku, quantity=4)
    assert _cart_count(client.get("/cart/").content.decode()) == "4"
    with django_capture_on_commit_callbacks(execute=True):
        services.cart_clear(cart=cart)
    assert _cart_count(client.get("/cart/").content.decode()) is None


def test_footer_links_the_four_pages_made_by_the_migration(client):
    body = client.get("/").content.decode()
    footer = body[body.index('class="site-footer"') :]
    for url, title in [
        ("/pages/contact/", "Contact"),
        ("/pages/returns/", "Returns"),
        ("/pages/shipping/", "Shipping"),
        ("/pages/terms/", "Terms and conditions"),
    ]:
        assert f'<a href="{url}">{title}</a>' in footer
        page = client.get(url)
        assert page.status_code == 200
        assert f"<h1>{title}</h1>" in page.content.decode()
    # a guest who lost the order link finds the way back from every page
    assert '<a href="/orders/find/">Find my order</a>' in footer


def test_staff_edit_a_footer_page_in_admin_and_shoppers_see_it(admin_client, client):
    page = FlatPage.objects.get(url="/returns/")
    client.get("/")  # footer cached
    response = admin_client.post(
        f"/admin/flatpages/flatpage/{page.pk}/change/",
        {
            "url": "/returns/",
            "title": "Returns and refunds",
            "content": "<p>60 days to change your mind.</p>",
            "sites": [1],
            "template_name": "",
        },
    )
    assert response.status_code == 302
    assert '<a href="/pages/returns/">Returns and refunds</a>' in (
        client.get("/").content.decode()
    )
    assert (
        "60 days to change your mind." in client.get("/pages/returns/").content.decode()
    )


def test_sitemap_lists_home_categories_products_and_pages(client, settings):
    settings.SITE_URL = "https://shop.example.com"
    product = ProductFactory(slug="lamp", category=CategoryFactory(slug="lighting"))
    ProductFactory(slug="retired", is_active=False)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    locs = re.findall(r"<loc>(.*?)</loc>", response.content.decode())
    base = "https://shop.example.com"
    assert f"{base}/" in locs
    assert f"{base}/c/lighting/" in locs
    assert f"{base}/p/{product.slug}/" in locs
    assert f"{base}/pages/shipping/" in locs
    assert not any("retired" in loc for loc in locs)


def test_sitemap_without_site_url_uses_the_request_host(client):
    ProductFactory(slug="lamp")
    body = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/p/lamp/</loc>" in body


def test_robots_txt_points_at_the_sitemap_and_keeps_private_pages_out(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "User-agent: *" in body
    for path in ("/cart/", "/checkout/", "/accounts/", "/orders/"):
        assert f"Disallow: {path}" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_category_head_names_the_plain_page_as_canonical(client):
    CategoryFactory(name="Kitchen", slug="kitchen", description="Pots and pans.")
    body = client.get("/c/kitchen/?sort=-price").content.decode()
    assert '<link rel="canonical" href="http://testserver/c/kitchen/">' in body
    assert '<meta name="description" content="Pots and pans.">' in body
    assert "noindex" not in body
    body = client.get("/c/kitchen/?in_stock=1").content.decode()
    assert '<meta name="robots" content="noindex, follow">' in body


def test_without_a_database_the_frame_tries_it_once_per_page(client):
    """A page that needs no data still renders with the database down, and its
    frame (menu, footer) tries the database once: every try can wait the request
    timeout (DATABASE_REQUEST_TIMEOUT_SECONDS)."""
    from django.db import OperationalError, connection

    tries = []

    def database_down(execute, sql, params, many, context):
        tries.append(sql)
        raise OperationalError("couldn't get a connection")

    with connection.execute_wrapper(database_down):
        response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert 'href="/orders/find/"' in response.content.decode()  # the frame's footer
    assert len(tries) == 1, tries
