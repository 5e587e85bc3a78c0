"""Catalog (categories, products, variants, images) and carts."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper


def _trigram_index(expression: str | Upper, name: str) -> GinIndex:
    """pg_trgm GIN index: word-similarity (typo) and prefix search (shop.search).
    PostgreSQL only; the migrations skip it elsewhere."""
    return GinIndex(OpClass(expression, name="gin_trgm_ops"), name=name)


def _currency_default() -> str:
    return settings.STORE_CURRENCY


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "name")
        verbose_name_plural = "categories"
        indexes = [_trigram_index("name", "category_name_trgm")]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    # The "from" price shown in listings; each variant carries its own price.
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default=_currency_default)
    is_active = models.BooleanField(default=True, db_index=True)
    is_featured = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="product_price_not_negative"
            )
        ]
        indexes = [
            # Full-text search (PostgreSQL): the same expression as
            # shop.search.search_vector, so the planner can use this index.
            # Other databases skip it (GinIndex is PostgreSQL-only; see migration).
            GinIndex(
                SearchVector("name", weight="A", config="english")
                + SearchVector("description", weight="B", config="english"),
                name="product_search_gin",
            ),
            models.Index(fields=["is_active", "category"], name="product_active_cat"),
            _trigram_index("name", "product_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants"
    )
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=120, help_text="e.g. 'Large / Blue'")
    # Option values such as {"size": "L", "colour": "blue"}.
    options = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default=_currency_default)
    stock_on_hand = models.PositiveIntegerField(default=0)
    stock_reserved = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            # Available stock never goes below zero, whatever the code does.
            models.CheckConstraint(
                condition=Q(stock_reserved__lte=F("stock_on_hand")),
                name="variant_available_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="variant_price_not_negative"
            ),
        ]
        indexes = [_trigram_index(Upper("sku"), "variant_sku_upper_trgm")]

    def __str__(self) -> str:
        return f"{self.product.name} – {self.name} ({self.sku})"

    def clean(self) -> None:
        # Say it on the form before the CHECK constraint refuses the row.
        if (
            self.stock_on_hand is not None
            and self.stock_reserved is not None
            and self.stock_on_hand < self.stock_reserved
        ):
            from django.core.exceptions import ValidationError

            raise ValidationError(
                {
                    "stock_on_hand": (
                        f"Cannot be below the {self.stock_reserved} already reserved "
                        "by orders."
                    )
                }
            )

    @property
    def available(self) -> int:
        return self.stock_on_hand - self.stock_reserved


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(upload_to="products/%Y/%m/")
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Smaller copies for `srcset`, made in the background after an upload
    # (shop.renditions): {"<width>": "<stored name>"}; the image they were made from.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    renditions_of = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.alt_text or self.image.name or ""


def _cart_token() -> str:
    return secrets.token_urlsafe(24)


class Cart(models.Model):
    """A shopper's cart: anonymous (by token in the session) or a customer's."""

    token = models.CharField(max_length=64, unique=True, default=_cart_token)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carts",
    )
    currency = models.CharField(max_length=3, default=_currency_default)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not indexed: every line write touches it, and an index holding it would make
    # each touch a new row version with an entry in every index of the table (no
    # HOT update), several times the cost of the write. A customer's carts are
    # found by the user index and sorted by it (a customer has few).
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart {self.token[:8]}…"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="cart_lines"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # The unit price the shopper saw when adding; checkout flags a change.
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "variant"], name="cart_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant.sku}"
