"""The current request id, visible to every log line of the request.

Web requests set it in RequestIdMiddleware; Celery tasks restore it from the
`request_id` message header (securecart.observability.signals), so a worker's
log lines carry the id of the request that caused the task.
"""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_trace_ids() -> tuple[str | None, str | None]:
    """Return (trace_id, span_id) of the active OpenTelemetry span, hex-encoded.

    Both are None when tracing is off (OTEL_EXPORTER_OTLP_ENDPOINT unset) or no
    span is active; the API alone is a cheap no-op then.
    """
    try:
        from opentelemetry import trace
    except ImportError:  # tracing packages are optional at run time
        return None, None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"
