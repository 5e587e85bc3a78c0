"""The Celery application, configured from Django settings (CELERY_* names).

Three modes, chosen by CELERY_BROKER_URL (see docs/architecture.md):
- empty: tasks run eagerly, in-process (callers enqueue after commit);
- ``sqs://``: kombu's SQS transport, one queue per workload (names from
  securecart/messaging.json under SQS_QUEUE_PREFIX), region and endpoint from
  the environment (AWS_REGION / AWS_ENDPOINT_URL, botocore's own variables);
- with SQS_PREDEFINED_QUEUES=1 the transport is told the queue URLs up front, so
  workers never call CreateQueue/ListQueues (least-privilege task roles in AWS,
  where Terraform owns the queues; on moto `manage.py ensure_queues` makes them).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securecart.settings.local")

app = Celery("securecart")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


TASK_ROUTES = {
    "orders.tasks.order_documents_task": {"queue": "default"},
    "orders.tasks.order_*": {"queue": "fulfilment"},
    "orders.tasks.orders_reconcile_task": {"queue": "default"},
}


def celery_queue_names() -> list[str]:
    """Return the Celery queue names (without prefix) from messaging.json."""
    from django.conf import settings

    return list(settings.MESSAGING["celery_queues"])


def sqs_queue_url(*, name: str, account_id: str) -> str:
    """Return the URL of the SQS queue `name` (full name, prefix included).

    With an endpoint override (moto) the URL is endpoint/account/name, as moto
    answers GetQueueUrl; in AWS it is the regional SQS endpoint.
    """
    from django.conf import settings

    endpoint = (
        os.environ.get("AWS_ENDPOINT_URL_SQS") or settings.AWS_ENDPOINT_URL or ""
    ).rstrip("/")
    if endpoint:
        return f"{endpoint}/{account_id}/{name}"
    return f"https://sqs.{settings.AWS_REGION}.amazonaws.com/{account_id}/{name}"


def sqs_account_id() -> str:
    """Return the AWS account that owns the queues (setting, else STS)."""
    from django.conf import settings

    if settings.AWS_ACCOUNT_ID:
        return settings.AWS_ACCOUNT_ID
    from securecart.aws import client

    return client("sts").get_caller_identity()["Account"]


def sqs_predefined_queues(*, prefix: str) -> dict[str, dict[str, Any]]:
    """Return kombu's `predefined_queues` for every Celery queue.

    Keyed by the bare Celery queue name: the transport then runs with an empty
    queue_name_prefix, because kombu looks predefined queues up by the name it
    would have created (prefix + name), and the URL already carries the prefix.
    """
    account_id = sqs_account_id()
    return {
        name: {"url": sqs_queue_url(name=f"{prefix}{name}", account_id=account_id)}
        for name in celery_queue_names()
    }


@app.on_after_configure.connect
def _configure_queues(sender: Celery, source: Any, **kwargs: Any) -> None:
    """Declare one queue per workload; switch SQS to predefined queues if asked."""
    from django.conf import settings

    source["task_queues"] = [
        Queue(name, Exchange(name, type="direct"), routing_key=name)
        for name in celery_queue_names()
    ]
    # Workload routing; apps may add their own CELERY_TASK_ROUTES (kept first).
    routes = source.get("task_routes") or {}
    if isinstance(routes, dict):
        source["task_routes"] = {**TASK_ROUTES, **routes}
    broker_url = source.get("broker_url") or ""
    if broker_url.startswith("sqs://") and settings.SQS_PREDEFINED_QUEUES:
        options = dict(source.get("broker_transport_options") or {})
        options["predefined_queues"] = sqs_predefined_queues(
            prefix=options.get("queue_name_prefix", settings.SQS_QUEUE_PREFIX)
        )
        options["queue_name_prefix"] = ""
        source["broker_transport_options"] = options
        # Remote control needs a broadcast (SNS topic + queue per worker): not
        # something a locked-down task role may create.
        source["worker_enable_remote_control"] = False
