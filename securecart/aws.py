"""Thin boto3 client factory built from settings.

Credentials come from the default chain (task role in AWS, env vars for moto).
`AWS_ENDPOINT_URL` is set only when talking to moto server.

Memory: boto3 is imported by the first `client()` call, not with this module (the
web worker imports every module that may call AWS; pages and most API calls never
do). All clients of a process come from one boto3 session: a session parses the
endpoint rules, partitions and retry data once and caches each service model, so
a second session costs each process several MB again for the same data.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    import boto3.session

# SQS long polls hold a receive call open for up to 20 s (the API's maximum): the
# read timeout of SQS clients must outlast it, or an idle consumer's poll is cut
# off (ReadTimeoutError) and the message it was about to get stays invisible.
SQS_MAX_WAIT_SECONDS = 20
# DynamoDB answers single-item calls in milliseconds: the order page gives up soon
# and reads RDS instead (orders.selectors.order_tracking_for_customer).
READ_TIMEOUT_SECONDS = {"sqs": SQS_MAX_WAIT_SECONDS + 10, "dynamodb": 3}
DEFAULT_READ_TIMEOUT_SECONDS = 10

# A boto3 session is not thread-safe while it builds clients (clients are):
# threads that ask for their first client at once take turns.
_lock = threading.RLock()
_session: boto3.session.Session | None = None


def session() -> boto3.session.Session:
    """Return this process's boto3 session (default credential chain)."""
    global _session
    with _lock:
        if _session is None:
            import boto3.session

            _session = boto3.session.Session()
        return _session


@lru_cache(maxsize=16)
def _client(service: str, region: str, endpoint_url: str | None) -> Any:
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=2,
        read_timeout=READ_TIMEOUT_SECONDS.get(service, DEFAULT_READ_TIMEOUT_SECONDS),
    )
    with _lock:
        return session().client(
            service, region_name=region, endpoint_url=endpoint_url, config=config
        )


def client(service: str) -> Any:
    """Return a cached boto3 client for the configured region and endpoint."""
    return _client(service, settings.AWS_REGION, settings.AWS_ENDPOINT_URL or None)


def reset_clients() -> None:
    """Forget cached clients and the session with its credentials (tests that
    change the endpoint or the credentials call this)."""
    global _session
    with _lock:
        _client.cache_clear()
        _session = None
