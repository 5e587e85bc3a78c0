"""Background work of the catalog."""

from __future__ import annotations

from celery import shared_task

from . import renditions


@shared_task(
    name="shop.tasks.product_image_renditions_task",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def product_image_renditions_task(image_id: int) -> None:
    """Make the `srcset` renditions of a product image (after its upload)."""
    renditions.image_renditions_make(image_id=image_id)
