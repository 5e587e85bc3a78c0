"""OpenTelemetry tracing, switched on by the standard environment variables.

On when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set and
OTEL_SDK_DISABLED is not "true"; off otherwise, at no cost beyond the API's
no-op calls. Spans go over OTLP (gRPC by default, or OTEL_EXPORTER_OTLP_PROTOCOL=
http/protobuf) to the ADOT collector sidecar, which forwards them to X-Ray.

Instrumented: Django (server spans), Celery (publish/run spans; the trace
context travels in the task headers), psycopg, Redis and botocore (SQS, SNS,
S3, EventBridge calls). Standard OTEL_* variables (OTEL_SERVICE_NAME,
OTEL_TRACES_SAMPLER, OTEL_PROPAGATORS=tracecontext,baggage,xray, …) apply.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

logger = logging.getLogger(__name__)

# Probes and scrapes would drown the real traffic in traces.
DEFAULT_EXCLUDED_URLS = "healthz,readyz,metrics"

_lock = threading.Lock()
_provider: Any = None
_instrumented = False


def tracing_enabled(environ: os._Environ | dict | None = None) -> bool:
    environ = os.environ if environ is None else environ
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


class PerProcessExporter:
    """Build the real exporter in the process that exports.

    Celery's prefork pool forks after Django (and this module) are set up; a
    gRPC channel opened before a fork is unusable in the child. The SDK's batch
    processor restarts its thread after a fork; this makes the channel follow.
    """

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._pid: int | None = None
        self._inner: Any = None

    def _exporter(self) -> Any:
        if self._pid != os.getpid():
            self._inner, self._pid = self._factory(), os.getpid()
        return self._inner

    def export(self, spans: Any) -> Any:
        return self._exporter().export(spans)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        if self._inner is None or self._pid != os.getpid():
            return True
        return self._inner.force_flush(timeout_millis)

    def shutdown(self) -> None:
        if self._inner is not None and self._pid == os.getpid():
            self._inner.shutdown()


def _exporter() -> Any:
    protocol = (
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "grpc"
    )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter()
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter as HttpExporter,
        )

        return HttpExporter()
    raise ValueError(f"unsupported OTEL_EXPORTER_OTLP_PROTOCOL {protocol!r}")


def install_provider(exporter: Any = None, *, batch: bool = True) -> Any:
    """Set the global tracer provider once (with `exporter`, else OTLP from env)."""
    global _provider
    with _lock:
        if _provider is not None:
            return _provider
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            SimpleSpanProcessor,
        )

        resource = Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME", "securecart")}
        )
        provider = TracerProvider(resource=resource)
        exporter = exporter if exporter is not None else PerProcessExporter(_exporter)
        processor = BatchSpanProcessor if batch else SimpleSpanProcessor
        provider.add_span_processor(processor(exporter))
        trace.set_tracer_provider(provider)
        _provider = provider
        return provider


def instrument() -> None:
    """Instrument Django, Celery, psycopg, Redis and botocore (idempotent)."""
    global _instrumented
    with _lock:
        if _instrumented:
            return
        os.environ.setdefault("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", DEFAULT_EXCLUDED_URLS)
        from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        DjangoInstrumentor().instrument()
        CeleryInstrumentor().instrument()
        # No SQL commenter: comments would defeat prepared-statement reuse.
        PsycopgInstrumentor().instrument(enable_commenter=False)
        RedisInstrumentor().instrument()
        BotocoreInstrumentor().instrument()
        _instrumented = True


def uninstrument() -> None:
    """Undo `instrument()` (tests switch tracing on for one test only)."""
    global _instrumented
    with _lock:
        if not _instrumented:
            return
        from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        for instrumentor in (
            DjangoInstrumentor,
            CeleryInstrumentor,
            PsycopgInstrumentor,
            RedisInstrumentor,
            BotocoreInstrumentor,
        ):
            instrumentor().uninstrument()
        _instrumented = False


def configure() -> bool:
    """Switch tracing on from the environment; return whether it is on."""
    if not tracing_enabled():
        return False
    try:
        install_provider()
        instrument()
    except Exception:  # tracing must never keep the app from starting
        logger.exception("OpenTelemetry setup failed; continuing without tracing")
        return False
    return True


def shutdown() -> None:
    """Flush pending spans (a worker process exiting)."""
    if _provider is not None:
        _provider.shutdown()
