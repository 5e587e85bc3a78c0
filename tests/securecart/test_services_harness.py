"""The real services the suite relies on are really there and really used."""

import json
import uuid

import pytest
from django.db import connections

from tests.services import wait_until


@pytest.mark.postgres
@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_replica_is_a_streaming_hot_standby_of_the_primary():
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    # a row committed on the primary becomes visible on the standby
    marker = uuid.uuid4().hex
    with connections["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS harness_probe (v text)")
        cursor.execute("INSERT INTO harness_probe VALUES (%s)", [marker])

    def seen_on_replica():
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT to_regclass('harness_probe') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT 1 FROM harness_probe WHERE v = %s", [marker])
            return cursor.fetchone() is not None

    wait_until(seen_on_replica, 10, message="replication of the probe row")
    with connections["default"].cursor() as cursor:
        cursor.execute("DROP TABLE harness_probe")


@pytest.mark.redis
def test_redis_cache_round_trips_through_a_real_server(redis_cache):
    import redis
    from django.core.cache import cache

    cache.set("probe", {"n": 1}, timeout=30)
    assert cache.get("probe") == {"n": 1}
    keys = redis.Redis.from_url(redis_cache.url).keys(f"{redis_cache.prefix}:*")
    assert keys, "the value should be stored in redis under the test's prefix"


@pytest.mark.aws
def test_moto_fans_sns_out_to_sqs_with_a_filter_policy(aws):
    from securecart.aws import client

    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="probe-events")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="probe-sms")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"event_type": ["order.shipped"]}),
        },
    )
    for event_type in ("order.placed", "order.shipped"):
        sns.publish(
            TopicArn=topic,
            Message=json.dumps({"type": event_type}),
            MessageAttributes={
                "event_type": {"DataType": "String", "StringValue": event_type}
            },
        )
    messages = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
    )
    bodies = [json.loads(m["Body"]) for m in messages.get("Messages", [])]
    assert bodies == [{"type": "order.shipped"}]


@pytest.mark.aws
@pytest.mark.redis
@pytest.mark.worker
def test_a_real_worker_process_consumes_tasks_from_sqs(
    redis_cache, celery_worker_factory, celery_sqs
):
    from django.core.cache import cache

    from securecart.tasks import HEARTBEAT_KEY, worker_heartbeat_task

    worker = celery_worker_factory(queues="default")
    token = uuid.uuid4().hex
    worker_heartbeat_task.delay(token)
    wait_until(
        lambda: cache.get(HEARTBEAT_KEY.format(token=token)) == "ok",
        30,
        message="the worker to run the heartbeat task",
    )
    assert "securecart.worker_heartbeat_task" in worker.log()
    # the message went through SQS on moto, under this test's queue prefix
    from securecart.aws import client

    urls = (
        client("sqs")
        .list_queues(QueueNamePrefix=celery_sqs.prefix)
        .get("QueueUrls", [])
    )
    assert any(url.endswith(f"{celery_sqs.prefix}default") for url in urls)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_renders_the_admin_login_page(page):
    page.goto("/admin/login/")
    assert page.locator("input[name=username]").is_visible()
    assert "Log in" in page.title()
