from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html

from .models import Address, User


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0
    fields = [
        ("name", "phone"),
        "line1",
        "line2",
        ("city", "region", "postal_code", "country"),
        "is_default",
    ]


@admin.register(User)
class SecureCartUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Contact", {"fields": ("phone", "sms_opt_in")}),
    )
    inlines = [AddressInline]
    search_fields = ("username", "email", "first_name", "last_name", "phone")
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "customer_view",
    )

    @admin.display(description="customer")
    def customer_view(self, user: User) -> str:
        # the dashboard app's page (orders, addresses, lifetime value, notes)
        return format_html(
            '<a href="{}">orders &amp; notes</a>',
            reverse("admin-customer", args=[user.pk]),
        )
