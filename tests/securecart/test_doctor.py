"""`manage.py doctor`: a table of every dependency; exit 1 naming what failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from tests.services import ROOT, free_port


def doctor(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("doctor", *args, stdout=out, no_color=True)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def row(table: str, name: str) -> list[str]:
    for line in table.splitlines():
        parts = line.split()
        if parts and parts[0] == name:
            return parts
    raise AssertionError(f"no row {name!r} in:\n{table}")


@pytest.mark.django_db(databases="__all__")
def test_doctor_passes_and_lists_what_is_not_configured(settings):
    settings.SNS_ORDER_EVENTS_TOPIC_ARN = ""
    settings.AWS_STORAGE_BUCKET_NAME = ""
    table, error = doctor()
    assert error is None, table
    assert row(table, "database")[1] == "ok"
    assert row(table, "broker")[1] == "skipped"
    assert row(table, "s3")[1] == "skipped"
    assert "All configured dependencies are healthy." in table


def test_doctor_exits_non_zero_naming_redis_when_it_is_down(tmp_path):
    # given a Redis URL on a port nobody listens on (a real process, real exit code)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "securecart.settings.test",
        "SECURECART_AUTODETECT_SERVICES": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'doctor.sqlite3'}",
        "DATABASE_REPLICA_URLS": "",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "CELERY_BROKER_URL": "",
    }
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "doctor", "--no-color"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 dependency failed: redis" in result.stderr
    redis_row = row(result.stdout, "redis")
    assert redis_row[1] == "FAILED" and "ConnectionError" in result.stdout
    assert row(result.stdout, "database")[1] == "ok"


@pytest.mark.django_db(databases="__all__")
def test_doctor_names_a_failed_primary_database(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    table, error = doctor()
    assert error is not None and error.returncode == 1
    assert "failed: database" in str(error)
    assert row(table, "database")[1] == "FAILED"


@pytest.fixture
def aws_estate(aws, settings):
    """Every queue, DLQ, the topic, bus and bucket on moto, under a test prefix."""
    from securecart.aws import client

    prefix = "doc-"
    settings.CELERY_BROKER_URL = "sqs://"
    settings.SQS_QUEUE_PREFIX = prefix
    sqs = client("sqs")
    names = [
        *settings.MESSAGING["celery_queues"],
        *settings.MESSAGING["channel_queues"],
    ]
    for name in names:
        sqs.create_queue(QueueName=f"{prefix}{name}")
        sqs.create_queue(QueueName=f"{prefix}{name}-dlq")
    settings.SNS_ORDER_EVENTS_TOPIC_ARN = client("sns").create_topic(
        Name="order-events"
    )["TopicArn"]
    client("events").create_event_bus(Name="securecart-orders")
    settings.EVENT_BUS_NAME = "securecart-orders"
    client("s3").create_bucket(Bucket="doctor-media")
    settings.AWS_STORAGE_BUCKET_NAME = "doctor-media"
    return {"prefix": prefix, "names": names, "sqs": sqs}


@pytest.mark.aws
@pytest.mark.django_db(databases="__all__")
def test_doctor_checks_each_queue_dlq_topic_bus_and_bucket(aws_estate):
    table, error = doctor("--json")
    assert error is None, table
    rows = {entry["name"]: entry for entry in json.loads(table.split("\nAll")[0])}
    for name in aws_estate["names"]:
        assert rows[f"sqs:doc-{name}"]["status"] == "ok"
        assert rows[f"sqs:doc-{name}-dlq"]["status"] == "ok"
    assert rows["sns:order-events"]["status"] == "ok"
    assert rows["eventbridge"]["status"] == "ok"
    assert rows["s3"]["detail"] == "s3://doctor-media"


@pytest.mark.aws
@pytest.mark.django_db(databases="__all__")
def test_doctor_exits_non_zero_naming_a_missing_dead_letter_queue(aws_estate):
    sqs = aws_estate["sqs"]
    sqs.delete_queue(
        QueueUrl=sqs.get_queue_url(QueueName="doc-fulfilment-dlq")["QueueUrl"]
    )
    table, error = doctor()
    assert error is not None and error.returncode == 1
    assert str(error) == "1 dependency failed: sqs:doc-fulfilment-dlq"
    assert row(table, "sqs:doc-fulfilment-dlq")[1] == "FAILED"
    assert row(table, "sqs:doc-fulfilment")[1] == "ok"


@pytest.mark.aws
@pytest.mark.django_db(databases="__all__")
def test_doctor_names_a_missing_bucket_and_topic(aws_estate, settings):
    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket"
    settings.SNS_ORDER_EVENTS_TOPIC_ARN += "-gone"
    _, error = doctor()
    assert error is not None
    assert str(error) == "2 dependencies failed: sns:order-events, s3"


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.slow
def test_doctor_worker_round_trip_through_a_real_worker(
    redis_cache, celery_worker, celery_sqs, settings
):
    from securecart.aws import client

    # the worker created its own queues; the estate also has DLQs and channels
    names = [
        *settings.MESSAGING["celery_queues"],
        *settings.MESSAGING["channel_queues"],
    ]
    for name in names:
        for suffix in ("", "-dlq"):
            client("sqs").create_queue(QueueName=f"{celery_sqs.prefix}{name}{suffix}")
    table, error = doctor("--worker", "--timeout", "60")
    assert error is None, table + celery_worker.log()
    assert row(table, "worker")[1] == "ok"
