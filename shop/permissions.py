"""The "Catalog managers" staff role and exactly the permissions it needs."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from securecart.models import operations_permission

CATALOG_MANAGERS = "Catalog managers"

# Catalog managers keep the catalog: create and edit categories and products (retire
# them by deactivating: products may be on past orders, so no product/category
# delete), manage variants' prices and stock and product images. Nothing about carts,
# orders, users or groups.
CATALOG_MANAGER_PERMISSIONS: frozenset[str] = frozenset(
    {
        "shop.view_category",
        "shop.add_category",
        "shop.change_category",
        "shop.view_product",
        "shop.add_product",
        "shop.change_product",
        "shop.view_variant",
        "shop.add_variant",
        "shop.change_variant",
        "shop.delete_variant",
        "shop.view_productimage",
        "shop.add_productimage",
        "shop.change_productimage",
        "shop.delete_productimage",
    }
)


def catalog_managers_group_ensure(*, using: str = "default") -> Group:
    """Create the group (or reset its permissions to exactly the list above)."""
    group, _ = Group.objects.using(using).get_or_create(name=CATALOG_MANAGERS)
    wanted = []
    for name in sorted(CATALOG_MANAGER_PERMISSIONS):
        app_label, codename = name.split(".")
        wanted.append(
            Permission.objects.using(using).get(
                content_type__app_label=app_label, codename=codename
            )
        )
    # and the operations dashboard (low stock, orders, queues)
    group.permissions.set([*wanted, operations_permission(using=using)])
    return group
