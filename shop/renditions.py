"""Responsive renditions of product images, for `srcset`.

After an image is uploaded (or replaced) a Celery task (shop.tasks) makes smaller
WebP copies with Pillow and stores them through the default storage backend (the
media folder locally, S3 in production), then records their names on the image.
Widths never exceed the original: a small upload gets fewer renditions.
"""

from __future__ import annotations

import io
import logging
import posixpath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from .caching import catalog_invalidate
from .models import ProductImage

logger = logging.getLogger(__name__)

WIDTHS = (240, 480, 960)
QUALITY = 82


def _rendition_name(original: str, width: int) -> str:
    root, _ = posixpath.splitext(original)
    return f"renditions/{root}-{width}w.webp"


def _resized(data: bytes, width: int) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as source:
        image = ImageOps.exif_transpose(source)
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        height = max(1, round(image.height * width / image.width))
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, format="WEBP", quality=QUALITY, method=4)
        return buffer.getvalue()


def _image_width(data: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.width


def image_renditions_make(*, image_id: int) -> dict[str, str]:
    """Make and store the renditions of one image; returns {width: stored name}.

    Idempotent: an image whose renditions were made from its current file is left
    alone, so a redelivered task does no work twice.
    """
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or not image.image:
        return {}
    original = str(image.image.name)
    if image.renditions_of == original and image.renditions:
        return image.renditions
    with default_storage.open(original, "rb") as handle:
        data = handle.read()
    made: dict[str, str] = {}
    source_width = _image_width(data)
    for width in [w for w in WIDTHS if w < source_width]:
        name = default_storage.save(
            _rendition_name(original, width), ContentFile(_resized(data, width))
        )
        made[str(width)] = name
    with transaction.atomic():
        # Only if the image still has that file: a newer upload has its own task.
        ProductImage.objects.filter(pk=image_id, image=original).update(
            renditions=made, renditions_of=original
        )
        transaction.on_commit(catalog_invalidate)
    logger.info("image %s: %d renditions made", image_id, len(made))
    return made
