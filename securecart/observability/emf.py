"""CloudWatch Embedded Metric Format (EMF) lines.

In AWS the ECS log driver ships stdout to CloudWatch Logs, which turns every JSON
line carrying an `_aws` block into metric data points: no agent, no PutMetricData
calls on the request path. The line is written straight to stdout (not through the
JSON log formatter) because CloudWatch only extracts a top-level `_aws` object.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from typing import TextIO

from django.conf import settings

from securecart.request_context import current_trace_ids, request_id_var

_lock = threading.Lock()


def enabled() -> bool:
    return getattr(settings, "SECURECART_METRICS_FORMAT", "prometheus") == "emf"


def document(
    *, name: str, value: float, unit: str, dimensions: Mapping[str, str]
) -> dict:
    """Build one EMF document: one metric, its dimensions, and correlation ids."""
    doc: dict = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": settings.SECURECART_METRICS_NAMESPACE,
                    "Dimensions": [sorted(dimensions)],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **{key: str(val) for key, val in dimensions.items()},
        name: value,
    }
    # Not dimensions (they would multiply series); searchable in Logs Insights.
    request_id = request_id_var.get()
    trace_id, _ = current_trace_ids()
    if request_id:
        doc["request_id"] = request_id
    if trace_id:
        doc["trace_id"] = trace_id
    return doc


def emit(
    *,
    name: str,
    value: float,
    unit: str,
    dimensions: Mapping[str, str],
    stream: TextIO | None = None,
) -> None:
    line = json.dumps(
        document(name=name, value=value, unit=unit, dimensions=dimensions),
        separators=(",", ":"),
    )
    out = stream or sys.stdout
    with _lock:  # one line per write, never interleaved between threads
        out.write(line + "\n")
        out.flush()
