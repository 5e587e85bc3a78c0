"""Steps of `make stack` that run inside honcho (see Procfile.stack).

    python scripts/stack.py setup   # web: wait for moto (and Redis), create the S3
                                    # bucket, migrate, demo data, static files, SQS
                                    # queues, SNS topic + channel queues, EventBridge
                                    # bus, `doctor`; then mark the stack ready
    python scripts/stack.py wait    # worker, beat, consumers: wait for that mark
    python scripts/stack.py moto    # moto server on 127.0.0.1:$MOTO_PORT, no request log

scripts/stack.sh sets the environment (var/stack/env) and STACK_RUN_ID, so a mark
left by an earlier run never counts.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
STACK_DIR = Path(os.environ.get("STACK_DIR", ROOT / "var" / "stack"))
READY = STACK_DIR / "ready"
RUN_ID = os.environ.get("STACK_RUN_ID", "")


def say(message: str) -> None:
    print(message, flush=True)


def wait_for_port(url: str, what: str, timeout: float = 60) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"{what} at {host}:{port} did not answer in {timeout:.0f}s"
                ) from None
            time.sleep(0.2)


def setup() -> None:
    started = time.monotonic()
    READY.unlink(missing_ok=True)
    wait_for_port(os.environ["AWS_ENDPOINT_URL"], "moto server")
    if os.environ.get("REDIS_URL"):
        wait_for_port(os.environ["REDIS_URL"], "Redis")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securecart.settings.local")
    import django

    django.setup()
    from botocore.exceptions import ClientError
    from django.conf import settings
    from django.core.management import call_command

    from notifications.services import messaging_ensure
    from securecart.aws import client

    bucket = settings.AWS_STORAGE_BUCKET_NAME
    if bucket:
        s3 = client("s3")
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:
            s3.create_bucket(Bucket=bucket)
            say(f"created S3 bucket {bucket}")
        bucket_policy_public_images(s3, bucket)
    call_command("migrate", "--noinput", verbosity=1)
    media_forget_missing()
    # queues first: the demo data's images queue their renditions as they are saved
    call_command("ensure_queues")
    call_command("seed_demo")
    call_command("seed_checkout")
    call_command("collectstatic", "--noinput", verbosity=0)
    resources = messaging_ensure(with_event_bus=bool(settings.EVENT_BUS_NAME))
    # The processes got the topic and bus in their environment before it existed:
    # make sure they name what was created.
    if resources.topic_arn != settings.SNS_ORDER_EVENTS_TOPIC_ARN:
        raise SystemExit(
            f"SNS topic is {resources.topic_arn}, but the environment says "
            f"SNS_ORDER_EVENTS_TOPIC_ARN={settings.SNS_ORDER_EVENTS_TOPIC_ARN}"
        )
    say(
        f"SNS topic {resources.topic_arn}; channel queues {', '.join(resources.queue_urls)}"
    )
    if settings.FULFILMENT_ENGINE == "stepfunctions":
        fulfilment_workflow_ensure(settings)
    # The order tracking table (DynamoDB on moto), filled with the orders kept in
    # PostgreSQL: moto starts empty, the projector keeps it current from here on.
    call_command("rebuild_order_tracking", "--ensure-table")
    call_command("doctor")  # exits 1, naming the dependency, when one is missing

    READY.write_text(RUN_ID)
    web = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"
    say(
        "\n".join(
            [
                f"SecureCart stack ready in {time.monotonic() - started:.0f}s "
                "(worker, beat and consumers start now):",
                f"  store   {web}/",
                f"  admin   {web}/{settings.ADMIN_URL}  (staff / "
                f"{os.environ.get('DEMO_STAFF_PASSWORD') or 'securecart-demo'})",
                f"  API     {web}/api/v1/docs/",
                f"  moto    {settings.AWS_ENDPOINT_URL}/moto-api/  (SMS sent: "
                f"{settings.AWS_ENDPOINT_URL}/moto-api/data.json)",
                f"  emails  {settings.EMAIL_FILE_PATH}/",
            ]
        )
    )


def fulfilment_workflow_ensure(settings: Any) -> None:
    """FULFILMENT_ENGINE=stepfunctions: moto runs executions; queue + state machine."""
    from orders.management.commands.ensure_fulfilment_workflow import (
        moto_executions,
        workflow_ensure,
    )

    moto_executions(settings.AWS_ENDPOINT_URL)
    _, arn = workflow_ensure()
    if arn != settings.FULFILMENT_STATE_MACHINE_ARN:
        raise SystemExit(
            f"state machine is {arn}, but the environment says "
            f"FULFILMENT_STATE_MACHINE_ARN={settings.FULFILMENT_STATE_MACHINE_ARN}"
        )
    say(f"fulfilment on Step Functions (moto): {arn}")


def bucket_policy_public_images(s3: Any, bucket: str) -> None:
    """Let browsers read product images straight from the bucket.

    In AWS, CloudFront reads the bucket and browsers never do; here they load images
    from moto's S3, which refuses anonymous reads without a policy. Only the images'
    prefix is public: files under private/ still need a signed URL.
    """
    from shop.models import ProductImage

    prefix = str(ProductImage._meta.get_field("image").upload_to).split("/")[0]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicProductImages",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/{prefix}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def media_forget_missing() -> None:
    """moto keeps S3 in memory: images uploaded by an earlier run are gone.

    Their rows go, so that pages do not link to missing files; seed_demo then
    draws the demo catalog's images again.
    """
    from django.core.files.storage import default_storage

    from shop.models import ProductImage

    missing = [
        image.pk
        for image in ProductImage.objects.only("pk", "image")
        if not default_storage.exists(image.image.name)
    ]
    if missing:
        ProductImage.objects.filter(pk__in=missing).delete()
        say(
            f"{len(missing)} product images of an earlier run were not in S3 (moto "
            "starts empty): removed; seed_demo draws the demo ones again"
        )


def moto() -> None:
    """moto server on 127.0.0.1:$MOTO_PORT, without its per-request log lines."""
    import logging

    from moto.server import main

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = os.environ.get("MOTO_PORT", "5000")
    say(
        f"moto server on http://127.0.0.1:{port} (S3, SQS, SNS, EventBridge; in memory)"
    )
    main(["--host", "127.0.0.1", "--port", port])


def wait(timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    say("waiting for web to finish setting up the stack")
    while not (READY.exists() and READY.read_text() == RUN_ID):
        if time.monotonic() > deadline:
            raise SystemExit(f"the stack was not set up within {timeout:.0f}s")
        time.sleep(0.2)


if __name__ == "__main__":
    commands = {"setup": setup, "wait": wait, "moto": moto}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} setup|wait|moto")
    commands[sys.argv[1]]()
