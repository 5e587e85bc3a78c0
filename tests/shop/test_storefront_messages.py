"""What a shopper reads: flash messages as a live region of paragraphs, stock
messages naming the product, and the favicon browsers ask for."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from tests.factories.shop import VariantFactory

pytestmark = pytest.mark.django_db


def _add(client, variant, quantity: int):
    return client.post(
        f"/p/{variant.product.slug}/",
        {"sku": variant.sku, "quantity": str(quantity)},
        follow=True,
    )


def test_flash_message_is_a_status_region_of_paragraphs_not_a_list(client):
    variant = VariantFactory(product__name="Harbour Mug", name="Ocean", stock_on_hand=5)

    body = _add(client, variant, 1).content.decode()

    region = re.search(r'<div class="messages" role="status">(.*?)</div>', body, re.S)
    assert region, body
    assert '<p class="message success">Added 1 × Harbour Mug (Ocean)' in region.group(1)
    assert "<li" not in region.group(1)
    assert 'role="status"' not in body.replace(region.group(0), "")


def test_stock_messages_name_the_product_not_its_sku(client):
    variant = VariantFactory(
        product__name="Harbour Mug", name="Ocean", sku="MUG-OCEAN-7", stock_on_hand=3
    )

    body = _add(client, variant, 5).content.decode()

    assert "Only 3 of Harbour Mug (Ocean) available; you asked for 5." in body
    assert "Only 3 of MUG-OCEAN-7" not in body

    _add(client, variant, 3)
    variant.stock_on_hand = 0
    variant.save()
    update = client.post(
        "/cart/update/", {"sku": variant.sku, "quantity": "2"}, follow=True
    )
    assert "Harbour Mug (Ocean) is out of stock." in update.content.decode()


def test_cart_labels_each_price_for_phones(client):
    variant = VariantFactory(stock_on_hand=5, price="70.99")
    _add(client, variant, 2)

    body = client.get("/cart/").content.decode()

    assert '<span class="cell-label">Unit price: </span>$70.99' in body
    assert '<span class="cell-label">Line total: </span>$141.98' in body


def test_favicon_ico_is_served_from_static_files(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("favicon.ico")
    with open(finders.find("favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file
