"""A shopper browses, searches, picks a variant and manages the cart in Chromium."""

from decimal import Decimal

import pytest

from tests.factories.shop import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    VariantFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    mug = ProductFactory(
        category=kitchen,
        name="Harbour Enamel Mug",
        slug="harbour-enamel-mug",
        description="Enamel mug for camp coffee.",
        price=Decimal("14.00"),
        is_featured=True,
    )
    VariantFactory(
        product=mug,
        sku="MUG-SAND",
        name="Sand",
        price=Decimal("14.00"),
        stock_on_hand=0,
    )
    VariantFactory(
        product=mug,
        sku="MUG-OCEAN",
        name="Ocean",
        price=Decimal("14.00"),
        stock_on_hand=3,
    )
    ProductImageFactory(product=mug, alt_text="Harbour Enamel Mug in ocean blue")
    for index in range(3):
        VariantFactory(
            product__category=kitchen,
            product__name=f"Chef Knife {index}",
            product__description="Carbon steel.",
        )
    return mug


def test_shopper_browses_searches_and_fills_the_cart(page, catalog):
    # home: the featured product and the category
    page.goto("/")
    assert page.get_by_role("heading", name="Featured products").is_visible()
    assert page.get_by_text("Harbour Enamel Mug").first.is_visible()
    page.get_by_role("link", name="Kitchen").first.click()

    # category listing, sorted by price
    page.wait_for_url("**/c/kitchen/")
    assert page.get_by_role("heading", name="Kitchen", level=1).is_visible()
    assert page.get_by_text("4 products").is_visible()
    page.get_by_label("Sort by").select_option("-price")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_url("**sort=-price**")

    # search from the header
    page.get_by_role("searchbox", name="Search products").fill("coffee")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?q=coffee")
    assert page.get_by_text("1 product found").is_visible()
    page.get_by_role("link", name="Harbour Enamel Mug").click()

    # product page: out-of-stock option disabled, too many → clear error
    page.wait_for_url("**/p/harbour-enamel-mug/")
    assert page.get_by_role("img", name="Harbour Enamel Mug in ocean blue").is_visible()
    assert page.locator("input[value=MUG-SAND]").is_disabled()
    assert page.get_by_role("group").get_by_text("Only 3 left").is_visible()
    assert page.locator("#product-stock").inner_text() == "Only 3 left"
    page.locator("label[for=sku-2]").click()
    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Add to cart").click()
    alert = page.get_by_role("alert")
    assert (
        "Only 3 of Harbour Enamel Mug (Ocean) available; you asked for 5."
        in alert.inner_text()
    )
    assert page.locator("input[value=MUG-OCEAN]").is_checked()

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    # cart: totals, change quantity, over-asking, remove
    page.wait_for_url("**/cart/")
    assert page.get_by_text(
        "Added 2 × Harbour Enamel Mug (Ocean) to your cart."
    ).is_visible()
    assert page.locator("#cart-subtotal").inner_text() == "$28.00"
    assert (
        page.get_by_role("link", name="Checkout").get_attribute("href") == "/checkout/"
    )

    quantity = page.get_by_label("Quantity of Harbour Enamel Mug (Ocean)")
    quantity.fill("3")
    page.get_by_role("button", name="Update").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_text("Quantity updated.").is_visible()
    assert page.locator("#cart-subtotal").inner_text() == "$42.00"

    page.get_by_label("Quantity of Harbour Enamel Mug (Ocean)").fill("7")
    page.get_by_role("button", name="Update").click()
    assert page.get_by_text(
        "Only 3 of Harbour Enamel Mug (Ocean) available; you asked for 7."
    ).is_visible()
    assert page.locator("#cart-subtotal").inner_text() == "$42.00"

    page.get_by_role("button", name="Remove Harbour Enamel Mug (Ocean)").click()
    assert page.get_by_text("Your cart is empty.").is_visible()

    # unknown product → the 404 page
    response = page.goto("/p/no-such-thing/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
