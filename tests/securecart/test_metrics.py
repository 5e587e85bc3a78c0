"""Metrics: business counters from signals, request and task metrics, the
scrape-time gauges, EMF lines, and the protected /metrics endpoint."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from notifications.models import OutboxEvent
from notifications.services import event_record
from securecart.observability import emf, metrics
from securecart.observability.collectors import clear_queue_cache
from tests.factories.accounts import StaffUserFactory, UserFactory
from tests.services import wait_until

TOKEN = "scrape-token-for-tests-0123456789"


def _checkout_view(request):
    return HttpResponse("placed", status=201)


urlpatterns = [path("api/v1/checkout/", _checkout_view, name="checkout")]


def sample(text: str, name: str, **labels: str) -> float:
    """Return the value of one series in a Prometheus text exposition (0 if absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get() -> str:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return get


# --- access -------------------------------------------------------------------
@pytest.mark.django_db
def test_metrics_endpoint_is_hidden_from_anonymous_and_forbidden_otherwise(
    client, settings
):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    client.force_login(UserFactory())
    assert client.get("/metrics").status_code == 403
    client.force_login(StaffUserFactory())
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_a_token_is_refused_when_none_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 403


# --- business counters ----------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_placed_order_is_counted_once_committed_and_not_when_rolled_back(scrape):
    before = sample(scrape(), "securecart_orders_placed_total", currency="USD")
    # a checkout that rolls back counts nothing
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(type="order.placed", order_number="SC-ROLLBACK", data={})
        raise RuntimeError("payment gateway exploded")
    assert sample(scrape(), "securecart_orders_placed_total", currency="USD") == before
    # a committed one counts
    with transaction.atomic():
        event_record(
            type="order.placed", order_number="SC-PLACED1", data={"currency": "USD"}
        )
    text = scrape()
    assert sample(text, "securecart_orders_placed_total", currency="USD") == before + 1
    assert sample(text, "securecart_domain_events_total", type="order.placed") >= 1


@pytest.mark.django_db(transaction=True)
def test_fraud_holds_are_counted_from_on_hold_events(scrape):
    before = sample(scrape(), "securecart_fraud_holds_total")
    with transaction.atomic():
        event_record(type="order.on_hold", order_number="SC-HOLD1", data={})
    assert sample(scrape(), "securecart_fraud_holds_total") == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_payment_decline_counts_once_however_often_the_row_is_saved(scrape):
    from orders.models import Payment

    before = sample(scrape(), "securecart_payment_declines_total")
    payment = Payment.objects.create(
        gateway="test", amount=Decimal("10.00"), authorise_key=uuid.uuid4().hex
    )
    payment.status = Payment.Status.FAILED
    payment.decline_reason = "card_declined"
    payment.save()
    payment.save()  # a later re-save of the failed row
    Payment.objects.get(pk=payment.pk).save()  # and from a fresh load
    assert sample(scrape(), "securecart_payment_declines_total") == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_notification_is_counted_by_channel(scrape):
    from django.apps import apps

    try:
        log_model = apps.get_model("notifications", "NotificationLog")
    except LookupError:
        pytest.skip("notifications.NotificationLog is not defined yet")
    before = sample(scrape(), "securecart_notification_failures_total", channel="sms")
    log = log_model.objects.create(
        event_id=uuid.uuid4(),
        event_type="order.shipped",
        channel="sms",
        recipient="+15415550100",
    )
    log.status = "failed"
    log.save()
    after = sample(scrape(), "securecart_notification_failures_total", channel="sms")
    assert after == before + 1


# --- requests -------------------------------------------------------------------
@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_checkout_latency_is_observed_per_route(client):
    def count() -> float:
        return sample(
            metrics_text(),
            "securecart_checkout_duration_seconds_count",
            route="/api/v1/checkout/",
            status="2xx",
        )

    def metrics_text() -> str:
        from prometheus_client import generate_latest

        return generate_latest(metrics.REGISTRY).decode()

    before = count()
    assert client.post("/api/v1/checkout/").status_code == 201
    assert count() == before + 1
    text = metrics_text()
    assert (
        sample(
            text,
            "securecart_http_request_duration_seconds_count",
            route="/api/v1/checkout/",
            method="POST",
            status="2xx",
        )
        >= 1
    )


# --- EMF --------------------------------------------------------------------------
def test_emf_lines_are_written_in_emf_mode_only(settings, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    settings.SECURECART_METRICS_FORMAT = "prometheus"
    metrics.TASK_FAILURES.record(task="shop.some_task", exception="ValueError")
    assert stream.getvalue() == ""

    settings.SECURECART_METRICS_FORMAT = "emf"
    settings.SECURECART_METRICS_NAMESPACE = "SecureCartTest"
    metrics.TASK_FAILURES.record(task="shop.some_task", exception="ValueError")
    metrics.CHECKOUT_LATENCY.record(0.25, route="/checkout/", status="2xx")
    assert len(stream.getvalue().splitlines()) == 1  # the latency waits for its batch
    emf.flush()
    failure, latency = (json.loads(line) for line in stream.getvalue().splitlines())

    directive = failure["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "SecureCartTest"
    assert directive["Dimensions"] == [["task"]]
    assert directive["Metrics"] == [{"Name": "TaskFailures", "Unit": "Count"}]
    assert failure["task"] == "shop.some_task" and failure["TaskFailures"] == 1
    assert isinstance(failure["_aws"]["Timestamp"], int)
    assert latency["CheckoutLatency"] == [250.0]
    assert (
        latency["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] == "Milliseconds"
    )


def test_request_latencies_are_written_in_batches_not_per_request(
    settings, monkeypatch
):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    now = [100.0]
    monkeypatch.setattr(emf.time, "monotonic", lambda: now[0])
    settings.SECURECART_METRICS_FORMAT = "emf"
    settings.SECURECART_METRICS_FLUSH_SECONDS = 10
    emf.flush()
    for i in range(99):
        metrics.HTTP_LATENCY.record(
            0.001 * i, route="/c/<slug>/", method="GET", status="2xx"
        )
    metrics.HTTP_LATENCY.record(0.5, route="/p/<slug>/", method="GET", status="2xx")
    assert stream.getvalue() == ""  # 100 requests, no write yet
    metrics.HTTP_LATENCY.record(0.099, route="/c/<slug>/", method="GET", status="2xx")
    (line,) = stream.getvalue().splitlines()  # the 100th value of one route
    doc = json.loads(line)
    assert doc["route"] == "/c/<slug>/" and len(doc["RequestLatency"]) == 100
    assert doc["RequestLatency"][:2] == [0.0, 1.0] and "request_id" not in doc
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["route"]]
    now[0] += 10.5  # the other route's value is now old: written with the next one
    metrics.HTTP_LATENCY.record(0.2, route="/", method="GET", status="2xx")
    docs = [json.loads(x) for x in stream.getvalue().splitlines()[1:]]
    assert [(d["route"], d["RequestLatency"]) for d in docs] == [
        ("/p/<slug>/", [500.0])
    ]
    emf.flush()
    assert json.loads(stream.getvalue().splitlines()[-1])["RequestLatency"] == [200.0]


def test_emf_line_carries_the_request_id():
    from securecart.request_context import request_id_var

    token = request_id_var.set("req-emf-1")
    try:
        doc = emf.document(name="OrdersPlaced", value=1, unit="Count", dimensions={})
    finally:
        request_id_var.reset(token)
    assert doc["request_id"] == "req-emf-1"
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]


# --- scrape-time gauges ---------------------------------------------------------
@pytest.mark.django_db
def test_outbox_lag_is_the_age_of_the_oldest_unpublished_event(scrape):
    now = timezone.now()
    OutboxEvent.objects.create(
        type="order.placed", occurred_at=now - timedelta(minutes=10)
    )
    OutboxEvent.objects.create(
        type="order.placed", occurred_at=now - timedelta(hours=2), published_at=now
    )
    text = scrape()
    assert 600 <= sample(text, "securecart_outbox_lag_seconds") < 700
    assert sample(text, "securecart_outbox_unpublished") == 1


@pytest.mark.aws
@pytest.mark.django_db
def test_queue_and_dead_letter_depths_come_from_sqs(aws, settings, scrape):
    from securecart.aws import client as aws_client

    settings.CELERY_BROKER_URL = "sqs://"
    settings.SQS_QUEUE_PREFIX = "qd-"
    clear_queue_cache()
    sqs = aws_client("sqs")
    urls = {
        name: sqs.create_queue(QueueName=f"qd-{name}")["QueueUrl"]
        for name in ("fulfilment", "fulfilment-dlq", "default")
    }
    for _ in range(2):
        sqs.send_message(QueueUrl=urls["fulfilment"], MessageBody="{}")
    sqs.send_message(QueueUrl=urls["fulfilment-dlq"], MessageBody="{}")

    text = scrape()
    clear_queue_cache()
    assert sample(text, "securecart_queue_depth", queue="fulfilment") == 2
    assert sample(text, "securecart_dlq_depth", queue="fulfilment") == 1
    assert sample(text, "securecart_queue_unreadable", queue="fulfilment") == 0
    # default exists without its DLQ; the others do not exist at all
    assert sample(text, "securecart_queue_depth", queue="default") == 0
    assert sample(text, "securecart_queue_unreadable", queue="default") == 1
    assert sample(text, "securecart_queue_unreadable", queue="events") == 1


@pytest.mark.redis
@pytest.mark.django_db
def test_cache_hit_ratio_comes_from_redis_info(redis_cache, scrape):
    from django.core.cache import cache

    cache.set("warm", 1)
    cache.get("warm")
    cache.get("cold-miss")
    text = scrape()
    ratio = sample(text, "securecart_cache_hit_ratio")
    assert 0.0 < ratio < 1.0
    assert sample(text, "securecart_cache_keyspace_hits_total") >= 1
    assert sample(text, "securecart_cache_keyspace_misses_total") >= 1
    assert sample(text, "securecart_scrape_error", source="cache") == 0


@pytest.mark.django_db
def test_a_failing_source_is_reported_not_raised(scrape, monkeypatch):
    def broken():
        raise ConnectionError("database went away")

    monkeypatch.setattr("notifications.selectors.outbox_lag", broken)
    text = scrape()
    assert sample(text, "securecart_scrape_error", source="outbox") == 1


# --- a real worker's task failure reaches the web's /metrics ----------------------
@pytest.mark.worker
@pytest.mark.aws
@pytest.mark.slow
def test_a_task_failing_in_a_real_worker_shows_on_metrics(
    celery_worker_factory, scrape, settings, tmp_path
):
    from securecart.tasks import diagnostic_fail_task, worker_heartbeat_task

    shared_dir = tmp_path / "prometheus"
    shared_dir.mkdir()
    settings.PROMETHEUS_MULTIPROC_DIR = str(shared_dir)
    worker = celery_worker_factory(
        queues="default", extra_env={"PROMETHEUS_MULTIPROC_DIR": str(shared_dir)}
    )
    task = "securecart.diagnostic_fail_task"
    diagnostic_fail_task.apply_async(args=["metrics test"], queue="default")
    worker_heartbeat_task.apply_async(args=["after-failure"], queue="default")

    text = wait_until(
        lambda: (
            (t := scrape())
            and sample(
                t,
                "securecart_task_failures_total",
                task=task,
                exception="DiagnosticFailure",
            )
            == 1
            and sample(
                t,
                "securecart_task_duration_seconds_count",
                task="securecart.worker_heartbeat_task",
                state="SUCCESS",
            )
            == 1
            and t
        ),
        timeout=60,
        message=f"the worker's failure on /metrics\n{worker.log()}",
    )
    assert (
        sample(
            text, "securecart_task_duration_seconds_count", task=task, state="FAILURE"
        )
        == 1
    )
    assert any(shared_dir.iterdir()), "the worker wrote its metric files there"


@pytest.mark.django_db
def test_gauges_are_emitted_as_emf_by_the_beat_task(settings, monkeypatch):
    from securecart.tasks import metrics_gauges_task

    OutboxEvent.objects.create(
        type="order.placed", occurred_at=timezone.now() - timedelta(seconds=90)
    )
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    settings.SECURECART_METRICS_FORMAT = "prometheus"
    metrics_gauges_task.apply()
    assert stream.getvalue() == ""  # nothing to do outside AWS

    settings.SECURECART_METRICS_FORMAT = "emf"
    metrics_gauges_task.apply()
    docs = {
        doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]: doc
        for doc in map(json.loads, stream.getvalue().splitlines())
    }
    assert 90 <= docs["OutboxLagSeconds"]["OutboxLagSeconds"] < 150
    assert docs["OutboxUnpublished"]["OutboxUnpublished"] == 1
