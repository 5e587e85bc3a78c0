from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from shop import services
from shop.models import CartLine, Product, Variant
from tests.factories.shop import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def test_home_lists_featured_products_and_top_categories(client):
    featured = VariantFactory(
        product__is_featured=True, product__name="Star Lamp"
    ).product
    VariantFactory(product__name="Plain Lamp")
    response = client.get("/")
    assert response.status_code == 200
    body = _text(response)
    assert "Star Lamp" in body and "Plain Lamp" not in body
    assert f'href="/c/{featured.category.slug}/"' in body


def test_category_page_includes_subcategories_paginates_and_sorts(client):
    parent = CategoryFactory(name="Kitchen", slug="kitchen")
    child = CategoryFactory(name="Mugs", slug="mugs", parent=parent)
    for index, price in enumerate(["5.00", "30.00", "12.00"]):
        VariantFactory(
            product__category=child if index else parent,
            product__name=f"Item {index}",
            product__price=Decimal(price),
        )
    ProductFactory(category=parent, name="Hidden", is_active=False)

    response = client.get("/c/kitchen/?sort=-price&per_page=12")
    body = _text(response)
    assert response.status_code == 200
    assert "3 products" in body and "Hidden" not in body
    assert body.index("Item 1") < body.index("Item 2") < body.index("Item 0")
    assert 'href="/c/mugs/"' in body

    for index in range(3, 14):
        VariantFactory(product__category=parent, product__name=f"Item {index:02d}")
    page2 = _text(client.get("/c/kitchen/?sort=name&per_page=12&page=2"))
    assert "Page 2 of 2" in page2 and 'rel="prev"' in page2


@pytest.mark.parametrize("url", ["/c/nope/", "/p/nope/"])
def test_unknown_slugs_give_a_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in _text(response)


def test_inactive_product_page_is_404(client):
    product = VariantFactory(product__is_active=False).product
    assert client.get(f"/p/{product.slug}/").status_code == 404


def test_search_finds_by_name_and_description(client):
    VariantFactory(product__name="Enamel Mug", product__description="For camp coffee")
    VariantFactory(product__name="Wool Socks", product__description="Warm feet")
    body = _text(client.get("/search/", {"q": "mug"}))
    assert "Enamel Mug" in body and "Wool Socks" not in body
    assert "Enamel Mug" in _text(client.get("/search/", {"q": "coffee"}))
    assert "No products match" in _text(client.get("/search/", {"q": "zzzz"}))


def test_product_page_shows_variants_with_availability(client):
    product = ProductFactory(name="Trail Tee")
    VariantFactory(product=product, name="Small", sku="TEE-S", stock_on_hand=0)
    VariantFactory(product=product, name="Large", sku="TEE-L", stock_on_hand=3)
    ProductImageFactory(product=product, alt_text="Trail Tee front")
    body = _text(client.get(f"/p/{product.slug}/"))
    assert "Trail Tee front" in body
    assert 'value="TEE-S" disabled' in body
    assert "Only 3 left" in body and "Out of stock" in body
    assert "csrfmiddlewaretoken" in body


def test_add_to_cart_then_change_and_remove_on_the_cart_page(client):
    variant = VariantFactory(
        product__name="Desk Lamp", sku="LAMP-1", price=Decimal("40.00"), stock_on_hand=5
    )
    url = f"/p/{variant.product.slug}/"

    response = client.post(url, {"sku": "LAMP-1", "quantity": "2"}, follow=True)
    body = _text(response)
    assert "Added 2 × Desk Lamp" in body
    assert 'id="cart-subtotal">$80.00' in body
    assert 'href="/checkout/"' in body

    body = _text(
        client.post("/cart/update/", {"sku": "LAMP-1", "quantity": "9"}, follow=True)
    )
    assert "Only 5 of Desk Lamp (" in body and "LAMP-1 available" not in body
    assert CartLine.objects.get().quantity == 2

    body = _text(
        client.post("/cart/update/", {"sku": "LAMP-1", "quantity": "0"}, follow=True)
    )
    assert "Quantity must be at least 1" in body
    body = _text(
        client.post("/cart/update/", {"sku": "LAMP-1", "quantity": "3"}, follow=True)
    )
    assert 'id="cart-subtotal">$120.00' in body

    body = _text(client.post("/cart/remove/", {"sku": "LAMP-1"}, follow=True))
    assert "Your cart is empty" in body
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sku": "LAMP-1", "quantity": "0"}, "Quantity must be at least 1."),
        ({"sku": "LAMP-1", "quantity": "two"}, "Enter a whole number."),
        ({"sku": "LAMP-1", "quantity": "6"}, "Only 5 of Desk Lamp (Large) available"),
        ({"sku": "NOPE", "quantity": "1"}, "Choose one of the options."),
    ],
)
def test_add_to_cart_form_errors_leave_the_cart_unchanged(client, data, message):
    variant = VariantFactory(
        sku="LAMP-1", product__name="Desk Lamp", name="Large", stock_on_hand=5
    )
    response = client.post(f"/p/{variant.product.slug}/", data)
    assert response.status_code == 400
    assert message in _text(response)
    assert 'role="alert"' in _text(response)
    assert not CartLine.objects.exists()


