"""One checkout attempt per Idempotency-Key.

The unique constraint on the key decides who owns an attempt: the first INSERT
wins, a concurrent duplicate waits for the owner and replays its outcome, a
retry after a crash (a stale claim) or after the gateway was unreachable
(retryable) takes the claim over with a conditional update, so exactly one
process resumes it. What is stored is the domain outcome (the order, or the
error's code, message and lines); the API stores the body it rendered beside
it, so a replay answers byte for byte what the first request got.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from securecart.write_plans import InsertPlan, UpdatePlan

from ..exceptions import IdempotencyConflict, IdempotencyInProgress
from ..models import CheckoutIdempotencyKey, Order

# A duplicate request waits this long for the first one to finish.
IDEMPOTENCY_WAIT_SECONDS = 15.0
# An in-progress claim older than this is taken to be from a crashed process.
IDEMPOTENCY_STALE_AFTER = timedelta(seconds=60)

K = CheckoutIdempotencyKey.State

# Written by every checkout: compiled once per process (securecart.query_plans).
_KEY_INSERT = InsertPlan(CheckoutIdempotencyKey)
_KEY_COMPLETE = UpdatePlan(
    CheckoutIdempotencyKey,
    "state",
    "order",
    "response_status",
    "response_body",
    "updated_at",
)


@dataclass
class CheckoutOutcome:
    """What became of a checkout attempt: an order, or why there is none.

    `error` is the domain answer ({"detail", "code", "lines"?}: codes
    `payment_declined`, `insufficient_stock`, `stale_cart`,
    `checkout_abandoned`); the API turns it into a status in its one table.
    `stored_status`/`stored_body` are what the API rendered the first time.
    """

    record_id: int
    order: Order | None = None
    error: dict[str, Any] | None = None
    replayed: bool = False
    stored_status: int | None = None
    stored_body: dict[str, Any] | None = None

    @property
    def placed(self) -> bool:
        return self.order is not None

    @property
    def code(self) -> str:
        return (
            "placed" if self.order is not None else (self.error or {}).get("code", "")
        )


# Renders an outcome as the caller will answer it: (status, body).
Respond = Callable[[CheckoutOutcome], tuple[int, dict[str, Any]]]


def checkout_request_hash(**fields: Any) -> str:
    """A stable hash of the normalised request (and who sent it)."""
    canonical = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _wait_a_little(delay: float) -> float:
    # Do not sit on a pooled DB connection while waiting for the owner.
    if not transaction.get_connection().in_atomic_block:
        transaction.get_connection().close()
    time.sleep(delay)
    return min(delay * 1.5, 0.25)


def _insert(*, key: str, request_hash: str, user: Any) -> CheckoutIdempotencyKey | None:
    # One INSERT: in autocommit mode it is its own transaction (a BEGIN/COMMIT
    # around it would only add two round trips); inside one, a savepoint keeps
    # the caller's transaction usable after a duplicate key.
    in_transaction = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if in_transaction else nullcontext():
            record = CheckoutIdempotencyKey(
                key=key,
                request_hash=request_hash,
                user=user if user is not None and user.is_authenticated else None,
            )
            _KEY_INSERT.save(record)
    except IntegrityError:
        return None
    record.fresh = True  # type: ignore[attr-defined]
    return record


def _take_over(record: CheckoutIdempotencyKey) -> bool:
    """Of several retries of a crashed or retryable attempt, exactly one wins."""
    taken = CheckoutIdempotencyKey.objects.filter(
        pk=record.pk, state=record.state, updated_at=record.updated_at
    ).update(state=K.IN_PROGRESS, updated_at=timezone.now())
    if taken:
        record.refresh_from_db()
    return bool(taken)


def idempotency_claim(
    *, key: str, request_hash: str, user: Any
) -> CheckoutIdempotencyKey:
    """Own the key (first request, or take-over of a crashed or retryable one), or
    return the completed record of the request that owns it (state COMPLETED).

    Raises IdempotencyConflict (same key, other request) or IdempotencyInProgress
    (the owner is still working after IDEMPOTENCY_WAIT_SECONDS).
    """
    deadline = time.monotonic() + IDEMPOTENCY_WAIT_SECONDS
    delay = 0.02
    while True:
        record = _insert(key=key, request_hash=request_hash, user=user)
        if record is not None:
            return record
        record = CheckoutIdempotencyKey.objects.filter(key=key).first()
        if record is None:  # the owner gave the key back (invalid request): claim it
            continue
        if record.request_hash != request_hash:
            raise IdempotencyConflict(
                "This Idempotency-Key was already used with a different request."
            )
        if record.state == K.COMPLETED:
            return record
        stale = record.updated_at < timezone.now() - IDEMPOTENCY_STALE_AFTER
        if (record.state == K.RETRYABLE or stale) and _take_over(record):
            return record
        if record.state == K.RETRYABLE or stale:
            continue
        if time.monotonic() > deadline:
            raise IdempotencyInProgress(
                "A request with this Idempotency-Key is still being processed; "
                "retry shortly."
            )
        delay = _wait_a_little(delay)


def idempotency_complete(
    *,
    record: CheckoutIdempotencyKey,
    outcome: CheckoutOutcome,
    respond: Respond | None = None,
) -> None:
    """Close the attempt with its outcome (the order placed, or the error) and,
    when the caller renders one, the answer it gives, in one write."""
    record.state = K.COMPLETED
    record.order = outcome.order
    record.response_status, record.response_body = (
        respond(outcome) if respond is not None else (None, outcome.error)
    )
    _KEY_COMPLETE.save(record)


def idempotency_retryable(*, record: CheckoutIdempotencyKey) -> None:
    """Nothing was charged and the cause was passing: a retry takes over at once."""
    record.state = K.RETRYABLE
    record.save(update_fields=["state", "updated_at"])
