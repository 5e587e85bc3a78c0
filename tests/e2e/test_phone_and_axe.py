"""The storefront on a phone (390×844) and a desktop (1366×900), in Chromium.

Every storefront page fits the screen (no sideways scrolling) and axe-core finds
no violation on it, with and without a flash message; product grids show two
columns on a phone and more on a desktop; checkout fields carry their autofill
tokens and keyboards, text inputs use 16px type (iOS does not zoom) and radio
buttons are 24px targets beside their labels. axe-core comes from npm
(package.json, `make install`); it is added to each page as an init script,
so the shop's own CSP stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS, keep_screenshot_and_close
from tests.e2e.axe import AXE_JS
from tests.factories.accounts import PASSWORD, AddressFactory, UserFactory
from tests.factories.orders import ShippingMethodFactory
from tests.factories.shop import CategoryFactory, ProductFactory, VariantFactory
from tests.services import service_missing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = AXE_JS  # one axe-core for every browser test (tests/e2e/axe.py)
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}
FLASH = "Your details were saved."

PUBLIC_PAGES = [
    "/",
    "/c/apparel/",
    "/p/classic-t-shirt/",
    "/search/?q=fleece",
    "/search/?q=nothing-like-this",
    "/cart/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/no-such-page/",
]
ACCOUNT_PAGES = [
    "/accounts/",
    "/accounts/addresses/",
    "/accounts/addresses/add/",
    "/accounts/password/change/",
    "/orders/",
]


@pytest.fixture
def shop() -> None:
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("5.00"))
    ShippingMethodFactory(code="express", name="Express", price=Decimal("15.00"))
    apparel = CategoryFactory(name="Apparel", slug="apparel")
    shirt = ProductFactory(
        category=apparel, name="Classic T-Shirt", slug="classic-t-shirt"
    )
    for size, price in [("S", "20.00"), ("M", "20.00"), ("XL", "24.00")]:
        VariantFactory(
            product=shirt, name=size, sku=f"TEE-{size}", price=Decimal(price)
        )
    for index in range(11):
        VariantFactory(
            product__category=apparel,
            product__name=f"Polar Fleece {index}",
            product__slug=f"polar-fleece-{index}",
            price=Decimal("70.99"),
        )


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser, live_server) -> Iterator[Page]:
    """A page of the given size with axe-core loaded into every document."""
    if not AXE.exists():
        service_missing("axe-core is not installed (npm ci, or make install)")
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": height},
        is_mobile=request.param == "phone",
        has_touch=request.param == "phone",
    )
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.viewport_name = request.param  # type: ignore[attr-defined]
    yield page
    keep_screenshot_and_close(page, request)


def _flash(page: Page, live_server) -> None:
    """Leave a flash message for the next page, as the app's own cookie storage
    would (signed by the server's key)."""
    storage = CookieStorage(RequestFactory().get("/"))
    value = storage._encode([Message(constants.SUCCESS, FLASH)])
    page.context.add_cookies(
        [{"name": CookieStorage.cookie_name, "value": value, "url": live_server.url}]
    )


def _problems(page: Page, url: str) -> list[str]:
    """Sideways scrolling and axe-core violations of the page open now."""
    found = []
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    if overflow > 0:
        found.append(f"{url}: scrolls sideways by {overflow}px")
    result = page.evaluate(
        """async () => {
          const result = await axe.run(document);
          return {
            passed: result.passes.length,
            violations: result.violations.map(
              v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')),
          };
        }"""
    )
    assert result["passed"] > 10, url  # axe really looked at this page
    found.extend(f"{url}: axe {violation}" for violation in result["violations"])
    return found


def _check_pages(page: Page, live_server, urls: list[str]) -> list[str]:
    found: list[str] = []
    shots = ARTIFACTS / "screenshots" / f"pages_{page.viewport_name}"  # type: ignore[attr-defined]
    shots.mkdir(parents=True, exist_ok=True)
    for url in urls:
        page.goto(url)
        found += _problems(page, url)
        name = re.sub(r"\W+", "_", url).strip("_") or "home"
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        _flash(page, live_server)
        page.goto(url)
        messages = page.get_by_role("status")
        expect(messages).to_contain_text(FLASH)
        found += _problems(page, f"{url} (with a flash message)")
    return found


def _grid_columns(page: Page) -> int:
    return page.evaluate(
        """() => {
          const cards = [...document.querySelectorAll('.product-grid > li')];
          const top = cards[0].getBoundingClientRect().top;
          return cards.filter(c => Math.abs(c.getBoundingClientRect().top - top) < 2).length;
        }"""
    )


def test_storefront_pages_fit_the_screen_and_pass_axe(screen, shop, live_server):
    screen.goto("/c/apparel/")
    columns = _grid_columns(screen)
    if screen.viewport_name == "phone":
        assert columns == 2
    else:  # beside the filters column on a category page
        assert columns >= 3

    found = _check_pages(screen, live_server, PUBLIC_PAGES)

    user = UserFactory(first_name="Ada", phone="+15415550100")
    AddressFactory(user=user, is_default=True)
    screen.goto("/accounts/login/")
    screen.get_by_label("Email or username").fill(user.username)
    screen.get_by_label("Password").fill(PASSWORD)
    screen.get_by_role("button", name="Sign in").click()
    screen.wait_for_url(re.compile(r".*/accounts/$|.*/$"))
    found += _check_pages(screen, live_server, ACCOUNT_PAGES)
    assert found == []


def _input_sizes(page: Page) -> list[tuple[str, float]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('main input:not([type=hidden]), main select')]
          .filter(el => !['radio', 'checkbox'].includes(el.type))
          .map(el => [el.name, parseFloat(getComputedStyle(el).fontSize)])"""
    )


def _radios_beside_labels(page: Page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('main input[type=radio]')].map(el => {
          const box = el.getBoundingClientRect();
          const label = el.closest('label').getBoundingClientRect();
          return {name: el.value, width: box.width, height: box.height,
                  targetHeight: label.height,
                  offCentre: Math.abs((box.top + box.bottom) / 2 - (label.top + label.bottom) / 2),
                  textRight: label.right - box.right};
        })"""
    )


