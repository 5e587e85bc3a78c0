"""Revenue per sale: checkout records the sale that priced each line, and the
Sale admin list shows the sale's orders and revenue (lines less discounts)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Order, OrderLine
from orders.selectors import SaleRevenue, sale_revenue
from tests.factories.orders import (
    CatalogVariantFactory,
    cart_with,
    checkout_payload,
    user_create,
)
from tests.factories.promotions import SaleFactory, VoucherFactory
from tests.promotions.conftest import apply_code, checkout

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_fulfilment", "standard_shipping"),
]


@pytest.fixture
def catalog():
    on_sale = CatalogVariantFactory(price=Decimal("50.00"), stock_on_hand=20)
    plain = CatalogVariantFactory(price=Decimal("30.00"), stock_on_hand=20)
    sale = SaleFactory(name="Black Friday", value=Decimal("20"))
    sale.products.set([on_sale.product])
    other = SaleFactory(name="Nothing sold")
    return sale, other, on_sale, plain


def _place(client, lines, code=None) -> Order:
    cart = cart_with(lines)
    if code:
        assert apply_code(client, cart, code).status_code == 200
    response = checkout(client, checkout_payload(cart))
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def test_two_orders_with_a_sale_line_and_one_without(client, catalog):
    sale, other, on_sale, plain = catalog
    VoucherFactory(code="TEN", kind="percentage", value=Decimal("10"))
    # 2 × 50 at 40 on sale (100 - 20) and 30: the voucher takes 11.00, 8.00 of it
    # from the sale line, which brings in 100 - 20 - 8 = 72.00.
    first = _place(client, [(on_sale, 2), (plain, 1)], code="TEN")
    second = _place(client, [(on_sale, 1)])  # 50 - 10 = 40.00
    _place(client, [(plain, 2)])

    lines = OrderLine.objects.filter(sale=sale)
    assert {line.order_id for line in lines} == {first.pk, second.pk}
    assert {line.sale_name for line in lines} == {"Black Friday"}
    assert not OrderLine.objects.filter(variant=plain).exclude(sale=None).exists()
    expected = sum((line.line_total - line.discount_total for line in lines), Decimal())
    assert expected == Decimal("112.00")

    assert sale_revenue(sale_ids=[sale.pk, other.pk]) == {
        sale.pk: SaleRevenue(orders=2, revenue=Decimal("112.00"))
    }

    client.force_login(user_create(is_staff=True, is_superuser=True))
    body = client.get("/admin/promotions/sale/").content.decode()
    assert '<td class="field-orders">2</td>' in body
    assert '<td class="field-revenue">112.00</td>' in body
    assert '<td class="field-revenue">0.00</td>' in body  # the other sale

    Order.objects.filter(pk=second.pk).update(status=Order.Status.CANCELLED)
    assert sale_revenue(sale_ids=[sale.pk])[sale.pk] == SaleRevenue(
        orders=1, revenue=Decimal("72.00")
    )


def test_the_sale_list_reads_revenue_in_one_query(
    client, catalog, django_assert_max_num_queries
):
    sale, _, on_sale, _ = catalog
    _place(client, [(on_sale, 1)])
    for n in range(5):
        SaleFactory(name=f"Extra {n}")
    client.force_login(user_create(is_staff=True, is_superuser=True))
    client.get("/admin/promotions/sale/")  # warm the session and permissions
    with django_assert_max_num_queries(8) as captured:
        assert client.get("/admin/promotions/sale/").status_code == 200
    revenue_queries = [
        q for q in captured.captured_queries if "orders_orderline" in q["sql"]
    ]
    assert len(revenue_queries) == 1
