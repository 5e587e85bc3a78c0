"""Whole journeys in Chromium, checked on the page at every step.

Celery is eager in the test settings: placing an order runs fraud check →
capture → shipment → shipped in the live server's thread right after commit, so
the order page a shopper opens next already shows where the order got to.
Locators go by role and label: a control a test cannot find by its name is a
control a screen-reader user cannot find either.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import RequestFactory
from playwright.sync_api import Page, expect

from orders.groups import ORDER_MANAGERS, order_managers_group_ensure
from orders.models import Order, Payment
from shop.caching import catalog_get, catalog_key
from shop.models import Variant
from shop.permissions import catalog_managers_group_ensure
from shop.views import page_cache_key
from tests.accounts.signup_mail import confirmation_url
from tests.factories.accounts import UserFactory
from tests.factories.orders import ShippingMethodFactory
from tests.factories.shop import CategoryFactory, ProductFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRACKING = re.compile(r"SCP[0-9A-F]{12}")
TOTAL_ROW = re.compile(r"^Total ")  # a row is named by all its cells


@pytest.fixture
def catalog() -> dict[str, Variant]:
    """A small shop: a featured kettle in two finishes, a board, other kitchen things."""
    ShippingMethodFactory(
        code="standard",
        name="Standard",
        price=Decimal("5.00"),
        free_over=Decimal("200.00"),
    )
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    kettle = ProductFactory(
        category=kitchen,
        name="Copper Stovetop Kettle",
        slug="copper-stovetop-kettle",
        description="Whistling kettle for gas and induction hobs.",
        price=Decimal("64.00"),
        is_featured=True,
    )
    copper = VariantFactory(
        product=kettle,
        sku="KETTLE-CU",
        name="Polished copper",
        price=Decimal("64.00"),
        stock_on_hand=4,
    )
    matte = VariantFactory(
        product=kettle,
        sku="KETTLE-BK",
        name="Matte black",
        price=Decimal("69.00"),
        stock_on_hand=10,
    )
    board = ProductFactory(
        category=kitchen,
        name="Walnut Serving Board",
        slug="walnut-serving-board",
        description="Oiled walnut, end grain.",
        price=Decimal("48.00"),
    )
    walnut = VariantFactory(
        product=board,
        sku="BOARD-WAL",
        name="Large",
        price=Decimal("48.00"),
        stock_on_hand=6,
    )
    VariantFactory(
        product__category=kitchen,
        product__name="Linen Tea Towel",
        product__slug="linen-tea-towel",
        product__price=Decimal("9.00"),
        product__description="Stonewashed linen.",
    )
    return {"copper": copper, "matte": matte, "walnut": walnut}


def _staff_in(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _add_to_cart(page: Page, *, slug: str, option: str, quantity: int) -> None:
    page.goto(f"/p/{slug}/")
    page.get_by_role("radio", name=option).check()
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")


def _checkout(
    page: Page, *, email: str | None, card: str, items: str, subtotal: str, total: str
) -> str:
    """From the cart to the confirmation page; returns the order number."""
    page.get_by_role("link", name="Checkout").click()
    page.wait_for_url("**/checkout/")
    expect(
        page.get_by_role("heading", name="Contact and delivery address")
    ).to_be_visible()
    expect(
        page.get_by_role("list", name="Checkout steps").get_by_role("listitem").first
    ).to_have_attribute("aria-current", "step")
    if email is not None:
        expect(page.get_by_text("Checking out as a guest.")).to_be_visible()
        page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Address line 1").fill("1 Compiler Way")
    page.get_by_label("City").fill("Arlington")
    page.get_by_label("State / region").fill("VA")  # a US address needs its state
    page.get_by_label("Postal code").fill("22201")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name="Continue to shipping").click()

    page.wait_for_url("**/checkout/shipping/")
    expect(
        page.get_by_text("Standard: $5.00 (free on orders over $200.00)")
    ).to_be_visible()
    page.get_by_role("radio", name="Standard").check()
    page.get_by_role("button", name="Continue to payment").click()

    page.wait_for_url("**/checkout/payment/")
    page.get_by_role("radio", name=card).check()
    page.get_by_role("button", name="Review order").click()

    page.wait_for_url("**/checkout/review/")
    lines = page.get_by_role("table", name="Order lines")
    expect(lines.get_by_role("row").nth(1)).to_contain_text(items)
    expect(lines.get_by_role("row", name="Subtotal")).to_contain_text(subtotal)
    expect(lines.get_by_role("row", name="Shipping (Standard)")).to_contain_text(
        "$5.00"
    )
    expect(lines.get_by_role("row", name=TOTAL_ROW)).to_contain_text(total)
    expect(page.get_by_text("1 Compiler Way")).to_be_visible()
    page.get_by_role("button", name="Place order").click()

    page.wait_for_url("**/checkout/complete/**")
    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    expect(page.get_by_text(f"Total: {total}")).to_be_visible()
    return page.locator("#order-number").inner_text()


def _timeline(page: Page):
    return page.get_by_role("list").filter(
        has=page.get_by_role("listitem").filter(has_text="Order placed")
    )


def test_guest_browses_searches_buys_and_follows_the_order_to_shipped(page, catalog):
    # home: featured kettle, the category chip
    page.goto("/")
    featured = page.get_by_role("region", name="Featured products")
    expect(featured.get_by_role("link", name="Copper Stovetop Kettle")).to_be_visible()
    expect(featured.get_by_text("$64.00")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Kitchen").click()

    # category: all three products with their prices, cheapest first on request
    page.wait_for_url("**/c/kitchen/")
    expect(page.get_by_role("heading", name="Kitchen", level=1)).to_be_visible()
    expect(page.get_by_text("3 products")).to_be_visible()
    page.get_by_label("Sort by").select_option("price")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_url("**sort=price**")
    names = (
        page.get_by_role("listitem")
        .filter(has=page.get_by_role("link"))
        .filter(has_text="$")
    )
    expect(names).to_have_count(3)
    expect(names.nth(0)).to_contain_text("Linen Tea Towel")
    expect(names.nth(0)).to_contain_text("$9.00")
    expect(names.nth(2)).to_contain_text("Copper Stovetop Kettle")

    # search from the header finds the kettle by its description
    page.get_by_role("searchbox", name="Search products").fill("induction")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?q=induction")
    expect(page.get_by_role("heading", name="Results for “induction”")).to_be_visible()
    expect(page.get_by_text("1 product found")).to_be_visible()
    page.get_by_role("link", name="Copper Stovetop Kettle").click()

    # product page: both finishes with their own price and stock
    page.wait_for_url("**/p/copper-stovetop-kettle/")
    expect(
        page.get_by_role("heading", name="Copper Stovetop Kettle", level=1)
    ).to_be_visible()
    expect(page.get_by_role("radio", name="Polished copper")).to_be_enabled()
    copper_label = page.locator("label", has=page.get_by_text("Polished copper"))
    expect(copper_label).to_contain_text("$64.00")
    expect(copper_label).to_contain_text("Only 4 left")
    matte_label = page.locator("label", has=page.get_by_text("Matte black"))
    expect(matte_label).to_contain_text("$69.00")
    expect(matte_label).to_contain_text("In stock")

    # fill the cart: two copper kettles, then one black one
    page.get_by_role("radio", name="Polished copper").check()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    expect(page.get_by_role("status")).to_contain_text(
        "Added 2 × Copper Stovetop Kettle (Polished copper) to your cart."
    )
    _add_to_cart(page, slug="copper-stovetop-kettle", option="Matte black", quantity=1)
    cart = page.get_by_role("table", name="Items in your cart")
    expect(cart.get_by_role("row").filter(has_text="KETTLE-CU")).to_contain_text(
        "$128.00"
    )
    expect(cart.get_by_role("row").filter(has_text="KETTLE-BK")).to_contain_text(
        "$69.00"
    )
    expect(cart.get_by_role("row", name="Subtotal (3 items)")).to_contain_text(
        "$197.00"
    )

    # guest checkout with the approving test card
    number = _checkout(
        page,
        email="grace@example.com",
        card="Visa ending 4242",
        items="Copper Stovetop Kettle",
        subtotal="$197.00",
        total="$202.00",
    )
    expect(
        page.get_by_text("We sent a confirmation to grace@example.com.")
    ).to_be_visible()
    expect(page.get_by_text("Keep this link")).to_be_visible()

    # the confirmation's link is the guest's key to the order page
    page.get_by_role("link", name="Follow your order").click()
    # (the token is exchanged for the session: the browser lands on a clean URL)
    page.wait_for_url(f"**/orders/{number}/")
    expect(page.get_by_role("heading", name=f"Order {number}")).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Shipped")
    order = Order.objects.get(number=number)
    assert order.status == Order.Status.SHIPPED and order.user is None
    assert TRACKING.fullmatch(order.tracking_number)
    expect(
        page.get_by_text(f"Tracking: SecureCart Post {order.tracking_number}")
    ).to_be_visible()
    expect(page.get_by_role("row", name=TOTAL_ROW)).to_contain_text("$202.00")
    # the customer's milestones, in plain words: nothing of the fraud check,
    # the stock or the payment steps behind them
    timeline = _timeline(page)
    expect(timeline.get_by_role("listitem")).to_have_text(
        [
            re.compile("Order placed$"),
            re.compile("Payment confirmed$"),
            re.compile("Shipped$"),
        ]
    )
    expect(timeline).not_to_contain_text(re.compile("fraud|risk|stock", re.I))

    # the money was taken and the stock left the shelf
    assert order.payment.status == Payment.Status.CAPTURED
    copper = Variant.objects.get(sku="KETTLE-CU")
    assert (copper.stock_on_hand, copper.stock_reserved) == (2, 0)


def test_customer_signs_up_and_sees_order_history(page, catalog):
    # an anonymous cart first: it must survive signing up
    _add_to_cart(page, slug="walnut-serving-board", option="Large", quantity=1)
    page.get_by_role("link", name="Create account").click()

    page.wait_for_url("**/accounts/signup/")
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Username (optional)").fill("ada")
    page.get_by_label(re.compile(r"^Password")).fill("analytical-engine-1843")
    page.get_by_label("Confirm password").fill("analytical-engine-1843")
    page.get_by_role("button", name="Create account").click()

    # nothing is signed in yet: the link comes by email (the task ran eagerly,
    # in the live server's thread, before the answer)
    page.wait_for_url("**/accounts/signup/sent/")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    page.goto(confirmation_url(message))
    page.get_by_role("button", name="Confirm my account").click()

    page.wait_for_url(lambda url: "/accounts/signup/" not in url)
    expect(page.get_by_role("status")).to_contain_text(
        "Welcome! Your account is ready."
    )
    header = page.get_by_role("navigation", name="Account and cart")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()

    # no orders yet
    header.get_by_role("link", name="My orders").click()
    page.wait_for_url("**/orders/")
    expect(page.get_by_role("heading", name="My orders")).to_be_visible()
    expect(page.get_by_text("You have no orders yet.")).to_be_visible()

    # the board is still in the cart; one more thing, then check out signed in
    _add_to_cart(page, slug="copper-stovetop-kettle", option="Matte black", quantity=1)
    cart = page.get_by_role("table", name="Items in your cart")
    expect(cart.get_by_role("row").filter(has_text="BOARD-WAL")).to_contain_text(
        "$48.00"
    )
    expect(cart.get_by_role("row", name="Subtotal (2 items)")).to_contain_text(
        "$117.00"
    )
    page.get_by_role("link", name="Checkout").click()
    page.wait_for_url("**/checkout/")
    expect(page.get_by_text("Checking out as a guest.")).to_have_count(0)
    expect(page.get_by_label("Email")).to_have_value("ada@example.com")
    page.go_back()
    number = _checkout(
        page,
        email=None,
        card="Visa ending 4242",
        items="Walnut Serving Board",
        subtotal="$117.00",
        total="$122.00",
    )

    order = Order.objects.get(number=number)
    assert order.user.username == "ada" and order.email == "ada@example.com"
    expect(page.get_by_text("Keep this link")).to_have_count(0)  # it is in the account

    # order history: the order, its status and total; then its page
    page.get_by_role("navigation", name="Account and cart").get_by_role(
        "link", name="My orders"
    ).click()
    page.wait_for_url("**/orders/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
    expect(row).to_contain_text("Shipped")
    expect(row).to_contain_text("$122.00")
    row.get_by_role("link", name=number).click()
    page.wait_for_url(f"**/orders/{number}/")
    expect(page.get_by_role("heading", name=f"Order {number}")).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Shipped")
    expect(page.get_by_role("row").filter(has_text="BOARD-WAL")).to_contain_text(
        "$48.00"
    )
    expect(page.get_by_role("row").filter(has_text="KETTLE-BK")).to_contain_text(
        "$69.00"
    )


def _open_board_in_admin(staff: Page):
    """Products → Walnut Serving Board; returns the variant row's price input."""
    staff.get_by_role("rowheader", name="Products", exact=True).get_by_role(
        "link"
    ).click()
    staff.get_by_role("link", name="Walnut Serving Board").click()
    expect(staff.get_by_role("heading", name="Change product")).to_be_visible()
    row = (
        staff.get_by_role("group", name="Variants")
        .get_by_role("row")
        .filter(has_text="BOARD-WAL")
    )
    # Django's tabular inline gives its cells' inputs no label or name (see the
    # report): the row is found by role, the price cell by its column class.
    return row.locator("td.field-price input")


