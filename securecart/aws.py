"""Thin boto3 client factory built from settings.

Credentials come from the default chain (task role in AWS, env vars for moto).
`AWS_ENDPOINT_URL` is set only when talking to moto server.

boto3 is imported by the first `client()` call, not with this module: the web
worker imports every module that may call AWS, and boto3 with its service models
costs each process several MB that pages and most API calls never use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings

# SQS long polls hold a receive call open for up to 20 s (the API's maximum): the
# read timeout of SQS clients must outlast it, or an idle consumer's poll is cut
# off (ReadTimeoutError) and the message it was about to get stays invisible.
SQS_MAX_WAIT_SECONDS = 20
# DynamoDB answers single-item calls in milliseconds: the order page gives up soon
# and reads RDS instead (orders.selectors.order_tracking_for_customer).
READ_TIMEOUT_SECONDS = {"sqs": SQS_MAX_WAIT_SECONDS + 10, "dynamodb": 3}
DEFAULT_READ_TIMEOUT_SECONDS = 10


@lru_cache(maxsize=16)
def _client(service: str, region: str, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=2,
        read_timeout=READ_TIMEOUT_SECONDS.get(service, DEFAULT_READ_TIMEOUT_SECONDS),
    )
    return boto3.session.Session().client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    )


def client(service: str) -> Any:
    """Return a cached boto3 client for the configured region and endpoint."""
    return _client(service, settings.AWS_REGION, settings.AWS_ENDPOINT_URL or None)


def reset_clients() -> None:
    """Forget cached clients (tests that change the endpoint call this)."""
    _client.cache_clear()
