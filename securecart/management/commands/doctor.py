"""`manage.py doctor`: check every configured dependency and print a table.

Exit 0 when all are healthy, 1 naming each failed dependency. Dependencies that
this deployment does not configure (no replica, eager Celery, local media …) are
listed as "skipped", so the table also documents the running configuration.

Reuses securecart/health.py (the /readyz checks) for database, replicas and
cache; adds every SQS queue (Celery's and those the apps register) with its
dead-letter queue, then the checks the apps register (securecart/registry.py:
the SNS topic and EventBridge bus of notifications), then the S3 bucket, and
optionally a round trip through a real worker (--worker) or a deliberately
failing task (--fail-task).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from securecart import health, registry
from securecart.observability.collectors import queue_names


@dataclass
class Row:
    name: str
    status: str  # ok | FAILED | skipped
    detail: str
    ms: float | None = None


def _database_detail(alias: str) -> str:
    conf = connections[alias].settings_dict
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return f"sqlite {conf['NAME']}"
    return f"{vendor} {conf.get('HOST') or 'localhost'}:{conf.get('PORT') or ''}/{conf['NAME']}"


def _sqs_check(full_name: str) -> Callable[[], health.CheckResult]:
    def check() -> health.CheckResult:
        from securecart.aws import client

        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=full_name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return health.CheckResult(
            True,
            f"{attrs['ApproximateNumberOfMessages']} waiting, "
            f"{attrs['ApproximateNumberOfMessagesNotVisible']} in flight",
        )

    return check


def _bucket_check() -> health.CheckResult:
    from securecart.aws import client

    bucket = settings.AWS_STORAGE_BUCKET_NAME
    client("s3").head_bucket(Bucket=bucket)
    return health.CheckResult(True, f"s3://{bucket}")


def dependency_checks() -> list[tuple[str, Callable[[], health.CheckResult] | str]]:
    """(name, check) for every dependency; a string instead of a check: skipped."""
    checks: list[tuple[str, Callable[[], health.CheckResult] | str]] = [
        ("database", lambda: _with_detail(health.check_database("default"), "default")),
    ]
    for alias in settings.REPLICA_DATABASES:
        checks.append(
            (f"database:{alias}", lambda a=alias: _replica(a))  # type: ignore[misc]
        )
    if not settings.REPLICA_DATABASES:
        checks.append(("database:replica", "no read replica configured"))
    redis = settings.CACHES["default"]["BACKEND"].startswith("django_redis")
    checks.append(("redis" if redis else "cache", health.check_cache))

    broker = settings.CELERY_BROKER_URL
    if not broker:
        checks.append(
            ("broker", "eager: tasks run in-process (CELERY_BROKER_URL empty)")
        )
    elif broker.startswith("sqs://"):
        suffix = settings.MESSAGING.get("dlq_suffix", "-dlq")
        for name in queue_names():
            full = f"{settings.SQS_QUEUE_PREFIX}{name}"
            checks.append((f"sqs:{full}", _sqs_check(full)))
            checks.append((f"sqs:{full}{suffix}", _sqs_check(full + suffix)))
    else:
        checks.append(("broker", health.check_broker))

    for contributed in registry.doctor_checks():
        reason = contributed.skip_reason() if contributed.skip_reason else ""
        checks.append((contributed.name, reason or contributed.check))
    checks.append(
        ("s3", _bucket_check)
        if settings.AWS_STORAGE_BUCKET_NAME
        else ("s3", "AWS_STORAGE_BUCKET_NAME not set: media on local disk")
    )
    return checks


def _with_detail(result: health.CheckResult, alias: str) -> health.CheckResult:
    return health.CheckResult(result.ok, result.detail or _database_detail(alias))


def _replica(alias: str) -> health.CheckResult:
    result = health.check_replica(alias)
    detail = _database_detail(alias)
    return health.CheckResult(
        result.ok, f"{detail}: {result.detail}" if result.detail else detail
    )


def run_check(name: str, check: Callable[[], health.CheckResult] | str) -> Row:
    if isinstance(check, str):
        return Row(name, "skipped", check)
    started = time.perf_counter()
    try:
        result = check()
        status, detail = ("ok" if result.ok else "FAILED"), result.detail
    except Exception as exc:  # a dependency failing is the report, not a crash
        status, detail = "FAILED", f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - started) * 1000
    return Row(name, status, " ".join(detail.split())[:160], round(ms, 1))


def worker_round_trip(timeout: float) -> Row:
    """Send the heartbeat task and wait for a worker to record it in the cache."""
    from django.core.cache import cache

    from securecart.tasks import HEARTBEAT_KEY, worker_heartbeat_task

    if not settings.CELERY_BROKER_URL:
        return Row("worker", "skipped", "eager: no worker processes")
    token = uuid.uuid4().hex
    started = time.perf_counter()
    worker_heartbeat_task.apply_async(args=[token], queue="default")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cache.get(HEARTBEAT_KEY.format(token=token)) == "ok":
            ms = (time.perf_counter() - started) * 1000
            return Row(
                "worker", "ok", "heartbeat consumed from 'default'", round(ms, 1)
            )
        time.sleep(0.2)
    return Row(
        "worker", "FAILED", f"no worker consumed the heartbeat within {timeout:.0f}s"
    )


class Command(BaseCommand):
    help = (
        "Check every configured dependency (database and replicas, Redis, SQS "
        "queues and DLQs, SNS topic, EventBridge bus, S3 bucket); exit 1 naming "
        "each one that failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON rows")
        parser.add_argument(
            "--worker",
            action="store_true",
            help="also send a heartbeat task and wait for a worker to run it",
        )
        parser.add_argument(
            "--fail-task",
            action="store_true",
            help="send securecart.diagnostic_fail_task, which fails on purpose "
            "(checks that task-failure metrics and alarms fire)",
        )
        parser.add_argument("--timeout", type=float, default=20.0)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [run_check(name, check) for name, check in dependency_checks()]
        if options["worker"]:
            rows.append(worker_round_trip(options["timeout"]))
        if options["fail_task"]:
            rows.append(self._send_failing_task())
        if options["json"]:
            self.stdout.write(json.dumps([asdict(row) for row in rows], indent=2))
        else:
            self._table(rows)
        failed = [row.name for row in rows if row.status == "FAILED"]
        if failed:
            raise CommandError(
                f"{len(failed)} dependenc{'y' if len(failed) == 1 else 'ies'} "
                f"failed: {', '.join(failed)}",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS("All configured dependencies are healthy.")
        )

    def _send_failing_task(self) -> Row:
        from securecart.tasks import diagnostic_fail_task

        if not settings.CELERY_BROKER_URL:
            return Row("fail-task", "skipped", "eager: would fail in this process")
        result = diagnostic_fail_task.apply_async(args=["doctor"], queue="default")
        return Row(
            "fail-task",
            "ok",
            f"sent {result.id}: expect securecart_task_failures_total"
            '{task="securecart.diagnostic_fail_task"} to rise',
        )

    def _table(self, rows: list[Row]) -> None:
        width = max(len("DEPENDENCY"), *(len(row.name) for row in rows))
        self.stdout.write(
            f"{'DEPENDENCY':<{width}}  {'STATUS':<7}  {'TIME':>8}  DETAIL"
        )
        for row in rows:
            time_text = f"{row.ms:.0f} ms" if row.ms is not None else "-"
            style = {
                "ok": self.style.SUCCESS,
                "FAILED": self.style.ERROR,
            }.get(row.status, self.style.WARNING)
            self.stdout.write(
                f"{row.name:<{width}}  {style(f'{row.status:<7}')}  "
                f"{time_text:>8}  {row.detail}"
            )