def _warm(page: Page) -> None:
    """A plain visitor (no session) fills the shared cache with today's prices."""
    for _ in range(2):  # the second visit is served from the cache
        page.goto("/c/kitchen/")
        expect(_listed(page, "Walnut Serving Board")).to_contain_text("$48.00")
        page.goto("/p/walnut-serving-board/")
        expect(page.locator("label", has=page.get_by_text("Large"))).to_contain_text(
            "$48.00"
        )
    # Both pages really sit in the shared cache now, so a fresh price after the
    # edit proves the invalidation, not a cache miss.
    for key in (
        page_cache_key(RequestFactory().get("/c/kitchen/")),
        catalog_key("product", "walnut-serving-board"),
    ):
        assert catalog_get(key)[1] is not None, key


def _listed(page: Page, name: str):
    return page.get_by_role("listitem").filter(has=page.get_by_role("link", name=name))


def test_staff_price_edit_shows_on_the_storefront_at_once(
    page, catalog, staff_page, redis_cache
):
    catalog_managers_group_ensure()
    editor = _staff_in("Catalog managers", "catalogue-editor")
    _warm(page)

    # staff lowers the board's price in the product's variants inline
    staff = staff_page(editor)
    variant_price = _open_board_in_admin(staff)
    expect(variant_price).to_have_value("48.00")
    variant_price.fill("42.50")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".messagelist")).to_contain_text(
        "The product “Walnut Serving Board” was changed successfully."
    )
    assert Variant.objects.get(sku="BOARD-WAL").price == Decimal("42.50")

    # the very next storefront requests show the new price, not the cached one:
    # the listing's "from" price follows the variant too
    page.goto("/c/kitchen/")
    expect(_listed(page, "Walnut Serving Board")).to_contain_text("$42.50")
    page.goto("/p/walnut-serving-board/")
    option = page.locator("label", has=page.get_by_text("Large"))
    expect(option).to_contain_text("$42.50")
    expect(page.get_by_role("main")).not_to_contain_text("$48.00")

    # and the cart charges it
    page.get_by_role("radio", name="Large").check()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    cart = page.get_by_role("table", name="Items in your cart")
    expect(cart.get_by_role("row").filter(has_text="BOARD-WAL")).to_contain_text(
        "$42.50"
    )
    expect(cart.get_by_role("row", name="Subtotal (1 item)")).to_contain_text("$42.50")


