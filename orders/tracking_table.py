"""The order tracking projection in DynamoDB: one item per order number.

Item: `number` (key), `seq` (the newest event applied), `status`, `token_hash`,
`user_id`, `summary` (JSON of orders.tracking.order_summary), `milestones` (a string
set of {status, at}), `tracking_number`, `carrier`, and `expires_at` (the table's
TTL attribute: the newest event's time plus ORDER_TRACKING_TTL_DAYS).

Every event write is conditional on its sequence: only a newer event moves the
status, so a duplicate or an out-of-order delivery never moves an order back. What
an older event adds (its milestone, the carrier) is added anyway, as a set union,
so the item converges to the same state whatever order the events came in.
The table is created by Terraform in AWS; `ensure_table` serves moto and tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings

from securecart.aws import client

from .tracking import Milestone, OrderTracking, tracking_build

KEY = "number"
TTL_ATTRIBUTE = "expires_at"
BATCH_WRITE_MAX = 25  # DynamoDB's BatchWriteItem limit


def table_name() -> str:
    return settings.ORDER_TRACKING_TABLE


def expires_at(moment: datetime) -> int:
    return int((moment + timedelta(days=settings.ORDER_TRACKING_TTL_DAYS)).timestamp())


@dataclass(frozen=True)
class ProjectedEvent:
    """One order event as the projection applies it."""

    number: str
    sequence: int
    status: str
    at: datetime
    milestone: Milestone | None
    summary: dict[str, Any] | None = None  # None: the order is not in RDS (yet)
    token_hash: str = ""
    user_id: int | None = None
    tracking_number: str = ""
    carrier: str = ""


def _facts(event: ProjectedEvent) -> tuple[list[str], list[str], dict[str, Any]]:
    """SET and ADD clauses (and values) that any delivery of the event may apply."""
    sets: list[str] = []
    adds: list[str] = []
    values: dict[str, Any] = {}
    if event.summary is not None:
        sets += ["summary = :summary", "token_hash = :token_hash"]
        values[":summary"] = {"S": json.dumps(event.summary, sort_keys=True)}
        values[":token_hash"] = {"S": event.token_hash}
        if event.user_id is not None:
            sets.append("user_id = :user_id")
            values[":user_id"] = {"N": str(event.user_id)}
    if event.tracking_number:
        sets += ["tracking_number = :tracking_number", "carrier = :carrier"]
        values[":tracking_number"] = {"S": event.tracking_number}
        values[":carrier"] = {"S": event.carrier}
    if event.milestone is not None:
        adds.append("milestones :milestone")
        values[":milestone"] = {"SS": [event.milestone.key()]}
    return sets, adds, values


def _expression(sets: list[str], adds: list[str]) -> str:
    parts = []
    if sets:
        parts.append("SET " + ", ".join(sets))
    if adds:
        parts.append("ADD " + ", ".join(adds))
    return " ".join(parts)


def event_apply(event: ProjectedEvent) -> bool:
    """Apply one event; True if it was the newest (moved the status), else False."""
    sets, adds, values = _facts(event)
    fresh_values = {
        **values,
        ":status": {"S": event.status},
        ":seq": {"N": str(event.sequence)},
        ":expires": {"N": str(expires_at(event.at))},
    }
    dynamodb = client("dynamodb")
    try:
        dynamodb.update_item(
            TableName=table_name(),
            Key={KEY: {"S": event.number}},
            UpdateExpression=_expression(
                [
                    "#status = :status",
                    "seq = :seq",
                    f"{TTL_ATTRIBUTE} = :expires",
                    *sets,
                ],
                adds,
            ),
            ConditionExpression="attribute_not_exists(seq) OR seq < :seq",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=fresh_values,
        )
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    if sets or adds:
        # Older or repeated: add what it knew, leave status and sequence alone (and
        # never recreate an item that expired in between).
        try:
            dynamodb.update_item(
                TableName=table_name(),
                Key={KEY: {"S": event.number}},
                UpdateExpression=_expression(sets, adds),
                ConditionExpression="attribute_exists(seq)",
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    return False


def item_from_tracking(
    tracking: OrderTracking,
    *,
    sequence: int,
    token_hash: str,
    user_id: int | None,
    last_event_at: datetime,
) -> dict[str, Any]:
    """The item a rebuild writes: what the live projection holds after every event."""
    item: dict[str, Any] = {
        KEY: {"S": tracking.number},
        "seq": {"N": str(sequence)},
        "status": {"S": tracking.status},
        "summary": {"S": json.dumps(tracking.summary, sort_keys=True)},
        "token_hash": {"S": token_hash},
        TTL_ATTRIBUTE: {"N": str(expires_at(last_event_at))},
    }
    if user_id is not None:
        item["user_id"] = {"N": str(user_id)}
    if tracking.tracking_number:
        item["tracking_number"] = {"S": tracking.tracking_number}
        item["carrier"] = {"S": tracking.carrier}
    if tracking.milestones:
        item["milestones"] = {"SS": [m.key() for m in tracking.milestones]}
    return item


def items_put(items: Iterable[dict[str, Any]]) -> int:
    """Write items with BatchWriteItem (25 a call), retrying unprocessed ones."""
    dynamodb = client("dynamodb")
    written = 0
    batch = [{"PutRequest": {"Item": item}} for item in items]
    for start in range(0, len(batch), BATCH_WRITE_MAX):
        requests = batch[start : start + BATCH_WRITE_MAX]
        for _attempt in range(8):
            response = dynamodb.batch_write_item(RequestItems={table_name(): requests})
            requests = response.get("UnprocessedItems", {}).get(table_name(), [])
            if not requests:
                break
        if requests:
            raise RuntimeError(f"{len(requests)} items stayed unprocessed")
        written += len(batch[start : start + BATCH_WRITE_MAX])
    return written


def items_sequences(numbers: list[str]) -> dict[str, int]:
    """The sequence each of these orders has in the table (absent: not there)."""
    dynamodb = client("dynamodb")
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 100):  # BatchGetItem takes 100 keys
        keys: list[dict[str, Any]] = [
            {KEY: {"S": number}} for number in numbers[start : start + 100]
        ]
        for _attempt in range(8):
            response = dynamodb.batch_get_item(
                RequestItems={
                    table_name(): {
                        "Keys": keys,
                        "ProjectionExpression": "#n, seq",
                        "ExpressionAttributeNames": {"#n": KEY},
                        "ConsistentRead": True,
                    }
                }
            )
            for item in response["Responses"].get(table_name(), []):
                found[item[KEY]["S"]] = int(item["seq"]["N"])
            keys = (
                response.get("UnprocessedKeys", {})
                .get(table_name(), {})
                .get("Keys", [])
            )
            if not keys:
                break
    return found


@dataclass(frozen=True)
class TrackingItem:
    tracking: OrderTracking
    token_hash: str
    user_id: int | None
    sequence: int


def item_get(number: str) -> TrackingItem | None:
    """The projected order, or None if the table has no complete item for it."""
    item = (
        client("dynamodb")
        .get_item(TableName=table_name(), Key={KEY: {"S": number}})
        .get("Item")
    )
    if not item or "summary" not in item:
        return None
    return item_decode(item)


def item_decode(item: dict[str, Any]) -> TrackingItem:
    tracking = tracking_build(
        summary=json.loads(item["summary"]["S"]),
        status=item["status"]["S"],
        milestones=[
            Milestone.from_key(k) for k in item.get("milestones", {}).get("SS", [])
        ],
        tracking_number=item.get("tracking_number", {}).get("S", ""),
        carrier=item.get("carrier", {}).get("S", ""),
        source="dynamodb",
    )
    user = item.get("user_id", {}).get("N")
    return TrackingItem(
        tracking=tracking,
        token_hash=item["token_hash"]["S"],
        user_id=int(user) if user is not None else None,
        sequence=int(item["seq"]["N"]),
    )


def items_scan() -> Iterator[dict[str, Any]]:
    """Every raw item (tests and checks compare projections)."""
    paginator = client("dynamodb").get_paginator("scan")
    for page in paginator.paginate(TableName=table_name(), ConsistentRead=True):
        yield from page["Items"]


def ensure_table() -> str:
    """Create the table (on-demand, TTL on) if missing: moto and first installs."""
    dynamodb = client("dynamodb")
    try:
        dynamodb.create_table(
            TableName=table_name(),
            KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
    dynamodb.get_waiter("table_exists").wait(
        TableName=table_name(), WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    ttl = dynamodb.describe_time_to_live(TableName=table_name())
    if ttl["TimeToLiveDescription"].get("TimeToLiveStatus") not in (
        "ENABLED",
        "ENABLING",
    ):
        dynamodb.update_time_to_live(
            TableName=table_name(),
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    return table_name()
