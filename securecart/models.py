"""The platform's one permission: who may see operations data.

`securecart.view_operations` opens the staff operations dashboard (revenue, fraud
holds, queues) and `/metrics`; being staff alone is not enough. The model has no
table: it only carries the permission.
"""

from __future__ import annotations

from typing import Any

from django.db import models

OPERATIONS_PERMISSION = "securecart.view_operations"


class Operations(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_operations", "Can view the operations dashboard and metrics")
        ]

    def __str__(self) -> str:
        return "operations"


def operations_permission(*, using: str = "default") -> Any:
    """The Permission row (created when a group needs it before auth's own pass)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.db_manager(using).get_for_model(
        Operations, for_concrete_model=False
    )
    permission, _ = Permission.objects.using(using).get_or_create(
        content_type=content_type,
        codename="view_operations",
        defaults={"name": "Can view the operations dashboard and metrics"},
    )
    return permission
