import json

import pytest
from django.db import connections

pytestmark = pytest.mark.django_db(databases="__all__")


def test_healthz_answers_without_touching_dependencies(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_dependency_ok(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {"database", "cache", "broker"} <= set(body["checks"])
    assert all(check["status"] == "ok" for check in body["checks"].values())


def test_readyz_is_503_and_names_the_failed_database(client, monkeypatch):
    # given a primary database that refuses queries
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    # when
    response = client.get("/readyz")
    # then
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "failed"
    assert body["checks"]["database"]["status"] == "failed"
    assert "connection refused" in body["checks"]["database"]["detail"]
    assert body["checks"]["cache"]["status"] == "ok"


@pytest.mark.aws
def test_readyz_fails_when_the_broker_queue_is_missing(client, aws, settings):
    # given an SQS broker whose default queue was never created
    settings.CELERY_BROKER_URL = "sqs://"
    settings.SQS_QUEUE_PREFIX = "missing-"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "failed"


@pytest.mark.aws
def test_readyz_finds_the_sqs_broker_queue(client, aws, settings):
    from securecart.aws import client as aws_client

    settings.CELERY_BROKER_URL = "sqs://"
    settings.SQS_QUEUE_PREFIX = "ready-"
    aws_client("sqs").create_queue(QueueName="ready-default")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["detail"] == "sqs queue ready-default"


def test_health_probes_answer_for_an_unlisted_host_over_plain_http(client, settings):
    # given production-like host validation and HTTPS redirects
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    # when the load balancer probes the task by its private IP over HTTP
    health = client.get("/healthz", HTTP_HOST="10.0.12.34:8000")
    ready = client.get("/readyz", HTTP_HOST="10.0.12.34:8000")
    other = client.get("/", HTTP_HOST="10.0.12.34:8000")
    # then the probes answer, and other paths are still refused
    assert health.status_code == 200
    assert ready.status_code == 200, ready.json()
    assert other.status_code == 400


def test_readyz_is_503_while_a_migration_is_unapplied_then_ok(client, monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    from securecart import health

    monkeypatch.setattr(health, "_migrations_done", False)
    # given a database that lacks the newest migration of orders (rolled back after)
    latest = (
        MigrationRecorder.Migration.objects.filter(app="orders")
        .order_by("-name")
        .first()
    )
    latest.delete()
    # when / then: out of the load balancer, naming what is missing
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503, body
    assert body["checks"]["migrations"]["status"] == "failed"
    assert f"orders.{latest.name}" in body["checks"]["migrations"]["detail"]
    # once it is applied the task becomes ready, and stays so without re-reading files
    MigrationRecorder.Migration.objects.create(app="orders", name=latest.name)
    assert client.get("/readyz").status_code == 200
    assert health._migrations_done is True
