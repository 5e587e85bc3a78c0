"""Observability: business and technical metrics, their exposition and hooks.

- `metrics`: the metric catalogue; each `record()` updates Prometheus and, with
  SECURECART_METRICS_FORMAT=emf, writes a CloudWatch Embedded Metric Format line.
- `exposition`: the protected /metrics endpoint (multiprocess-aware).
- `collectors`: gauges computed at scrape time (queue depth, outbox lag, cache).
- `signals`: model and Celery signal handlers that feed the metrics and carry
  the request id into tasks; connected from `securecart.apps`.
- `middleware`: request latency per route.
"""
