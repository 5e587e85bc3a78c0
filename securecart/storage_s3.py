"""Media storage on S3 (behind CloudFront): the "default" and "private" aliases of
settings.STORAGES when AWS_STORAGE_BUCKET_NAME is set. Their rules: securecart/storage.py.

A module of its own so that only processes configured for S3 import
django-storages' S3 backend (boto3, cryptography).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from storages.backends.s3 import S3Storage

from securecart.storage import (
    PRIVATE_CACHE_CONTROL,
    PRIVATE_LOCATION,
    PUBLIC_CACHE_CONTROL,
    content_hashed_name,
)


class _ProjectS3Storage(S3Storage):
    """S3Storage configured from the project's settings names."""

    def get_default_settings(self) -> dict[str, Any]:
        defaults = super().get_default_settings()
        endpoint = settings.AWS_ENDPOINT_URL or None
        defaults.update(
            bucket_name=settings.AWS_STORAGE_BUCKET_NAME,
            region_name=settings.AWS_REGION,
            endpoint_url=endpoint,
            # moto (and other S3 look-alikes) need path-style addressing
            addressing_style="path" if endpoint else None,
            default_acl=None,  # the bucket's policy decides; ACLs stay disabled
            file_overwrite=False,
            # SigV4: SigV2 presigned URLs are refused by newer regions
            signature_version="s3v4",
        )
        return defaults


class PublicMediaStorage(_ProjectS3Storage):
    """Product images: CloudFront URLs, cached for a year, unique per content."""

    def get_default_settings(self) -> dict[str, Any]:
        defaults = super().get_default_settings()
        defaults.update(
            custom_domain=settings.CLOUDFRONT_DOMAIN or None,
            querystring_auth=False,
            cloudfront_key=None,
            cloudfront_key_id=None,
            object_parameters={"CacheControl": PUBLIC_CACHE_CONTROL},
        )
        return defaults

    def save(
        self, name: str | None, content: Any, max_length: int | None = None
    ) -> str:
        name = name or content.name
        return super().save(content_hashed_name(name, content), content, max_length)


class PrivateMediaStorage(_ProjectS3Storage):
    """Invoices and exports: "private/" prefix, short-lived signed URLs only."""

    def get_default_settings(self) -> dict[str, Any]:
        defaults = super().get_default_settings()
        signed_by_cloudfront = bool(
            settings.CLOUDFRONT_DOMAIN
            and settings.AWS_CLOUDFRONT_KEY
            and settings.AWS_CLOUDFRONT_KEY_ID
        )
        defaults.update(
            location=PRIVATE_LOCATION,
            querystring_auth=True,
            querystring_expire=settings.PRIVATE_URL_EXPIRY_SECONDS,
            custom_domain=settings.CLOUDFRONT_DOMAIN if signed_by_cloudfront else None,
            cloudfront_key=settings.AWS_CLOUDFRONT_KEY
            if signed_by_cloudfront
            else None,
            cloudfront_key_id=(
                settings.AWS_CLOUDFRONT_KEY_ID if signed_by_cloudfront else None
            ),
            object_parameters={"CacheControl": PRIVATE_CACHE_CONTROL},
        )
        return defaults
