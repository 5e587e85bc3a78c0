"""Create the demo catalog and the demo staff login (safe to run again)."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from shop import services
from shop.demo import CATEGORIES, demo_products, product_png
from shop.models import Category, Product, ProductImage, Variant
from shop.permissions import catalog_managers_group_ensure

DEFAULT_STAFF_PASSWORD = "securecart-demo"  # noqa: S105 - documented demo login


class Command(BaseCommand):
    help = (
        "Create a demo catalog (categories, products, variants, images) and the demo "
        "staff superuser `staff`; idempotent. Prints the staff login."
    )

    def handle(self, *args, **options) -> None:
        created = self._seed_catalog()
        catalog_managers_group_ensure()
        services.catalog_cache_invalidate()
        self.stdout.write(
            f"Demo catalog: {Category.objects.count()} categories, "
            f"{Product.objects.count()} products, {Variant.objects.count()} variants "
            f"({created} products created this run)."
        )
        self._staff_login()

    @transaction.atomic
    def _seed_catalog(self) -> int:
        categories: dict[str, Category] = {}
        for position, (slug, name, parent, description) in enumerate(CATEGORIES):
            categories[slug], _ = Category.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "parent": categories.get(parent) if parent else None,
                    "description": description,
                    "position": position,
                },
            )
        created_count = 0
        for spec in demo_products():
            product, created = Product.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    "category": categories[spec["category"]],
                    "name": spec["name"],
                    "description": spec["description"],
                    "price": spec["price"],
                    "is_featured": spec["is_featured"],
                },
            )
            created_count += created
            for variant in spec["variants"]:
                # get_or_create: a re-run never resets stock or prices staff changed.
                Variant.objects.get_or_create(
                    sku=variant["sku"],
                    defaults={
                        **{k: v for k, v in variant.items() if k != "sku"},
                        "product": product,
                    },
                )
            if not product.images.exists():
                ProductImage.objects.create(
                    product=product,
                    image=product_png(name=product.name, hue=spec["hue"]),
                    alt_text=f"{product.name} (illustration)",
                )
        return created_count

    def _staff_login(self) -> None:
        password = os.environ.get("DEMO_STAFF_PASSWORD") or DEFAULT_STAFF_PASSWORD
        User = get_user_model()
        user = User.objects.filter(username="staff").first()
        if user is None:
            User.objects.create_superuser(
                username="staff", email="staff@securecart.local", password=password
            )
            note = "created"
        else:
            note = "already existed; its password was left unchanged"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo staff login for /admin/: username 'staff', password '{password}' "
                f"({note})."
            )
        )
