from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class SecureCartUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("Contact", {"fields": ("phone", "sms_opt_in")}),
    )
