from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from shop.models import Product, Variant
from shop.permissions import CATALOG_MANAGER_PERMISSIONS, CATALOG_MANAGERS
from tests.factories.shop import CartLineFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user(
        "carla", password="pw-long-enough-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name=CATALOG_MANAGERS))
    return user


def test_catalog_managers_group_has_exactly_the_catalog_permissions():
    group = Group.objects.get(name=CATALOG_MANAGERS)
    granted = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert granted == CATALOG_MANAGER_PERMISSIONS | {"securecart.view_operations"}
    assert "shop.change_variant" in granted and "shop.add_productimage" in granted
    # retiring is by deactivation; carts, orders and users are not theirs
    assert (
        not {"shop.delete_product", "shop.delete_category", "shop.view_cart"} & granted
    )
    assert not any(p.startswith(("accounts.", "auth.", "orders.")) for p in granted)


def test_catalog_manager_edits_products_but_not_carts_or_users(client, manager):
    product = VariantFactory().product
    CartLineFactory()
    client.force_login(manager)
    assert client.get("/admin/shop/product/").status_code == 200
    assert client.get(f"/admin/shop/product/{product.pk}/change/").status_code == 200
    assert client.get("/admin/shop/variant/?stock=low").status_code == 200
    assert client.get("/admin/shop/cart/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get(f"/admin/shop/product/{product.pk}/delete/").status_code == 403


def test_product_changelist_filters_and_search(admin_client):
    low = VariantFactory(sku="LOW-1", stock_on_hand=3, product__name="Low Lamp").product
    VariantFactory(sku="PLENTY-1", stock_on_hand=50, product__name="Plenty Pot")
    ProductFactory(name="Gone Mug", is_active=False)

    def names(query):
        response = admin_client.get(f"/admin/shop/product/?{query}")
        assert response.status_code == 200
        return {p.name for p in response.context["cl"].result_list}

    assert names("stock=low") == {"Low Lamp"}
    assert names("is_active__exact=0") == {"Gone Mug"}
    assert names("q=PLENTY-1") == {"Plenty Pot"}
    assert names(f"category__id__exact={low.category_id}") == {"Low Lamp"}


def test_bulk_deactivate_and_activate_invalidate_the_storefront_cache(
    admin_client, client
):
    products = [VariantFactory(product__name=f"Bulk {i}").product for i in range(2)]
    category_url = f"/c/{products[0].category.slug}/"
    assert "Bulk 0" in client.get(category_url).content.decode()

    response = admin_client.post(
        "/admin/shop/product/",
        {"action": "deactivate_products", "_selected_action": [p.pk for p in products]},
        follow=True,
    )
    assert "Deactivated 2 product(s)." in response.content.decode()
    assert not Product.objects.filter(is_active=True).exists()
    assert client.get(f"/p/{products[0].slug}/").status_code == 404
    assert "Bulk 0" not in client.get(category_url).content.decode()

    admin_client.post(
        "/admin/shop/product/",
        {"action": "activate_products", "_selected_action": [products[0].pk]},
    )
    assert client.get(f"/p/{products[0].slug}/").status_code == 200


def test_variant_price_and_stock_are_editable_in_the_changelist(admin_client, client):
    variant = VariantFactory(price=Decimal("10.00"), stock_on_hand=4)
    client.get(f"/p/{variant.product.slug}/")  # warm the cache
    response = admin_client.post(
        "/admin/shop/variant/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(variant.pk),
            "form-0-price": "14.50",
            "form-0-stock_on_hand": "9",
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.stock_on_hand) == (Decimal("14.50"), 9)
    assert "$14.50" in client.get(f"/p/{variant.product.slug}/").content.decode()


def test_admin_cannot_set_stock_below_reserved(admin_client):
    variant = VariantFactory(stock_on_hand=5, stock_reserved=4)
    response = admin_client.post(
        "/admin/shop/variant/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(variant.pk),
            "form-0-price": "10.00",
            "form-0-stock_on_hand": "2",
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 200  # the form is shown again with an error
    assert Variant.objects.get(pk=variant.pk).stock_on_hand == 5


def test_admin_edit_does_not_overwrite_stock_reserved_meanwhile(
    admin_client, monkeypatch
):
    from shop.admin import VariantAdmin

    variant = VariantFactory(stock_on_hand=10, stock_reserved=0, price=Decimal("5.00"))
    original_get_object = VariantAdmin.get_object

    def get_object_then_checkout_reserves(self, *args, **kwargs):
        obj = original_get_object(self, *args, **kwargs)
        # checkout reserves stock after admin loaded the row, before it saves
        Variant.objects.filter(pk=variant.pk).update(stock_reserved=3)
        return obj

    monkeypatch.setattr(VariantAdmin, "get_object", get_object_then_checkout_reserves)
    response = admin_client.post(
        f"/admin/shop/variant/{variant.pk}/change/",
        {
            "product": variant.product_id,
            "sku": variant.sku,
            "name": variant.name,
            "options": "{}",
            "price": "6.00",
            "currency": "USD",
            "stock_on_hand": "10",
            "is_active": "on",
            "position": "0",
        },
    )
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.stock_reserved) == (Decimal("6.00"), 3)


def test_variant_price_edit_in_admin_moves_the_products_from_price(
    admin_client, client
):
    product = ProductFactory(price=Decimal("48.00"))
    small = VariantFactory(product=product, price=Decimal("48.00"), sku="B-S")
    VariantFactory(product=product, price=Decimal("60.00"), sku="B-L")
    listing = f"/c/{product.category.slug}/"
    assert "$48.00" in client.get(listing).content.decode()

    response = admin_client.post(
        "/admin/shop/variant/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(small.pk),
            "form-0-price": "42.50",
            "form-0-stock_on_hand": str(small.stock_on_hand),
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).price == Decimal("42.50")
    body = client.get(listing).content.decode()
    assert "$42.50" in body and "$48.00" not in body


def test_variant_inline_inputs_are_named_for_screen_readers(admin_client):
    product = VariantFactory(sku="SKU-123").product
    VariantFactory(product=product, sku="SKU-456")

    response = admin_client.get(f"/admin/shop/product/{product.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    for sku in ("SKU-123", "SKU-456"):
        for label in ("Price", "Stock on hand", "Sku", "Is active"):
            assert html.count(f'aria-label="{label} of {sku}"') == 1, (label, sku)
    # Each aria-label sits on that row's own input, not on another row's.
    formset = response.context["inline_admin_formsets"][0].formset
    for form in formset.forms:
        sku = form.instance.sku
        assert f'aria-label="Price of {sku}"' in str(form["price"])
        assert f'aria-label="Stock on hand of {sku}"' in str(form["stock_on_hand"])
    # The blank row that "Add another" copies names a new variant.
    assert 'aria-label="Price of new variant"' in html
