"""Media storage: public product images and private files (invoices, exports).

Two aliases in settings.STORAGES:

- "default": public media. On AWS, S3 behind CloudFront: URLs on CLOUDFRONT_DOMAIN,
  a year-long immutable Cache-Control, and a content hash in every name, so a
  changed image gets a new URL and CloudFront never serves the old one.
- "private": under the "private/" prefix of the same bucket, readable only
  through short-lived signed URLs (PRIVATE_URL_EXPIRY_SECONDS): CloudFront signed
  URLs when AWS_CLOUDFRONT_KEY + AWS_CLOUDFRONT_KEY_ID are set, else S3 presigned
  URLs. Locally, a folder outside MEDIA_ROOT served by `serve_private` behind a
  Django-signed, expiring URL.

The classes read the project's settings when they are instantiated (not at import),
so tests switch them with `settings` overrides of STORAGES. The S3 classes live in
securecart/storage_s3.py, imported only where settings.STORAGES names them:
django-storages' S3 backend loads boto3 and cryptography, which a process serving
local files (or none) should not hold in memory.
"""

from __future__ import annotations

import hashlib
import posixpath
import time
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare

PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL = "private, no-store"
PRIVATE_LOCATION = "private"


def content_hashed_name(name: str, content: Any) -> str:
    """Insert a short hash of the content before the extension: a.png -> a.<h>.png."""
    digest = hashlib.sha256()
    if hasattr(content, "seek"):
        content.seek(0)
    for chunk in content.chunks() if hasattr(content, "chunks") else [content.read()]:
        digest.update(chunk if isinstance(chunk, bytes) else chunk.encode())
    if hasattr(content, "seek"):
        content.seek(0)
    root, ext = posixpath.splitext(name)
    return f"{root}.{digest.hexdigest()[:12]}{ext}"


# --- local development: private files outside MEDIA_ROOT ------------------------
_PRIVATE_SALT = "securecart.storage.private"


def _local_signature(name: str, expires: int) -> str:
    return signing.Signer(salt=_PRIVATE_SALT).signature(f"{name}:{expires}")


class LocalPrivateStorage(FileSystemStorage):
    """Private files on local disk, reachable only by an expiring signed URL."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("location", settings.PRIVATE_MEDIA_ROOT)
        super().__init__(**kwargs)

    def url(self, name: str | None, expire: int | None = None) -> str:
        if name is None:
            raise ValueError("a private file needs a name")
        expires = int(time.time()) + (expire or settings.PRIVATE_URL_EXPIRY_SECONDS)
        path = reverse("private-media", kwargs={"name": name})
        return f"{path}?expires={expires}&signature={_local_signature(name, expires)}"


def serve_private(request: HttpRequest, name: str) -> FileResponse:
    """Serve a local private file for a valid, unexpired signed URL (dev only)."""
    try:
        expires = int(request.GET.get("expires", ""))
    except ValueError:
        raise Http404("bad link") from None
    signature = request.GET.get("signature", "")
    if expires < time.time() or not constant_time_compare(
        signature, _local_signature(name, expires)
    ):
        raise Http404("expired or invalid link")
    storage = storages["private"]
    if not storage.exists(name):
        raise Http404("no such file")
    response = FileResponse(storage.open(name, "rb"))
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return response