def test_add_to_cart_of_a_deactivated_variant_is_refused(client):
    variant = VariantFactory(sku="LAMP-1")
    other = VariantFactory(product=variant.product, sku="LAMP-2")
    Variant.objects.filter(pk=other.pk).update(is_active=False)
    response = client.post(
        f"/p/{variant.product.slug}/", {"sku": "LAMP-2", "quantity": "1"}
    )
    assert response.status_code == 400
    assert not CartLine.objects.exists()


def test_anonymous_cart_is_merged_into_the_customers_cart_on_sign_in(client):
    user = get_user_model().objects.create_user("ann", password="s3cret-pass-word")
    mine = VariantFactory(sku="MINE", stock_on_hand=10)
    theirs = VariantFactory(sku="ANON", stock_on_hand=10)
    customer_cart = services.cart_get_or_create_for_request(
        type("R", (), {"user": user, "session": {}})()
    )
    services.cart_line_add(cart=customer_cart, sku="MINE", quantity=1)

    client.post(f"/p/{theirs.product.slug}/", {"sku": "ANON", "quantity": "2"})
    client.post(f"/p/{mine.product.slug}/", {"sku": "MINE", "quantity": "3"})
    response = client.post(
        "/accounts/login/", {"username": "ann", "password": "s3cret-pass-word"}
    )
    assert response.status_code == 302

    lines = dict(
        CartLine.objects.filter(cart__user=user).values_list("variant__sku", "quantity")
    )
    assert lines == {"MINE": 4, "ANON": 2}
    assert user.carts.count() == 1
    assert "cart_token" not in client.session
    assert "ANON" in _text(client.get("/cart/"))


def test_price_change_in_admin_is_visible_at_once_despite_the_cache(client):
    variant = VariantFactory(price=Decimal("10.00"), product__price=Decimal("10.00"))
    product = variant.product
    assert "$10.00" in _text(client.get(f"/p/{product.slug}/"))
    assert "$10.00" in _text(client.get(f"/c/{product.category.slug}/"))

    # an admin edit goes through save()
    variant.price = Decimal("12.00")
    variant.save()
    product.price = Decimal("12.00")
    product.save()
    assert "$12.00" in _text(client.get(f"/p/{product.slug}/"))
    assert "$12.00" in _text(client.get(f"/c/{product.category.slug}/"))


def test_stock_change_by_queryset_update_shows_after_catalog_cache_invalidate(client):
    variant = VariantFactory(stock_on_hand=3)
    url = f"/p/{variant.product.slug}/"
    assert "Only 3 left" in _text(client.get(url))

    Variant.objects.filter(pk=variant.pk).update(stock_reserved=3)  # checkout's way
    assert "Only 3 left" in _text(client.get(url))  # cached: no signal fired
    services.catalog_cache_invalidate(product_ids=[variant.product_id])
    assert "Sold out" in _text(client.get(url))


def test_cart_page_flags_changed_price(client):
    variant = VariantFactory(sku="CUP", price=Decimal("5.00"))
    client.post(f"/p/{variant.product.slug}/", {"sku": "CUP", "quantity": "1"})
    Variant.objects.filter(pk=variant.pk).update(price=Decimal("6.00"))
    body = _text(client.get("/cart/"))
    assert "changed from $5.00 to $6.00." in body  # money printed as on every page
    body = _text(client.post("/cart/accept-prices/", follow=True))
    assert 'id="cart-subtotal">$6.00' in body
    assert Product.objects.count() == 1


def test_signed_in_customer_never_gets_the_anonymous_cached_page(
    client, django_user_model
):
    category = VariantFactory().product.category
    url = f"/c/{category.slug}/"
    assert "Sign in" in _text(client.get(url))  # cached for plain visitors now
    assert "Sign in" in _text(client.get(url))
    client.force_login(
        django_user_model.objects.create_user("cy", password="x-y-z-123")
    )
    body = _text(client.get(url))
    assert "Sign out" in body and "Sign in" not in body


def test_whole_page_cache_varies_on_cookie_and_ignores_unknown_parameters(client):
    category = VariantFactory(product__name="Kettle").product.category
    first = client.get(f"/c/{category.slug}/")
    cached = client.get(f"/c/{category.slug}/")
    assert "Cookie" in cached["Vary"] and "Kettle" in _text(cached)
    assert _text(first) == _text(cached)
    odd = client.get(f"/c/{category.slug}/?utm_source=<b>x</b>")
    assert odd.status_code == 200 and "<b>x</b>" not in _text(odd)


def test_storefront_pages_answer_head_like_get_without_a_body(client):
    # uptime probes and link checkers send HEAD
    variant = VariantFactory(product__name="Probe Lamp", product__is_featured=True)
    product = variant.product
    for url in [
        "/",
        f"/c/{product.category.slug}/",
        "/search/?q=lamp",
        f"/p/{product.slug}/",
        "/cart/",
    ]:
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.content == b"", url
        assert head["Content-Type"].startswith("text/html"), url
    assert client.post("/search/?q=lamp").status_code == 405
