"""CloudWatch Embedded Metric Format (EMF) lines.

In AWS the ECS log driver ships stdout to CloudWatch Logs, which turns every JSON
line carrying an `_aws` block into metric data points: no agent, no PutMetricData
calls on the request path. The line is written straight to stdout (not through the
JSON log formatter) because CloudWatch only extracts a top-level `_aws` object.

Per-request latencies are not written per request (a write to stdout on every
request's path): `batch` keeps them per metric and dimensions and writes one line
holding up to 100 values (EMF's array form) when 100 are kept or the oldest is
SECURECART_METRICS_FLUSH_SECONDS old, checked as values arrive, and at exit.
"""

from __future__ import annotations

import atexit
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


# EMF takes at most 100 values per metric in one document.
BATCH_VALUES = 100
_batches: dict[tuple, list[float]] = {}
_batch_started: dict[tuple, float] = {}


def batch(
    *,
    name: str,
    value: float,
    unit: str,
    dimensions: Mapping[str, str],
    stream: TextIO | None = None,
) -> None:
    """Keep one value of a per-request metric; write the batch when it is full
    or old enough (see the module)."""
    key = (name, unit, tuple(sorted(dimensions.items())))
    now = time.monotonic()
    flush_after = float(getattr(settings, "SECURECART_METRICS_FLUSH_SECONDS", 10))
    with _lock:
        values = _batches.setdefault(key, [])
        _batch_started.setdefault(key, now)
        values.append(value)
        full = len(values) >= BATCH_VALUES
        due = [
            k for k, started in _batch_started.items() if now - started >= flush_after
        ]
        ready = {k: _batches.pop(k) for k in {*due, *([key] if full else [])}}
        for k in ready:
            _batch_started.pop(k, None)
    for (metric, metric_unit, dims), kept in ready.items():
        _write_batch(metric, metric_unit, dict(dims), kept, stream)


def flush(stream: TextIO | None = None) -> None:
    """Write every kept value now (at exit, and for tests)."""
    with _lock:
        ready = dict(_batches)
        _batches.clear()
        _batch_started.clear()
    for (metric, metric_unit, dims), kept in ready.items():
        _write_batch(metric, metric_unit, dict(dims), kept, stream)


def _write_batch(
    name: str, unit: str, dimensions: dict, values: list[float], stream: TextIO | None
) -> None:
    doc = document(name=name, value=0, unit=unit, dimensions=dimensions)
    doc[name] = values
    doc.pop("request_id", None)  # many requests' values: no one request's ids
    doc.pop("trace_id", None)
    out = stream or sys.stdout
    with _lock:
        out.write(json.dumps(doc, separators=(",", ":")) + "\n")
        out.flush()


atexit.register(flush)
