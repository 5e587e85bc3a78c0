"""A saved or deleted sale makes cached catalog pages stale."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Sale
from .services import sale_changed


@receiver(post_save, sender=Sale, dispatch_uid="promotions.sale_saved")
@receiver(post_delete, sender=Sale, dispatch_uid="promotions.sale_deleted")
def _sale_saved(sender: Any, **kwargs: Any) -> None:
    sale_changed()


def _targets_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        sale_changed()


for _through in (Sale.products.through, Sale.categories.through, Sale.variants.through):
    m2m_changed.connect(
        _targets_changed,
        sender=_through,
        dispatch_uid=f"promotions.{_through.__name__}",
    )
