"""Responsive renditions: made by a Celery task after an upload, stored through the
default storage (S3 in production), offered to the browser as `srcset`."""

from __future__ import annotations

import io
import re

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from shop.models import ProductImage
from shop.renditions import image_renditions_make
from tests.factories.shop import ProductFactory, VariantFactory, png_bytes
from tests.services import wait_until

pytestmark = pytest.mark.django_db


def _width(name: str, storage=default_storage) -> tuple[int, str]:
    from PIL import Image

    with (
        storage.open(name, "rb") as handle,
        Image.open(io.BytesIO(handle.read())) as im,
    ):
        return im.width, im.format


def _upload(product, size: int = 1200) -> ProductImage:
    return ProductImage.objects.create(
        product=product,
        image=ContentFile(png_bytes(size=size), name="shot.png"),
        alt_text="Shot",
    )


def test_an_upload_gets_webp_renditions_after_commit(
    django_capture_on_commit_callbacks,
):
    product = VariantFactory(product__slug="lamp").product
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image = _upload(product)
    assert callbacks, "the task is sent only once the upload is committed"
    image.refresh_from_db()
    assert sorted(image.renditions, key=int) == ["240", "480", "960"]
    assert image.renditions_of == image.image.name
    for width, name in image.renditions.items():
        assert default_storage.exists(name)
        assert _width(name) == (int(width), "WEBP")


def test_an_upload_is_kept_when_the_broker_refuses_the_task(
    django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from shop.tasks import product_image_renditions_task

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(product_image_renditions_task, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        image = _upload(ProductFactory())
    image.refresh_from_db()
    assert image.image.name and image.renditions == {}
    assert "broker down" in caplog.text


def test_a_small_image_is_never_enlarged(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = _upload(ProductFactory(), size=500)
    image.refresh_from_db()
    assert sorted(image.renditions, key=int) == ["240", "480"]


def test_making_them_again_does_nothing_new(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = _upload(ProductFactory(), size=300)
    image.refresh_from_db()
    first = dict(image.renditions)
    assert image_renditions_make(image_id=image.pk) == first
    assert image_renditions_make(image_id=10**9) == {}


def test_product_page_and_listing_offer_the_renditions_as_srcset(
    client, django_capture_on_commit_callbacks
):
    product = VariantFactory(product__slug="lamp").product
    with django_capture_on_commit_callbacks(execute=True):
        image = _upload(product)
    image.refresh_from_db()
    body = client.get("/p/lamp/").content.decode()
    srcset = re.search(r'<img [^>]*srcset="([^"]+)"[^>]*alt="Shot"', body).group(1)
    assert srcset == ", ".join(
        f"/media/{image.renditions[w]} {w}w" for w in ("240", "480", "960")
    )
    listing = client.get(f"/c/{product.category.slug}/").content.decode()
    assert f"/media/{image.renditions['240']} 240w" in listing
    assert 'sizes="(min-width: 800px) 240px, 50vw"' in listing


def test_the_first_row_of_a_grid_loads_eagerly(
    client, django_capture_on_commit_callbacks
):
    product = ProductFactory(name="Lamp 00")
    for n in range(6):
        other = VariantFactory(
            product__category=product.category, product__name=f"Lamp {n + 1:02d}"
        ).product
        ProductImage.objects.create(
            product=other, image=ContentFile(png_bytes(), name="x.png")
        )
    ProductImage.objects.create(
        product=product, image=ContentFile(png_bytes(), name="x.png")
    )
    body = client.get(f"/c/{product.category.slug}/").content.decode()
    images = re.findall(r'<li class="card product-card">.*?<img ([^>]*)>', body, re.S)
    assert len(images) == 7
    assert ["lazy" in attrs for attrs in images] == [False] * 4 + [True] * 3


BUCKET = "securecart-renditions-test"


@pytest.fixture
def s3_bucket(aws, settings):
    s3 = boto3.client("s3", endpoint_url=aws.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.CLOUDFRONT_DOMAIN = "d123.cloudfront.net"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "securecart.storage_s3.PublicMediaStorage"},
    }
    return s3


def _keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.mark.aws
def test_renditions_are_stored_in_the_bucket_on_s3(
    s3_bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = _upload(ProductFactory(), size=600)
    image.refresh_from_db()
    assert set(image.renditions.values()) <= _keys(s3_bucket)
    assert len(image.renditions) == 2
    head = s3_bucket.head_object(Bucket=BUCKET, Key=image.renditions["480"])
    assert head["ContentType"] == "image/webp"


@pytest.mark.aws
@pytest.mark.worker
def test_a_real_worker_makes_them_in_the_background(
    s3_bucket, celery_worker_factory, redis_cache
):
    worker = celery_worker_factory(
        queues="default",
        extra_env={
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "CLOUDFRONT_DOMAIN": "d123.cloudfront.net",
        },
    )
    image = _upload(ProductFactory(), size=600)  # committed: the task is sent
    wait_until(
        lambda: ProductImage.objects.get(pk=image.pk).renditions,
        60,
        message="the worker to make renditions",
    )
    image.refresh_from_db()
    assert sorted(image.renditions, key=int) == ["240", "480"], worker.log()
    assert set(image.renditions.values()) <= _keys(s3_bucket)
