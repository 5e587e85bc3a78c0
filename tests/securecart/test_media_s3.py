"""Media on S3 (moto server) behind CloudFront: public images and private files.

moto does not check signatures, so the CloudFront signed URL is verified here
against the public half of an RSA key pair made for the test.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from securecart.storage import PUBLIC_CACHE_CONTROL
from shop.models import ProductImage
from tests.factories.shop import ProductFactory, png_bytes

pytestmark = [pytest.mark.aws, pytest.mark.django_db]

BUCKET = "securecart-media-test"
DOMAIN = "d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"


@pytest.fixture
def key_pair() -> SimpleNamespace:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return SimpleNamespace(pem=pem, public=private.public_key())


@pytest.fixture
def s3_media(aws, settings) -> Iterator[SimpleNamespace]:
    """Media storages on a fresh moto bucket, public URLs on the CloudFront domain."""
    s3 = boto3.client("s3", endpoint_url=aws.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.CLOUDFRONT_DOMAIN = DOMAIN
    settings.AWS_CLOUDFRONT_KEY = None
    settings.AWS_CLOUDFRONT_KEY_ID = None
    settings.PRIVATE_URL_EXPIRY_SECONDS = 120

    def use_s3() -> None:  # (re)build the storages from the current settings
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "securecart.storage_s3.PublicMediaStorage"},
            "private": {"BACKEND": "securecart.storage_s3.PrivateMediaStorage"},
        }

    use_s3()
    yield SimpleNamespace(s3=s3, endpoint=aws.endpoint, rebuild=use_s3)


def admin_form_data(response) -> dict:
    """The POST body a browser would send back for an admin change form."""
    data: dict = {}

    def put(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        put(formset.management_form)
        for form in formset.forms:
            put(form)
    return data


def test_image_uploaded_in_admin_lands_in_the_bucket_on_the_cloudfront_domain(
    s3_media, admin_client
):
    # given a product and its change page in admin
    product = ProductFactory(name="Brass lamp", slug="brass-lamp")
    url = f"/admin/shop/product/{product.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    data = admin_form_data(page)
    first_new = int(data["images-INITIAL_FORMS"])
    # when staff click "Add another image" in the images inline and upload one
    data["images-TOTAL_FORMS"] = str(first_new + 1)
    data[f"images-{first_new}-position"] = "0"
    data[f"images-{first_new}-image"] = SimpleUploadedFile(
        "lamp.png", png_bytes(), content_type="image/png"
    )
    data[f"images-{first_new}-alt_text"] = "The lamp, lit"
    response = admin_client.post(url, data)
    assert response.status_code == 302, getattr(response, "context", None) and [
        f.errors for f in response.context["inline_admin_formsets"][-1].formset.forms
    ]
    # then the object is in the bucket, named by content, cached for a year
    image = ProductImage.objects.get(product=product)
    assert re.fullmatch(
        r"products/\d{4}/\d{2}/lamp\.[0-9a-f]{12}\.png", image.image.name
    )
    head = s3_media.s3.head_object(Bucket=BUCKET, Key=image.image.name)
    assert head["CacheControl"] == PUBLIC_CACHE_CONTROL
    assert head["ContentType"] == "image/png"
    # and its URL is on the CloudFront domain, unsigned (public, cacheable)
    assert image.image.url == f"https://{DOMAIN}/{image.image.name}"


def test_a_changed_image_gets_a_new_url(s3_media):
    storage = storages["default"]
    first = storage.save("products/lamp.png", ContentFile(png_bytes((200, 0, 0))))
    second = storage.save("products/lamp.png", ContentFile(png_bytes((0, 200, 0))))
    assert first != second
    assert storage.url(first) != storage.url(second)
    keys = {o["Key"] for o in s3_media.s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {first, second}


def _cloudfront_b64decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def _canned_policy(resource: str, expires: int) -> bytes:
    statement = {
        "Resource": resource,
        "Condition": {"DateLessThan": {"AWS:EpochTime": expires}},
    }
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


def test_private_file_gets_a_short_lived_cloudfront_signed_url(
    s3_media, settings, key_pair
):
    # given a CloudFront key pair (the public half is what CloudFront holds)
    settings.AWS_CLOUDFRONT_KEY = key_pair.pem
    settings.AWS_CLOUDFRONT_KEY_ID = KEY_ID
    s3_media.rebuild()
    storage = storages["private"]
    # when an invoice is stored and linked
    name = storage.save("invoices/SC-1001.pdf", ContentFile(b"%PDF-1.4 invoice"))
    before = int(time.time())
    url = storage.url(name)
    # then it sits under private/ in the bucket
    keys = {o["Key"] for o in s3_media.s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {f"private/{name}"}
    # and the link is CloudFront's, signed with our key id, expiring in 2 minutes
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", DOMAIN)
    assert parts.path == f"/private/{name}"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["Key-Pair-Id"] == KEY_ID
    expires = int(query["Expires"])
    assert before + 115 <= expires <= int(time.time()) + 121
    resource = f"https://{DOMAIN}/private/{name}"
    signature = _cloudfront_b64decode(query["Signature"])
    key_pair.public.verify(
        signature, _canned_policy(resource, expires), padding.PKCS1v15(), hashes.SHA1()
    )
    # a link whose expiry is stretched, or that names another file, does not verify
    for forged in (
        _canned_policy(resource, expires + 3600),
        _canned_policy(f"https://{DOMAIN}/private/invoices/SC-1002.pdf", expires),
    ):
        with pytest.raises(InvalidSignature):
            key_pair.public.verify(signature, forged, padding.PKCS1v15(), hashes.SHA1())


def test_private_file_without_cloudfront_key_gets_an_s3_presigned_url(s3_media):
    storage = storages["private"]
    name = storage.save("exports/orders.csv", ContentFile(b"number,total\nSC-1,9.99\n"))
    url = storage.url(name)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    # presigned by S3 (SigV4), never the public CloudFront domain, 2 minutes
    assert parts.netloc != DOMAIN
    assert parts.path.endswith(f"/private/{name}")
    assert query["X-Amz-Expires"] == "120"
    assert "X-Amz-Signature" in query
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"number,total\nSC-1,9.99\n"


def test_local_private_file_is_served_only_by_an_unexpired_signed_link(
    client, settings, tmp_path
):
    # the embedded default (no bucket): a folder outside MEDIA_ROOT
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "securecart.storage.LocalPrivateStorage"},
    }
    storage = storages["private"]
    name = storage.save("invoices/SC-7.pdf", ContentFile(b"%PDF-1.4 seven"))
    url = storage.url(name)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 seven"
    assert response["Cache-Control"] == "private, no-store"
    path, query = url.split("?")
    assert client.get(path).status_code == 404
    stretched = re.sub(r"expires=(\d+)", lambda m: f"expires={int(m[1]) + 3600}", url)
    assert client.get(stretched).status_code == 404
    assert client.get(storage.url(name, expire=-1)).status_code == 404
