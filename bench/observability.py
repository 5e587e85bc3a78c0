"""Cost of the observability hooks: recording a metric, rendering /metrics, and
the request-metrics middleware relative to the same view without it.

Run from the repo root: .venv/bin/python bench/observability.py
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securecart.settings.local")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from prometheus_client import generate_latest  # noqa: E402

from securecart.observability import metrics  # noqa: E402
from securecart.observability.exposition import MergedCollector  # noqa: E402
from securecart.observability.middleware import RequestMetricsMiddleware  # noqa: E402


def per_call_us(fn, n: int) -> float:
    """Median over 5 runs of the mean microseconds per call."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(runs)


def main() -> None:
    from django.conf import settings

    n = 20_000
    counter = per_call_us(lambda: metrics.TASK_RETRIES.record(task="bench.task"), n)
    histogram = per_call_us(
        lambda: metrics.HTTP_LATENCY.record(
            0.012, route="/bench/", method="GET", status="2xx"
        ),
        n,
    )
    settings.SECURECART_METRICS_FORMAT = "emf"
    sink = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, sink
    try:
        emf_histogram = per_call_us(
            lambda: metrics.HTTP_LATENCY.record(
                0.012, route="/bench/", method="GET", status="2xx"
            ),
            n,
        )
    finally:
        sys.stdout = real_stdout
    settings.SECURECART_METRICS_FORMAT = "prometheus"

    # 60 routes × 3 status classes of latency series, 20 tasks: a busy exposition
    for i in range(60):
        for status in ("2xx", "4xx", "5xx"):
            metrics.HTTP_LATENCY.record(
                0.05, route=f"/r{i}/", method="GET", status=status
            )
    for i in range(20):
        metrics.TASK_DURATION.record(0.3, task=f"app.task_{i}", state="SUCCESS")
    merged = MergedCollector([metrics.REGISTRY])

    class Wrapper:
        def collect(self):
            return merged.collect()

    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Wrapper())
    body = generate_latest(registry)
    render_ms = per_call_us(lambda: generate_latest(registry), 50) / 1000

    factory = RequestFactory()

    def view(request):
        return HttpResponse("ok")

    bare = view
    wrapped = RequestMetricsMiddleware(view)
    request = factory.get("/hello/")
    bare_us = per_call_us(lambda: bare(request), n)
    wrapped_us = per_call_us(lambda: wrapped(request), n)

    print(f"Metric.record counter (prometheus only):   {counter:6.2f} µs/call")
    print(f"Metric.record histogram (prometheus only): {histogram:6.2f} µs/call")
    print(f"Metric.record histogram + EMF (batched):   {emf_histogram:6.2f} µs/call")
    print(
        f"/metrics render, {len(body.splitlines())} lines ({len(body) // 1024} KiB): {render_ms:6.2f} ms"
    )
    print(
        f"view alone: {bare_us:.2f} µs; with RequestMetricsMiddleware: {wrapped_us:.2f} µs "
        f"(+{wrapped_us - bare_us:.2f} µs/request)"
    )


if __name__ == "__main__":
    main()
