"""Django admin for catalog staff: products with variants and images inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Exists, F, OuterRef, QuerySet, Sum
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import capfirst

from . import services
from .admin_widgets import LabelledInlineFormSet, OptionsField, image_thumbnail
from .models import Cart, CartLine, Category, Product, ProductImage, Variant

LOW_STOCK_THRESHOLD = 5


def _save_changed_fields(obj, form) -> None:
    """Save only what the form changed: never write back a stale stock_reserved
    that checkout updated (with .update()) while the form was open."""
    if obj.pk is None or obj._state.adding:
        obj.save()
        return
    fields = [
        name
        for name in form.changed_data
        if name in {f.name for f in obj._meta.concrete_fields}
    ]
    if fields:
        obj.save(update_fields=fields)


class ChangedFieldsAdminMixin:
    def save_model(self, request, obj, form, change) -> None:
        _save_changed_fields(obj, form)
        if isinstance(obj, Variant):
            # A variant's price moves its product's "from" price in listings.
            services.product_refresh_price(product_ids=[obj.product_id])

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save(commit=False)
        forms_by_instance = {id(f.instance): f for f in formset.forms}
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            inline_form = forms_by_instance.get(id(obj))
            if inline_form is None:
                obj.save()
            else:
                _save_changed_fields(obj, inline_form)
        formset.save_m2m()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "is_active", "position")
    list_editable = ("is_active", "position")
    list_filter = ("is_active", "parent")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)


class VariantInlineForm(forms.ModelForm):
    """A variant row whose inputs each carry an accessible name.

    A tabular inline labels its inputs only by the column header, which
    assistive technology does not tie to the input; "Price of SKU-123" tells a
    screen reader (and role/label locators) which field of which variant it is.
    """

    class Meta:
        model = Variant
        # The inline's own `fields` decide what the admin renders; this list
        # (the editable ones) only keeps the form explicit on its own.
        fields = (
            "sku",
            "name",
            "options",
            "price",
            "currency",
            "stock_on_hand",
            "is_active",
            "position",
        )
        # Options as name/value rows, not a JSON box.
        field_classes = {"options": OptionsField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The saved SKU, not a half-typed one from the posted data.
        variant = self.instance.sku if self.instance.pk else "new variant"
        for field in self.fields.values():
            label = capfirst(str(field.label or ""))
            field.widget.attrs["aria-label"] = f"{label} of {variant}"


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantInlineForm
    formset = LabelledInlineFormSet
    extra = 0
    fields = (
        "sku",
        "name",
        "options",
        "price",
        "currency",
        "stock_on_hand",
        "stock_reserved",
        "is_active",
        "position",
    )
    # Reservations belong to checkout; staff change stock on hand only.
    readonly_fields = ("stock_reserved",)


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    formset = LabelledInlineFormSet
    extra = 0
    fields = ("thumbnail", "image", "alt_text", "position")
    readonly_fields = ("thumbnail",)

    @admin.display(description="preview")
    def thumbnail(self, image: ProductImage) -> str:
        return image_thumbnail(image.image, alt=image.alt_text)


class LowStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("low", f"Low (≤ {LOW_STOCK_THRESHOLD} available)"),
            ("out", "Out of stock"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "low":
            limit = LOW_STOCK_THRESHOLD
        elif self.value() == "out":
            limit = 0
        else:
            return queryset
        low = Variant.objects.filter(
            product=OuterRef("pk"),
            is_active=True,
            stock_on_hand__lte=F("stock_reserved") + limit,
        )
        if queryset.model is Variant:
            return queryset.filter(
                is_active=True, stock_on_hand__lte=F("stock_reserved") + limit
            )
        return queryset.filter(Exists(low))


@admin.action(description="Activate selected products", permissions=["change"])
def activate_products(modeladmin, request, queryset) -> None:
    count = services.product_set_active(
        product_ids=queryset.values_list("pk", flat=True), active=True
    )
    modeladmin.message_user(request, f"Activated {count} product(s).", messages.SUCCESS)


@admin.action(description="Deactivate selected products", permissions=["change"])
def deactivate_products(modeladmin, request, queryset) -> None:
    count = services.product_set_active(
        product_ids=queryset.values_list("pk", flat=True), active=False
    )
    modeladmin.message_user(
        request, f"Deactivated {count} product(s).", messages.SUCCESS
    )


@admin.register(Product)
class ProductAdmin(ChangedFieldsAdminMixin, admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "name",
        "category",
        "price_with_currency",
        "stock_available",
        "is_active",
        "is_featured",
        "updated_at",
    )
    # The listing price follows the variants (edit prices on the variants).
    list_editable = ("is_active", "is_featured")
    list_filter = ("is_active", "is_featured", "category", LowStockFilter)
    list_select_related = ("category",)
    search_fields = ("name", "slug", "description", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (VariantInline, ProductImageInline)
    actions = (activate_products, deactivate_products)
    list_per_page = 50

    list_display_links = ("name",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list:
        fields = [f for f in super().get_fields(request, obj) if f != "listing_price"]
        if obj is not None:  # the price follows the variants: shown, not edited
            fields = ["listing_price" if f == "price" else f for f in fields]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return ("listing_price",) if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "price" in form.base_fields:
            form.base_fields["price"].help_text = (
                'The listing ("from") price until the product has variants; then it '
                "follows the cheapest active one."
            )
        return form

    @admin.display(description="Price")
    def listing_price(self, product: Product) -> str:
        return format_html(
            '{} {}<div class="help">Follows the cheapest active variant: change '
            "prices on the variants below.</div>",
            product.price,
            product.currency,
        )

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any):
        """The list's editable boxes named for their product ("Active: Kettle")."""
        base = super().get_changelist_form(request, **kwargs)

        class LabelledRowForm(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                for name, field in self.fields.items():
                    label = capfirst(str(field.label or name))
                    field.widget.attrs["aria-label"] = f"{label}: {self.instance}"

        return LabelledRowForm

    @admin.display(description="image")
    def thumbnail(self, product: Product) -> str:
        images = list(product.images.all())  # prefetched in get_queryset
        if not images:
            return "—"
        return image_thumbnail(images[0].image)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.product_refresh_price(product_ids=[form.instance.pk])

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("images")
            .annotate(
                _available=Sum(
                    F("variants__stock_on_hand") - F("variants__stock_reserved")
                )
            )
        )

    @admin.display(description="price", ordering="price")
    def price_with_currency(self, product: Product) -> str:
        return f"{product.price} {product.currency}"

    @admin.display(description="available", ordering="_available")
    def stock_available(self, product: Product) -> int:
        return product._available or 0  # type: ignore[attr-defined]


@admin.register(Variant)
class VariantAdmin(ChangedFieldsAdminMixin, admin.ModelAdmin):
    list_display = (
        "sku",
        "product",
        "name",
        "price",
        "stock_on_hand",
        "stock_reserved",
        "is_active",
    )
    list_editable = ("price", "stock_on_hand", "is_active")
    list_filter = ("is_active", "product__category", LowStockFilter)
    list_select_related = ("product",)
    search_fields = ("sku", "name", "product__name")
    readonly_fields = ("stock_reserved",)
    autocomplete_fields = ("product",)
    formfield_overrides = {models.JSONField: {"form_class": OptionsField}}


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    fields = ("variant", "quantity", "unit_price")
    readonly_fields = fields
    can_delete = False


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    """Read-only: carts are the shoppers'; staff look, they do not edit."""

    list_display = ("token_short", "user", "updated_at")
    search_fields = ("token", "user__username", "user__email")
    readonly_fields = ("token", "user", "currency", "created_at", "updated_at")
    inlines = (CartLineInline,)

    @admin.display(description="cart")
    def token_short(self, cart: Cart) -> str:
        return str(cart)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Cart | None = None
    ) -> bool:
        return False