def test_staff_releases_a_fraud_hold_and_the_order_proceeds(page, catalog, staff_page):
    order_managers_group_ensure()
    manager = _staff_in(ORDER_MANAGERS, "order-manager")

    # a guest pays with the card the gateway rates highest risk
    _add_to_cart(page, slug="walnut-serving-board", option="Large", quantity=2)
    number = _checkout(
        page,
        email="mallory@example.com",
        card="Card flagged as highest risk",
        items="Walnut Serving Board",
        subtotal="$96.00",
        total="$101.00",
    )
    page.get_by_role("link", name="Follow your order").click()
    page.wait_for_url(f"**/orders/{number}/")
    customer_url = page.url
    # held for review, but the customer reads neither the hold nor its reasons
    expect(page.locator("#order-status")).to_have_text("Processing")
    expect(_timeline(page).get_by_role("listitem")).to_have_text(
        [re.compile("Order placed$")]
    )
    expect(page.locator("main")).not_to_contain_text(re.compile("risk|hold", re.I))
    expect(page.get_by_text("Tracking:")).to_have_count(0)
    assert Order.objects.get(number=number).payment.status == Payment.Status.AUTHORISED

    # the order manager finds it among the held orders and releases it
    staff = staff_page(manager)
    staff.get_by_role("rowheader", name="Orders", exact=True).get_by_role(
        "link"
    ).click()
    staff.get_by_role("link", name="On hold").click()
    staff.wait_for_url("**status__exact=on_hold**")
    results = staff.get_by_role("table").filter(
        has=staff.get_by_role("link", name=number)
    )
    expect(results.get_by_role("row").filter(has_text=number)).to_contain_text(
        "On hold"
    )
    staff.get_by_role(
        "checkbox", name=f"Select this object for an action - {number}"
    ).check()
    staff.get_by_role("combobox", name=re.compile(r"^Action")).select_option(
        label="Release from hold…"
    )
    staff.get_by_role("button", name="Go").click()
    # a confirmation page says what will happen and asks why
    expect(staff.get_by_role("heading", name="What will happen")).to_be_visible()
    expect(staff.get_by_text("fulfilment resumes")).to_be_visible()
    staff.get_by_label("Reason").fill("called the customer, card is theirs")
    staff.get_by_role("button", name="Confirm: release from hold").click()
    expect(staff.locator(".messagelist")).to_contain_text("Released 1 order(s).")

    # the admin's order page: eager Celery ran the resumed workflow before the
    # release's response, so the order is already shipped; the release is in
    # the timeline under the manager's name
    staff.goto("/admin/orders/order/?q=" + number)
    staff.get_by_role("link", name=number).click()
    expect(staff.get_by_role("heading", name="View order")).to_be_visible()
    # the admin renders read-only fields as plain divs: found by their class
    expect(staff.locator(".field-status .readonly")).to_have_text("Shipped")
    events = staff.get_by_role("group", name="Order events")
    release = events.get_by_role("row").filter(has_text="order-manager")
    expect(release).to_have_count(1)
    expect(release).to_contain_text("on_hold")
    expect(release).to_contain_text("processing")
    shipped = events.get_by_role("row").filter(has_text="Shipped with SecureCart Post")
    expect(shipped).to_have_count(1)
    expect(shipped).to_contain_text("system:fulfilment")
    expect(shipped).to_contain_text(TRACKING)

    # the customer's page follows: released, paid and shipped
    page.goto(customer_url)
    expect(page.locator("#order-status")).to_have_text("Shipped")
    order = Order.objects.get(number=number)
    assert order.payment.status == Payment.Status.CAPTURED
    expect(
        page.get_by_text(f"Tracking: SecureCart Post {order.tracking_number}")
    ).to_be_visible()
    expect(_timeline(page).get_by_role("listitem")).to_have_text(
        [
            re.compile("Order placed$"),
            re.compile("Payment confirmed$"),
            re.compile("Shipped$"),
        ]
    )
    expect(page.locator("main")).not_to_contain_text(re.compile("staff|risk", re.I))
