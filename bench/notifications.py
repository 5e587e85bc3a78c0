"""Benchmark: latency from an event's commit to its email being sent, on moto.

    .venv/bin/python bench/notifications.py [--events 200] [--rate 10]

Setup: PostgreSQL on loopback (database securecart_bench_notifications, migrated
here), moto server in this process (SNS + SQS), `ensure_messaging`, and ONE
`manage.py consume_notifications --channel email` process (file email backend).
This process commits `order.placed` events at a steady rate; each commit's relay
publishes to SNS right after commit (Celery eager, as in the embedded mode), SNS
fans out to the email queue, the consumer renders and sends. Latency per event =
NotificationLog.sent_at - the commit time (both on this machine's clock).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, ensure_database, manage, production_env

DATABASE = "securecart_bench_notifications"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="events per second")
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    from bench.common import free_port

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    mail_dir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    env = production_env(
        database=DATABASE,
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        SQS_QUEUE_PREFIX="bench-",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_dir),
        NOTIFICATION_CHANNELS="email",
    )
    ensure_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v0")
    topic_line = manage(env, "ensure_messaging", "--no-event-bus").splitlines()[0]
    env["SNS_ORDER_EVENTS_TOPIC_ARN"] = topic_line.split("=", 1)[1]
    os.environ.update(env)

    import django

    django.setup()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from django.db import transaction

    from notifications.models import NotificationLog, OutboxEvent
    from notifications.services import event_record

    NotificationLog.objects.all().delete()
    OutboxEvent.objects.all().delete()

    log = open(mail_dir / "consumer.out", "wb")
    consumer = subprocess.Popen(
        [
            PYTHON,
            "manage.py",
            "consume_notifications",
            "--channel",
            "email",
            "--wait-seconds",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while b"consuming" not in (mail_dir / "consumer.out").read_bytes():
            if time.monotonic() > deadline or consumer.poll() is not None:
                raise RuntimeError((mail_dir / "consumer.out").read_text())
            time.sleep(0.1)

        committed: dict[str, datetime] = {}
        publish_ms: list[float] = []
        interval = 1 / args.rate
        started = time.monotonic()
        for i in range(args.events):
            target = started + i * interval
            time.sleep(max(0.0, target - time.monotonic()))
            stamp: dict[str, float] = {}
            with transaction.atomic():
                # Registered first, so it runs first after COMMIT (before the relay).
                transaction.on_commit(lambda s=stamp: s.update(t=time.time()))
                event = event_record(
                    type="order.placed",
                    order_number=f"SC-B{i:07d}",
                    data={
                        "email": f"bench{i}@example.com",
                        "total": "10.00",
                        "currency": "USD",
                    },
                )
            publish_ms.append((time.time() - stamp["t"]) * 1000)
            committed[str(event.id)] = datetime.fromtimestamp(stamp["t"], tz=UTC)

        deadline = time.monotonic() + 120
        while NotificationLog.objects.filter(status="sent").count() < args.events:
            if time.monotonic() > deadline:
                raise RuntimeError("not every email was sent within 120 s")
            time.sleep(0.2)
        latencies = [
            (sent_at - committed[str(event_id)]).total_seconds() * 1000
            for event_id, sent_at in NotificationLog.objects.values_list(
                "event_id", "sent_at"
            )
        ]
        duplicates = NotificationLog.objects.count() - args.events
    finally:
        consumer.terminate()
        consumer.wait(30)
        moto.stop()

    result = {
        "events": args.events,
        "rate_per_s": args.rate,
        "commit_to_email_sent_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies), 1),
        },
        "relay_publish_after_commit_ms": {
            "p50": round(statistics.median(publish_ms), 1),
            "p95": round(percentile(publish_ms, 95), 1),
        },
        "duplicate_logs": duplicates,
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
