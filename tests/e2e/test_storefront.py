"""A shopper narrows a category with filters, shares the URL, picks a variant and
sees its price, at desktop (1366×900) and phone (390×844) sizes; axe-core finds
nothing on the category and product pages."""

from __future__ import annotations

import importlib
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.axe import axe_violations
from tests.factories.shop import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    VariantFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(page, request):
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_errors.append(msg.text)
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    page.csp_errors = csp_errors
    return page


@pytest.fixture
def apparel():
    category = CategoryFactory(name="Apparel", slug="apparel")
    for name, price, sizes in [
        ("Alpine Hoodie", "40.00", [("M", "40.00", 6), ("XL", "44.00", 2)]),
        ("Birch Tee", "20.00", [("S", "20.00", 5), ("M", "20.00", 0)]),
        ("Cedar Tee", "22.00", [("S", "22.00", 4)]),
    ]:
        product = ProductFactory(
            category=category,
            name=name,
            slug=name.lower().replace(" ", "-"),
            price=Decimal(price),
            description=f"{name}: soft, warm and made to last.",
        )
        for position, (size, variant_price, stock) in enumerate(sizes):
            VariantFactory(
                product=product,
                sku=f"{product.slug[:5].upper()}-{size}",
                name=size,
                options={"size": size},
                price=Decimal(variant_price),
                stock_on_hand=stock,
                position=position,
            )
        ProductImageFactory(product=product, alt_text=f"{name}, front")
    return category


def _grid_names(page) -> list[str]:
    return page.locator(".product-grid .product-name").all_inner_texts()


def test_filters_narrow_the_grid_and_the_url_is_shareable(
    sized_page, apparel, browser, request
):
    page = sized_page
    page.goto("/")
    page.get_by_role("navigation", name="Categories").get_by_role(
        "link", name="Apparel"
    ).click()
    page.wait_for_url("**/c/apparel/")
    assert _grid_names(page) == ["Alpine Hoodie", "Birch Tee", "Cedar Tee"]
    assert axe_violations(page) == []

    page.get_by_label("Sort by").select_option("-price")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_url("**sort=-price**")
    page.get_by_role("checkbox", name=re.compile(r"^M \(2\)")).check()
    page.get_by_role("checkbox", name=re.compile(r"^In stock only")).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"opt_size=M.*in_stock=1|in_stock=1.*opt_size=M"))
    # Birch has M only out of stock; the sort chosen before stays
    assert _grid_names(page) == ["Alpine Hoodie"]
    _screenshot(page, request, "filtered")
    assert "sort=-price" in page.url
    assert page.locator("#result-count").inner_text() == "1 product"
    assert axe_violations(page) == []

    # the same URL in another browser shows the same narrowed grid
    other = browser.new_context(base_url=page.url.split("/c/")[0])
    try:
        shared = other.new_page()
        shared.goto(page.url)
        assert _grid_names(shared) == ["Alpine Hoodie"]
        assert shared.get_by_role("checkbox", name=re.compile(r"^M ")).is_checked()
    finally:
        other.close()

    page.get_by_role("link", name="Clear filters").first.click()
    page.wait_for_url(lambda url: "opt_size" not in url)
    assert len(_grid_names(page)) == 3
    assert page.csp_errors == []


def _screenshot(page, request, label: str) -> None:
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"\W+", "_", request.node.nodeid)[-100:]
    page.screenshot(path=str(shots / f"{name}_{label}.png"), full_page=True)


def test_choosing_a_variant_changes_the_price(sized_page, apparel, request):
    page = sized_page
    page.goto("/p/alpine-hoodie/")
    price = page.locator("#product-price")
    assert price.inner_text() == "$40.00"
    assert page.get_by_role("group", name="Size").is_visible()
    # the no-JavaScript button is hidden by the page's script
    assert not page.get_by_role("button", name="Show price").is_visible()
    page.get_by_text("XL", exact=True).click()
    assert price.inner_text() == "$44.00"
    assert page.locator("#product-stock").inner_text() == "Only 2 left"
    assert page.url.endswith("/p/alpine-hoodie/?variant=ALPIN-XL")
    assert axe_violations(page) == []
    _screenshot(page, request, "product")

    # the address shows the same choice after a reload
    page.reload()
    assert price.inner_text() == "$44.00"
    assert page.locator("input[value=ALPIN-XL]").is_checked()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    assert page.locator(".cart-count").inner_text() == "1"
    assert page.csp_errors == []


def test_without_javascript_the_variant_price_shows_after_a_click(
    browser, live_server, apparel
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto("/p/alpine-hoodie/")
        assert page.locator("#product-price").inner_text() == "$40.00"
        page.get_by_text("XL", exact=True).click()
        page.get_by_role("button", name="Show price").click()
        page.wait_for_url("**/p/alpine-hoodie/?variant=ALPIN-XL")
        assert page.locator("#product-price").inner_text() == "$44.00"
        assert page.locator("input[value=ALPIN-XL]").is_checked()
    finally:
        context.close()


@pytest.fixture
def footer_pages():
    """The pages the data migration made (a transactional test's flush drops them)."""
    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("shop.migrations.0004_footer_pages")
    migration.create_pages(apps, SimpleNamespace(connection=connection))


def test_footer_pages_and_menu_pass_axe(sized_page, apparel, footer_pages):
    page = sized_page
    page.goto("/")
    assert axe_violations(page) == []
    page.get_by_role("navigation", name="Shop information").get_by_role(
        "link", name="Returns"
    ).click()
    page.wait_for_url("**/pages/returns/")
    assert page.get_by_role("heading", name="Returns", level=1).is_visible()
    assert axe_violations(page) == []


def test_axe_reports_a_planted_problem(page, apparel):
    """The check above can fail: an image without alt text is found."""
    page.goto("/c/apparel/")
    page.evaluate(
        "() => document.querySelector('main').appendChild(document.createElement('img'))"
    )
    assert "image-alt" in [v["rule"] for v in axe_violations(page)]
