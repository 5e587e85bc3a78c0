"""The admin pages staff work in, in Chromium at 1366 × 768: nothing wider
than the window, and axe-core finds no critical or serious problem (nor an
empty table header)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from orders.groups import ORDER_MANAGERS, order_managers_group_ensure
from orders.services.returns import return_request
from shop.permissions import CATALOG_MANAGERS, catalog_managers_group_ensure
from tests.e2e.axe import axe_violations
from tests.factories.accounts import UserFactory
from tests.factories.orders import OrderFactory, order_shipped_captured
from tests.factories.shop import ProductFactory, ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 1366


@pytest.fixture
def staff_user():
    order_managers_group_ensure()
    catalog_managers_group_ensure()
    user = UserFactory(username="shop-staff", is_staff=True)
    user.groups.add(
        Group.objects.get(name=ORDER_MANAGERS), Group.objects.get(name=CATALOG_MANAGERS)
    )
    return user


@pytest.fixture
def shop_data():
    product = ProductFactory(name="Copper Stovetop Kettle", price=Decimal("64.00"))
    for sku, finish in (("KETTLE-CU", "Polished copper"), ("KETTLE-BK", "Matte black")):
        VariantFactory(
            product=product,
            sku=sku,
            name=finish,
            options={"finish": finish, "capacity": "1.5 l"},
            price=Decimal("64.00"),
        )
    ProductImageFactory(product=product, alt_text="The kettle on a hob")
    order = OrderFactory(risk_score=40, risk_reasons=["new card (+20)", "far IP (+20)"])
    shipped = order_shipped_captured()
    return_request(order=shipped, lines={shipped.lines.get().pk: 1}, reason="too small")
    return {"product": product, "order": order, "shipped": shipped}


def _serious(page) -> list[dict]:
    return [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]


def _empty_headers(page) -> list[dict]:
    return [v for v in axe_violations(page) if v["rule"] == "empty-table-header"]


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def _clipped_tables(page) -> list[str]:
    """Tables wider than the box they sit in (cut off or scrolled sideways)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#content table')]
            .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
            .map(t => t.closest('[id]') ? t.closest('[id]').id : t.className)"""
    )


@pytest.mark.parametrize(
    "where",
    [
        "order_list",
        "order_change",
        "shipped_order_change",
        "return_list",
        "product_list",
        "product_change",
        "dashboard",
    ],
)
def test_admin_page_fits_1366_and_has_no_serious_axe_violation(
    staff_page, staff_user, shop_data, where
):
    urls = {
        "order_list": "/admin/orders/order/",
        "order_change": f"/admin/orders/order/{shop_data['order'].pk}/change/",
        "shipped_order_change": (
            f"/admin/orders/order/{shop_data['shipped'].pk}/change/"
        ),
        "return_list": "/admin/orders/returnrequest/",
        "product_list": "/admin/shop/product/",
        "product_change": f"/admin/shop/product/{shop_data['product'].pk}/change/",
        "dashboard": "/admin/dashboard/",
    }
    staff = staff_page(staff_user)
    staff.set_viewport_size({"width": WIDTH, "height": 768})
    response = staff.goto(urls[where])
    assert response is not None and response.status == 200
    assert _serious(staff) == []
    assert _empty_headers(staff) == []
    assert _overflow(staff) <= WIDTH
    assert _clipped_tables(staff) == []


@pytest.mark.parametrize(
    "where", ["sales", "email_previews", "customer", "export", "import"]
)
def test_staff_tool_page_fits_1366_and_has_no_serious_axe_violation(
    staff_page, shop_data, where
):
    lead = UserFactory(username="shift-lead", is_staff=True, is_superuser=True)
    customer = UserFactory(username="a-customer")
    urls = {
        "sales": "/admin/dashboard/sales/",
        "email_previews": "/admin/dashboard/emails/",
        "customer": f"/admin/dashboard/customers/{customer.pk}/",
        "export": "/admin/dashboard/export/orders/?status__exact=placed",
        "import": "/admin/dashboard/import/products/",
    }
    staff = staff_page(lead)
    staff.set_viewport_size({"width": WIDTH, "height": 768})
    response = staff.goto(urls[where])
    assert response is not None and response.status == 200
    assert _serious(staff) == []
    assert _empty_headers(staff) == []
    assert _overflow(staff) <= WIDTH
