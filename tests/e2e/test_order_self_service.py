"""A guest keeps hold of their order, in Chromium at desktop and phone sizes:
the confirmation email's link opens the order page on a clean URL, "find my
order" emails a link that does the same, signing up with the order's email
brings the order into the account, and an order is cancelled before it ships.
axe-core finds nothing on the pages these journeys visit."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from orders.models import Order, Payment
from shop.models import Variant
from tests.accounts.signup_mail import confirmation_url
from tests.e2e.axe import AXE_JS, assert_accessible, axe_violations
from tests.e2e.conftest import close_keeping_screenshots
from tests.e2e.test_checkout import _add_to_cart, _checkout, lamp  # noqa: F401
from tests.services import service_missing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORDER_LINK = re.compile(r"See your order: (\S+)")
LOOKUP_LINK = re.compile(r"https?://\S+/orders/find/open/\?t=\S+")
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(VIEWPORTS))
def shopper(request, page: Page, live_server, settings, lamp) -> Page:  # noqa: F811
    if not AXE_JS.exists():
        service_missing("axe-core is not installed (make install runs npm ci)")
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    settings.SITE_URL = live_server.url  # links in emails point at this server
    return page


def _mail_to(address: str, subject: str):
    found = [m for m in mail.outbox if m.to == [address] and subject in m.subject]
    assert len(found) == 1, [m.subject for m in mail.outbox]
    return found[0]


@pytest.fixture
def fresh_browser(shopper: Page, live_server, request) -> Iterator[Callable[[], Page]]:
    """Another browser (no cookies), the one the email is opened in, at the same
    size; its screenshot is kept next to the shopper's."""
    contexts = []

    def open_one() -> Page:
        context = shopper.context.browser.new_context(
            base_url=live_server.url, viewport=shopper.viewport_size
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_one
    close_keeping_screenshots(contexts, request, label="email")


def _guest_order(shopper: Page, email: str) -> Order:
    _add_to_cart(shopper)
    return Order.objects.get(number=_checkout(shopper, email=email))


def test_the_confirmation_email_link_opens_the_order_without_the_token(
    shopper, fresh_browser
):
    order = _guest_order(shopper, "grace@example.com")
    message = _mail_to("grace@example.com", f"Order {order.number} confirmed")
    (link,) = ORDER_LINK.findall(message.body)
    assert order.access_token in link  # the guest's key, spent on first use

    elsewhere = fresh_browser()
    elsewhere.goto(link)
    elsewhere.wait_for_url(f"**/orders/{order.number}/")
    assert "token" not in elsewhere.url
    expect(
        elsewhere.get_by_role("heading", name=f"Order {order.number}")
    ).to_be_visible()
    expect(elsewhere.locator("#order-status")).to_have_text("Placed")
    timeline = elsewhere.locator("ol.timeline li")
    expect(timeline).to_have_count(1)
    expect(timeline).to_contain_text("Order placed")
    assert_accessible(elsewhere)
    # the history entry is the clean URL too: reloading needs no token
    elsewhere.reload()
    expect(elsewhere.locator("#order-status")).to_have_text("Placed")


def test_find_my_order_emails_a_link_that_opens_it(shopper, fresh_browser):
    order = _guest_order(shopper, "lin@example.com")
    lost = fresh_browser()
    lost.goto("/accounts/login/")
    lost.get_by_role("link", name="Find your order").click()
    lost.wait_for_url("**/orders/find/")
    expect(lost.get_by_role("heading", name="Find your order")).to_be_visible()
    assert_accessible(lost)
    lost.get_by_label("Order number").fill(order.number.lower())
    lost.get_by_label("Email address").fill("LIN@example.com")
    lost.get_by_role("button", name="Email me a link").click()
    lost.wait_for_url("**/orders/find/sent/")
    expect(lost.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(lost)

    message = _mail_to("lin@example.com", f"Your order {order.number}")
    (link,) = LOOKUP_LINK.findall(message.body)
    lost.goto(link)
    lost.wait_for_url(f"**/orders/{order.number}/")
    assert "?" not in lost.url
    expect(lost.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()


def test_signing_up_with_the_order_email_brings_the_guest_order_in(shopper):
    order = _guest_order(shopper, "ada@example.com")
    assert order.user is None

    shopper.goto("/accounts/signup/")
    shopper.get_by_label("Email address").fill("Ada@Example.com")
    shopper.get_by_label(re.compile(r"^Password")).fill("analytical-engine-1843")
    shopper.get_by_label("Confirm password").fill("analytical-engine-1843")
    shopper.get_by_role("button", name="Create account").click()
    shopper.wait_for_url("**/accounts/signup/sent/")
    signup_mail = [m for m in mail.outbox if "confirm" in m.body.lower()][-1]
    shopper.goto(confirmation_url(signup_mail))
    shopper.get_by_role("button", name="Confirm my account").click()
    shopper.wait_for_url(lambda url: "/accounts/signup/" not in url)

    shopper.goto("/orders/")
    expect(shopper.get_by_role("heading", name="My orders")).to_be_visible()
    row = shopper.get_by_role("row").filter(
        has=shopper.get_by_role("link", name=order.number)
    )
    expect(row).to_contain_text("$45.00")
    assert Order.objects.get(pk=order.pk).user.email == "Ada@example.com"


def test_a_guest_cancels_before_shipping(shopper, lamp):  # noqa: F811
    order = _guest_order(shopper, "ken@example.com")
    assert Variant.objects.get(pk=lamp.pk).stock_reserved == 1

    shopper.get_by_role("link", name="Follow your order").click()
    shopper.wait_for_url(f"**/orders/{order.number}/")
    shopper.get_by_role("link", name="Cancel this order").click()
    shopper.wait_for_url(f"**/orders/{order.number}/cancel/")
    expect(
        shopper.get_by_role("heading", name=f"Cancel order {order.number}?")
    ).to_be_visible()
    assert_accessible(shopper)
    shopper.get_by_role("button", name="Yes, cancel my order").click()

    shopper.wait_for_url(f"**/orders/{order.number}/")
    expect(shopper.locator("#order-status")).to_have_text("Cancelled")
    expect(shopper.get_by_text("Your order is cancelled.")).to_be_visible()
    expect(shopper.get_by_role("link", name="Cancel this order")).to_have_count(0)
    expect(shopper.locator("ol.timeline li").last).to_contain_text("Cancelled")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Variant.objects.get(pk=lamp.pk).stock_reserved == 0
    assert Payment.objects.get(order=order).status == "voided"
    _mail_to("ken@example.com", f"Order {order.number} was cancelled")


def test_the_axe_check_reports_what_it_finds(page):
    """The check above is not vacuous: a page with an unlabelled field fails."""
    if not AXE_JS.exists():
        service_missing("axe-core is not installed (make install runs npm ci)")
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<input type="text" id="x"></main></body></html>'
    )
    rules = {violation["rule"] for violation in axe_violations(page)}
    assert "label" in rules
