"""EventBridge: put an event envelope on the order events bus."""

from __future__ import annotations

import json
from typing import Any

from securecart.aws import client


class PutEventsFailed(Exception):
    pass


def bus_put(*, bus_name: str, source: str, envelope: dict[str, Any]) -> str:
    """Put one event (detail-type = event type, detail = the whole envelope)."""
    response = client("events").put_events(
        Entries=[
            {
                "EventBusName": bus_name,
                "Source": source,
                "DetailType": envelope["type"],
                "Detail": json.dumps(envelope, separators=(",", ":")),
            }
        ]
    )
    entry = response["Entries"][0]
    # put_events reports per-entry failures in a 200 response, not as an error.
    if response.get("FailedEntryCount") or "EventId" not in entry:
        raise PutEventsFailed(f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
    return entry["EventId"]