def _assert_big_radios(page: Page) -> None:
    radios = _radios_beside_labels(page)
    assert radios
    for radio in radios:
        assert radio["width"] >= 24 and radio["height"] >= 24, radio
        assert radio["targetHeight"] >= 24, radio
        assert radio["offCentre"] < 4, radio  # beside its text, not above it
        assert radio["textRight"] > 20, radio  # the text follows on the same line


def test_checkout_on_each_screen_autofills_and_has_big_targets(
    screen, shop, live_server, monkeypatch
):
    monkeypatch.setattr(
        "orders.services.placement.fulfilment_start", lambda *, order_id: None
    )
    found: list[str] = []
    screen.goto("/p/classic-t-shirt/")
    found += _problems(screen, "/p/classic-t-shirt/")
    screen.get_by_role("radio", name=re.compile("^XL")).check()
    screen.get_by_label("Quantity").fill("2")
    screen.get_by_role("button", name="Add to cart").click()
    screen.wait_for_url("**/cart/")
    expect(screen.get_by_role("status")).to_contain_text("Added 2 × Classic T-Shirt")
    row = screen.get_by_role("row").filter(has_text="Classic T-Shirt")
    expect(row.locator(".price").first).to_have_text("Unit price: $24.00")
    expect(row.locator(".line-total")).to_have_text("Line total: $48.00")
    if screen.viewport_name == "phone":
        expect(row.get_by_text("Unit price:")).to_be_visible()
    else:
        expect(row.get_by_text("Unit price:")).to_be_hidden()  # the column says it
    found += _problems(screen, "/cart/ (after adding)")

    screen.get_by_role("link", name="Checkout").click()
    screen.wait_for_url("**/checkout/")
    tokens = {
        "Email": ("email", "email"),
        "Phone": ("tel", "tel"),
        "Full name": ("shipping name", "text"),
        "Address line 1": ("shipping address-line1", "text"),
        "City": ("shipping address-level2", "text"),
        "State / region": ("shipping address-level1", "text"),
        "Postal code": ("shipping postal-code", "text"),
    }
    for label, (token, kind) in tokens.items():
        field = screen.get_by_label(label, exact=False).first
        expect(field).to_have_attribute("autocomplete", token)
        expect(field).to_have_attribute("type", kind)
    country = screen.get_by_label("Country")
    expect(country).to_have_attribute("autocomplete", "shipping country")
    expect(country).to_have_value("US")
    assert country.locator("option").first.inner_text() == "United States"
    sizes = _input_sizes(screen)
    assert sizes and all(size >= 16 for _, size in sizes), sizes
    found += _problems(screen, "/checkout/")

    screen.get_by_label("Email").fill("grace@example.com")
    screen.get_by_label("Full name").fill("Grace Hopper")
    screen.get_by_label("Address line 1").fill("1 Compiler Way")
    screen.get_by_label("City").fill("Arlington")
    screen.get_by_label("Postal code").fill("22201")
    screen.get_by_role("button", name="Continue to shipping").click()
    # No state: the form says what a US address needs, and keeps what was typed.
    expect(screen.get_by_role("alert").first).to_contain_text(
        "Enter the state: addresses in United States need one."
    )
    expect(screen.get_by_label("City")).to_have_value("Arlington")
    found += _problems(screen, "/checkout/ (with an error)")
    screen.get_by_label("State / region").fill("Virginia")
    screen.get_by_role("button", name="Continue to shipping").click()

    screen.wait_for_url("**/checkout/shipping/")
    _assert_big_radios(screen)
    found += _problems(screen, "/checkout/shipping/")
    screen.locator("label", has_text="Express").click()  # the label selects it
    expect(screen.get_by_role("radio", name="Express")).to_be_checked()
    screen.get_by_role("button", name="Continue to payment").click()

    screen.wait_for_url("**/checkout/payment/")
    _assert_big_radios(screen)
    found += _problems(screen, "/checkout/payment/")
    screen.get_by_role("button", name="Review order").click()

    screen.wait_for_url("**/checkout/review/")
    address = screen.locator("address")
    expect(address).to_contain_text("Arlington, VA 22201")
    expect(address).to_contain_text("United States")
    found += _problems(screen, "/checkout/review/")
    button = screen.get_by_role("button", name="Place order").bounding_box()
    footer = screen.locator("footer").bounding_box()
    assert footer["y"] - (button["y"] + button["height"]) >= 24  # not touching
    screen.get_by_role("button", name="Place order").click()

    screen.wait_for_url("**/checkout/complete/**")
    found += _problems(screen, "/checkout/complete/")
    assert found == []
