"""Signal receivers: thin, each calls one service."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.contrib.flatpages.models import FlatPage
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from . import services
from .models import Category, Product, ProductImage, Variant


def _invalidate(sender, instance, **kwargs) -> None:
    product_id = getattr(instance, "product_id", None) or (
        instance.pk if isinstance(instance, Product) else None
    )
    services.catalog_cache_invalidate(product_ids=[product_id] if product_id else None)


# Admin edits go through save()/delete(); bulk .update() callers (checkout's stock
# reservation, admin actions) call services.catalog_cache_invalidate themselves.
for _model in (Category, Product, Variant, ProductImage):
    post_save.connect(
        _invalidate, sender=_model, dispatch_uid=f"shop-cache-save-{_model.__name__}"
    )
    post_delete.connect(
        _invalidate, sender=_model, dispatch_uid=f"shop-cache-delete-{_model.__name__}"
    )


# Footer and sitemap show the flat pages: their edits refresh the cached copies.
post_save.connect(_invalidate, sender=FlatPage, dispatch_uid="shop-cache-save-page")
post_delete.connect(_invalidate, sender=FlatPage, dispatch_uid="shop-cache-delete-page")


@receiver(post_save, sender=ProductImage, dispatch_uid="shop-image-renditions")
def _image_renditions(sender, instance: ProductImage, **kwargs) -> None:
    """A new or replaced file gets its `srcset` renditions made in the background."""
    if instance.image and instance.renditions_of != instance.image.name:
        from django.db import transaction

        from .tasks import product_image_renditions_task

        image_id = instance.pk
        # robust: the image is saved whatever the broker says; the page then
        # serves the original until renditions are made (logged if not queued)
        transaction.on_commit(
            lambda: product_image_renditions_task.delay(image_id), robust=True
        )


@receiver(user_logged_in, dispatch_uid="shop-cart-merge-on-login")
def _merge_cart_on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        services.cart_attach_on_login(request=request, user=user)


def _ensure_groups(sender, app_config, using="default", **kwargs) -> None:
    if app_config.label == "shop":
        from .permissions import catalog_managers_group_ensure

        catalog_managers_group_ensure(using=using)


post_migrate.connect(_ensure_groups, dispatch_uid="shop-catalog-managers-group")
