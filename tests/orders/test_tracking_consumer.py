"""A real `manage.py project_order_tracking` process: order placed → projection row."""

from __future__ import annotations

import os
import uuid

import pytest

from notifications.services import messaging_ensure
from orders.models import Order
from orders.tracking_table import ensure_table, item_get
from tests.notifications.helpers import ConsumerProcess, process_env
from tests.orders.test_tasks_fulfilment import place_order
from tests.services import AWS_TEST_ENV, wait_until

pytestmark = [pytest.mark.aws, pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_placed_order_reaches_the_projection_through_its_own_queue(
    aws, settings, tmp_path
):
    # given the topic, the order-tracking queue (filtered) and its table on moto,
    # and a projector process
    settings.SQS_QUEUE_PREFIX = f"p{uuid.uuid4().hex[:6]}-"
    settings.ORDER_TRACKING_TABLE = f"{settings.SQS_QUEUE_PREFIX}order-tracking"
    settings.EVENT_BUS_NAME = ""
    resources = messaging_ensure(with_event_bus=False)
    settings.SNS_ORDER_EVENTS_TOPIC_ARN = resources.topic_arn
    ensure_table()
    assert "order-tracking" in resources.queue_urls
    projector = ConsumerProcess(
        channel="order-tracking",
        command=["project_order_tracking"],
        env=process_env(
            {**os.environ, **AWS_TEST_ENV},
            AWS_ENDPOINT_URL=aws.endpoint,
            SQS_QUEUE_PREFIX=settings.SQS_QUEUE_PREFIX,
            ORDER_TRACKING_TABLE=settings.ORDER_TRACKING_TABLE,
        ),
        log_path=tmp_path / "projector.log",
    ).start()
    try:
        # when a shopper places an order (fulfilment runs after commit, in-process)
        order = place_order()

        # then the projection catches up with the order's final status
        def projected():
            final = Order.objects.get(pk=order.pk)
            item = item_get(order.number)
            if item is None or item.sequence != final.event_sequence:
                return None
            return item, final

        item, final = wait_until(
            projected, 60, interval=0.3, message="projection to catch up"
        )
        assert item.tracking.status == final.status
        assert item.tracking.milestones[0].status == "placed"
        assert item.user_id is None
    finally:
        projector.stop()
    assert "received=" in projector.log(), projector.log()
