"""The worker of the Step Functions engine: consume the fulfilment-steps queue.

Each message is one Task state of the fulfilment state machine
({step, order_number, task_token, ...}, sent with
`sqs:sendMessage.waitForTaskToken`). The worker runs the step service
(orders.services.fulfilment_steps) and answers the token:
- SendTaskSuccess with {step, outcome, status};
- SendTaskFailure "Step.Transient" for a transient error (the state machine
  retries with backoff, as the Celery tasks do), "Step.Failed" otherwise (its
  Catch compensates).
While a step runs, a heartbeat thread sends SendTaskHeartbeat and keeps the
message invisible. The message is deleted once the token is answered, or when
Step Functions says the token no longer waits (answered before: a redelivered
message or a replayed token; the step ran again and changed nothing). A worker
killed mid-step answers nothing: SQS redelivers the message after its
visibility timeout and the next worker runs the step (idempotent) and answers
the same token.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from django.conf import settings

from orders.integrations.stepfunctions import task_answer, task_heartbeat
from orders.services.fulfilment import TRANSIENT_ERRORS
from orders.services.fulfilment_steps import fulfilment_step_run
from securecart.sqs_consumer import QueueConsumer

logger = logging.getLogger(__name__)

ERROR_TRANSIENT = "Step.Transient"
ERROR_FAILED = "Step.Failed"


def steps_queue_name() -> str:
    return f"{settings.SQS_QUEUE_PREFIX}{settings.FULFILMENT_STEPS_QUEUE}"


class _Heartbeat:
    """Heartbeat the task and stretch the message's visibility while a step runs."""

    def __init__(self, consumer: FulfilmentStepConsumer, message: dict, token: str):
        self.consumer, self.message, self.token = consumer, message, token
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        interval = settings.FULFILMENT_HEARTBEAT_SECONDS
        while not self.done.wait(interval):
            try:
                task_heartbeat(token=self.token)
            except Exception:
                logger.exception("task heartbeat failed")
            self.consumer.visibility(self.message, interval * 3)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(5)


class FulfilmentStepConsumer(QueueConsumer):
    label = "fulfilment-steps"

    def __init__(self, *, wait_seconds: int = 20, batch_size: int = 1):
        # One message at a time: a batch would wait invisible behind a long step.
        super().__init__(
            queue_name=steps_queue_name(),
            wait_seconds=wait_seconds,
            batch_size=batch_size,
        )

    def handle(self, message: dict) -> None:
        self.stats.received += 1
        try:
            body = json.loads(message.get("Body", ""))
            token = str(body["task_token"])
        except (ValueError, KeyError, TypeError) as exc:
            # No token to answer: leave it to the queue's redrive policy (DLQ).
            self.stats.malformed += 1
            logger.error("malformed fulfilment step message: %s", exc)
            self.visibility(message, 0)
            return
        with _Heartbeat(self, message, token):
            answer = self._run(body)
        try:
            answered = task_answer(token=token, **answer)
        except Exception:
            # Not answered (Step Functions unreachable): the message comes back
            # after its visibility timeout and the step runs (idempotently) again.
            self.stats.retried += 1
            logger.exception("could not answer the task token of %s", body.get("step"))
            return
        if not answered:
            self.stats.count("token gone")
            logger.info(
                "task token of %s %s no longer waits (answered before)",
                body.get("step"),
                body.get("order_number"),
            )
        self.delete(message)

    def _run(self, body: dict[str, Any]) -> dict[str, Any]:
        step = body.get("step")
        try:
            output = fulfilment_step_run(message=body)
        except TRANSIENT_ERRORS as exc:
            self.stats.count(f"{step}: transient")
            logger.warning("fulfilment step %s failed, retrying: %r", step, exc)
            return {"error": ERROR_TRANSIENT, "cause": f"{type(exc).__name__}: {exc}"}
        except Exception as exc:  # MalformedStep or a permanent error
            self.stats.count(f"{step}: failed")
            logger.exception("fulfilment step %s failed for good", step)
            return {"error": ERROR_FAILED, "cause": f"{type(exc).__name__}: {exc}"}
        self.stats.count(f"{step}: {output['outcome']}")
        logger.info(
            "fulfilment step done",
            extra={"step": step, "order_number": body.get("order_number"), **output},
        )
        return {"output": output}
