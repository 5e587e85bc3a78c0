import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from notifications.models import NotificationLog, OutboxEvent
from notifications.services import event_record, outbox_publish, outbox_sweep
from notifications.services import outbox as outbox_module
from tests.notifications.helpers import record

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_event_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        event_record(type="order.placed", order_number="SC-1")


def test_event_record_rejects_unknown_types():
    with transaction.atomic(), pytest.raises(ValueError):
        event_record(type="order.exploded", order_number="SC-1")


def test_rolled_back_change_leaves_no_event_and_publishes_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            event_record(type="order.placed", order_number="SC-1")
            1 / 0
    assert callbacks == []
    assert not OutboxEvent.objects.exists()


def test_embedded_default_publishes_after_commit_through_the_in_process_bus(
    django_capture_on_commit_callbacks,
):
    # given no SNS topic: the in-process bus runs the email handler eagerly
    with django_capture_on_commit_callbacks(execute=True):
        event = record("order.placed", number="SC-INPROC1")
    # then the event is published and exactly one email went out
    event.refresh_from_db()
    assert event.published_at is not None and event.publish_attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert "SC-INPROC1" in mail.outbox[0].subject
    log = NotificationLog.objects.get(event_id=event.id)
    assert log.channel == "email" and log.status == NotificationLog.Status.SENT


def test_failing_enqueue_still_commits_and_the_sweep_publishes(
    django_capture_on_commit_callbacks, monkeypatch
):
    from notifications.tasks import outbox_relay_task

    def broker_down(**kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(outbox_relay_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        event = record("order.placed", number="SC-SWEEP01")
    event.refresh_from_db()
    assert event.published_at is None
    assert mail.outbox == []
    # when the periodic sweep runs
    monkeypatch.undo()
    result = outbox_sweep()
    # then
    assert result.published == [str(event.id)]
    event.refresh_from_db()
    assert event.published_at is not None
    assert len(mail.outbox) == 1


def test_published_events_are_not_published_again():
    event = record("order.delivered")
    assert outbox_publish(event_ids=[str(event.id)]).published == [str(event.id)]
    assert outbox_publish(event_ids=[str(event.id)]).published == []
    assert outbox_sweep().published == []


def test_publish_failure_is_recorded_and_retried_by_the_next_sweep(monkeypatch):
    event = record("order.cancelled")
    calls = []

    def flaky(evt):
        calls.append(evt.id)
        if len(calls) == 1:
            raise OSError("SNS throttled")

    monkeypatch.setattr(outbox_module, "_event_publish", flaky)
    first = outbox_publish()
    event.refresh_from_db()
    assert first.failed == [str(event.id)]
    assert event.published_at is None and event.publish_attempts == 1
    assert "SNS throttled" in event.last_error
    second = outbox_sweep()
    event.refresh_from_db()
    assert second.published == [str(event.id)]
    assert event.published_at is not None and event.last_error == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_relays_never_publish_one_event_twice(monkeypatch):
    # given 60 committed events (no on-commit relay) and two relays sweeping at once
    monkeypatch.setattr(outbox_module, "outbox_relay_enqueue", lambda **kw: None)
    with transaction.atomic():
        ids = {
            str(event_record(type="order.processing", order_number=f"SC-R{i}").id)
            for i in range(60)
        }
    published: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def fake_publish(event):
        with lock:
            published.append(str(event.id))

    monkeypatch.setattr(outbox_module, "_event_publish", fake_publish)

    def relay():
        try:
            barrier.wait(timeout=10)
            for _ in range(10):
                outbox_publish(limit=7)
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    outbox_sweep()
    # then every event was published exactly once
    assert sorted(published) == sorted(ids)
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()


def test_prune_deletes_only_old_published_events(capsys):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    old_published = record("order.delivered", number="SC-OLD00001")
    old_unpublished = record("order.delivered", number="SC-OLD00002")
    recent = record("order.delivered", number="SC-NEW00001")
    long_ago = timezone.now() - timedelta(days=40)
    OutboxEvent.objects.filter(pk=old_published.pk).update(published_at=long_ago)
    OutboxEvent.objects.filter(pk=recent.pk).update(published_at=timezone.now())
    OutboxEvent.objects.filter(pk=old_unpublished.pk).update(occurred_at=long_ago)
    call_command("outbox_prune", "--days", "30")
    assert "deleted=1" in capsys.readouterr().out
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {
        old_unpublished.pk,
        recent.pk,
    }
