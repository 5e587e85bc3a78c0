"""The guest order link's token leaves the URL after the first visit."""

import pytest
from django.test import Client

from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def test_token_in_the_link_is_exchanged_for_the_session_and_a_clean_url(client):
    order = OrderFactory(user=None)
    clean = f"/orders/{order.number}/"

    first = client.get(f"{clean}?token={order.access_token}")

    assert first.status_code == 302
    assert first["Location"] == clean
    assert order.access_token not in first["Location"]
    assert first["Referrer-Policy"] == "no-referrer"
    page = client.get(clean)
    assert page.status_code == 200
    assert order.number in page.content.decode()
    # another browser, without the link, sees nothing
    assert Client().get(clean).status_code == 404


def test_a_wrong_token_is_not_remembered(client):
    order = OrderFactory(user=None)
    clean = f"/orders/{order.number}/"

    assert client.get(f"{clean}?token=wrong").status_code == 404
    assert client.get(clean).status_code == 404
