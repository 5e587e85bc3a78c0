from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

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
