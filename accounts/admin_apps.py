"""App config that installs django.contrib.admin with the project's admin site.

Kept out of accounts/apps.py: Django picks an app's config from that module
and would find this subclass there too.
"""

from django.contrib.admin.apps import AdminConfig


class SecureCartAdminConfig(AdminConfig):
    """django.contrib.admin whose default site throttles sign-in."""

    default_site = "accounts.admin_site.SecureCartAdminSite"
