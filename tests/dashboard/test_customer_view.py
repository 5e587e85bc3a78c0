"""Staff's view of a customer: orders (signed in and guest), addresses, value, notes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from accounts.models import Address
from dashboard.models import CustomerNote
from orders.models import Order, Payment
from tests.factories.orders import OrderFactory, user_create

pytestmark = pytest.mark.django_db


def staff(client, *codenames: str):
    user = user_create(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def test_customer_page_shows_orders_value_addresses_and_notes(
    client, django_assert_max_num_queries
):
    customer = user_create()
    signed_in = OrderFactory(user=customer, email=customer.email)
    guest = OrderFactory(email=customer.email.upper())  # same address, as a guest
    OrderFactory(user=customer, email=customer.email, status=Order.Status.CANCELLED)
    OrderFactory(email="someone-else@example.com")
    Payment.objects.filter(order=guest).update(
        status=Payment.Status.CAPTURED,
        captured_amount=Decimal("25.00"),
        refunded_amount=Decimal("5.00"),
    )
    Address.objects.create(
        user=customer, name="Ada", line1="1 Loop", city="Leeds",
        postal_code="LS1 1AA", country="GB",
    )  # fmt: skip
    staff(client, "view_user", "view_order", "add_customernote")
    url = f"/admin/dashboard/customers/{customer.pk}/"
    with django_assert_max_num_queries(10):
        page = client.get(url)
    assert page.status_code == 200
    numbers = {order.number for order in page.context["orders"]}
    assert signed_in.number in numbers and guest.number in numbers
    assert len(numbers) == 3  # the cancelled one is listed, the stranger's is not
    (value,) = page.context["value"]
    assert value["orders"] == 2 and value["revenue"] == Decimal("45.00")
    assert "1 Loop" in page.content.decode()
    response = client.post(url, {"text": "  Prefers SMS.  "})
    assert response.status_code == 302
    note = CustomerNote.objects.get()
    assert note.text == "Prefers SMS." and note.customer == customer
    assert "Prefers SMS." in client.get(url).content.decode()


def test_blank_note_is_a_form_error_and_notes_need_their_permission(client):
    customer = user_create()
    staff(client, "view_user", "view_order", "add_customernote")
    url = f"/admin/dashboard/customers/{customer.pk}/"
    response = client.post(url, {"text": "   "})
    assert response.status_code == 400 and not CustomerNote.objects.exists()
    staff(client, "view_user", "view_order")  # may look, may not write
    assert client.post(url, {"text": "hello"}).status_code == 403
    assert not CustomerNote.objects.exists()
    staff(client, "view_user")
    assert client.get(url).status_code == 403


def test_user_list_links_to_the_customer_page(client):
    customer = user_create()
    staff(client, "view_user", "view_order")
    html = client.get("/admin/accounts/user/").content.decode()
    assert f'href="/admin/dashboard/customers/{customer.pk}/"' in html
