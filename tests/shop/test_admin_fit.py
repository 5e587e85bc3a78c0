"""Catalog admin fit and finish: the product price follows its variants (shown,
not edited), variant options are name/value rows, images show as thumbnails,
every inline and list input has an accessible name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.models import Product, Variant
from tests.factories.shop import ProductFactory, ProductImageFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _product_post(product: Product, variant: Variant, **variant_data) -> dict:
    """The product change form as the browser sends it (one variant, no images)."""
    return {
        "category": product.category_id,
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "currency": product.currency,
        "is_active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": variant.sku,
        "variants-0-name": variant.name,
        "variants-0-price": str(variant.price),
        "variants-0-currency": variant.currency,
        "variants-0-stock_on_hand": str(variant.stock_on_hand),
        "variants-0-is_active": "on",
        "variants-0-position": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        **{f"variants-0-{k}": v for k, v in variant_data.items()},
    }


@pytest.fixture
def kettle():
    product = ProductFactory(name="Kettle", price=Decimal("64.00"))
    variant = VariantFactory(
        product=product, sku="K-1", price=Decimal("64.00"), options={"finish": "copper"}
    )
    return product, variant


def test_product_price_is_shown_with_its_note_and_cannot_be_posted(
    admin_client, kettle
):
    product, variant = kettle
    url = f"/admin/shop/product/{product.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "Follows the cheapest active variant" in page
    assert 'name="price"' not in page
    data = _product_post(
        product,
        variant,
        options_rows="3",
        options_key_0="finish",
        options_value_0="copper",
    )
    response = admin_client.post(url, {**data, "price": "1.00"})
    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).price == Decimal("64.00")


def test_variant_options_are_edited_as_name_value_rows(admin_client, kettle):
    product, variant = kettle
    url = f"/admin/shop/product/{product.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="variants-0-options_key_0" value="finish"' in page
    assert 'aria-label="Option 1 value of K-1"' in page
    assert "{&quot;finish" not in page  # no JSON box
    data = _product_post(
        product,
        variant,
        options_rows="3",
        options_key_0="finish",
        options_value_0="black",
        options_key_1="capacity",
        options_value_1="1.5 l",
        options_key_2="",
        options_value_2="",
    )
    assert admin_client.post(url, data).status_code == 302
    assert Variant.objects.get(pk=variant.pk).options == {
        "finish": "black",
        "capacity": "1.5 l",
    }


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ({"options_key_0": "", "options_value_0": "orphan"}, "needs a name"),
        (
            {
                "options_key_0": "size",
                "options_value_0": "S",
                "options_key_1": "size",
                "options_value_1": "L",
            },
            "only once",
        ),
    ],
)
def test_bad_option_rows_are_a_form_error_and_nothing_changes(
    admin_client, kettle, rows, error
):
    product, variant = kettle
    url = f"/admin/shop/product/{product.pk}/change/"
    response = admin_client.post(
        url, _product_post(product, variant, options_rows="2", **rows)
    )
    assert response.status_code == 200 and error in response.content.decode()
    assert Variant.objects.get(pk=variant.pk).options == {"finish": "copper"}


def test_product_list_shows_thumbnails_and_labels_its_boxes(
    admin_client, kettle, django_assert_max_num_queries
):
    product, _ = kettle
    image = ProductImageFactory(product=product, alt_text="Kettle on a hob")
    for _ in range(3):
        ProductImageFactory(product=VariantFactory().product)
    with django_assert_max_num_queries(12):  # images prefetched, not one per row
        page = admin_client.get("/admin/shop/product/").content.decode()
    assert f'src="{image.image.url}"' in page and 'class="admin-thumb"' in page
    assert 'aria-label="Is active: Kettle"' in page


def test_image_inline_inputs_and_delete_boxes_are_named(admin_client, kettle):
    product, _ = kettle
    ProductImageFactory(product=product, alt_text="Kettle on a hob")
    page = admin_client.get(
        f"/admin/shop/product/{product.pk}/change/"
    ).content.decode()
    assert 'aria-label="Delete K-1"' in page
    assert 'aria-label="Alt text of product image Kettle on a hob"' in page
    assert 'aria-label="Alt text of new product image"' in page
    assert 'class="admin-thumb"' in page
