"""Tracing and request ids: from the web request, through Celery, into logs."""

from __future__ import annotations

import gzip
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from securecart import tracing
from securecart.request_context import request_id_var
from tests.services import wait_until

logger = logging.getLogger("securecart.test.tracing")


def _enqueue_heartbeat(request):
    from securecart.tasks import worker_heartbeat_task

    worker_heartbeat_task.apply_async(args=[request.GET["token"]], queue="default")
    return HttpResponse("queued", status=202)


urlpatterns = [path("enqueue/", _enqueue_heartbeat)]


# --- switching on -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317"}, True),
        (
            {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"},
            True,
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
                "OTEL_SDK_DISABLED": "true",
            },
            False,
        ),
    ],
)
def test_tracing_is_on_only_with_an_otlp_endpoint_and_not_disabled(environ, enabled):
    assert tracing.tracing_enabled(environ) is enabled


def test_configure_does_nothing_when_no_endpoint_is_set(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracing.configure() is False


# --- an in-process tracer for the web side ----------------------------------------
@pytest.fixture
def web_tracing() -> Iterator[SimpleNamespace]:
    """Trace this (test) process into memory, with every instrumentation on."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
        InMemorySpanExporter,
    )

    exporter = getattr(tracing, "_test_exporter", None)
    if exporter is None:
        # The global tracer provider can be set once per process.
        exporter = InMemorySpanExporter()
        tracing._test_exporter = exporter
        tracing.install_provider(exporter, batch=False)
    exporter.clear()
    tracing.instrument()
    try:
        yield SimpleNamespace(spans=exporter.get_finished_spans)
    finally:
        tracing.uninstrument()


def test_log_lines_inside_a_span_carry_trace_and_span_ids(web_tracing, caplog):
    from opentelemetry import trace

    from securecart.logging import RequestIdFilter

    with trace.get_tracer(__name__).start_as_current_span("unit") as span:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "inside", None, None)
        RequestIdFilter().filter(record)
        context = span.get_span_context()
    assert record.trace_id == f"{context.trace_id:032x}"
    assert record.span_id == f"{context.span_id:016x}"
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "outside", None, None)
    RequestIdFilter().filter(outside)
    assert outside.trace_id is None and outside.span_id is None


def test_request_id_header_is_added_on_publish_and_restored_in_the_worker():
    from securecart.observability import signals

    headers: dict = {}
    token = request_id_var.set("req-42")
    try:
        signals.task_published(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers == {"request_id": "req-42"}

    # the worker side: a task whose request carries the header
    task = SimpleNamespace(name="t", request=SimpleNamespace(request_id="req-42"))
    signals.task_started("task-1", task=task)
    assert request_id_var.get() == "req-42"
    signals.task_finished("task-1", task=task, state="SUCCESS")
    assert request_id_var.get() is None


def test_an_eager_task_keeps_the_callers_request_id():
    from securecart.observability import signals

    token = request_id_var.set("req-eager")
    try:
        task = SimpleNamespace(name="t", request=SimpleNamespace(is_eager=True))
        signals.task_started("task-2", task=task)
        assert request_id_var.get() == "req-eager"
        signals.task_finished("task-2", task=task, state="SUCCESS")
        assert request_id_var.get() == "req-eager"
    finally:
        request_id_var.reset(token)


# --- a collector for the worker's spans ---------------------------------------------
@pytest.fixture
def otlp_receiver() -> Iterator[SimpleNamespace]:
    """A minimal OTLP/HTTP trace receiver: records (trace_id, name, service)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )

    spans: list[tuple[str, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource_spans in request.resource_spans:
                service = next(
                    (
                        a.value.string_value
                        for a in resource_spans.resource.attributes
                        if a.key == "service.name"
                    ),
                    "",
                )
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        spans.append((span.trace_id.hex(), span.name, service))
            payload = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(
            endpoint=f"http://127.0.0.1:{server.server_address[1]}", spans=spans
        )
    finally:
        server.shutdown()
        server.server_close()


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


@pytest.mark.worker
@pytest.mark.aws
@pytest.mark.slow
@override_settings(ROOT_URLCONF=__name__)
def test_request_and_trace_ids_reach_the_worker_log_lines_and_spans(
    client, otlp_receiver, celery_worker_factory, web_tracing
):
    # (otlp_receiver first: it must outlive the worker, which flushes on exit)
    # given a worker that exports its spans over OTLP/HTTP
    worker = celery_worker_factory(
        queues="default",
        extra_env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_SERVICE_NAME": "securecart-worker-test",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        },
    )
    token = uuid.uuid4().hex
    # when a web request with its own request id enqueues a task
    response = client.get(
        f"/enqueue/?token={token}", headers={"X-Request-ID": "req-trace-1"}
    )
    assert response.status_code == 202
    server_spans = [s for s in web_tracing.spans() if s.kind.name == "SERVER"]
    assert server_spans, "the Django request was traced"
    trace_id = f"{server_spans[0].context.trace_id:032x}"

    # then the task's log line in the worker carries both ids
    def heartbeat_line() -> dict | None:
        return next(
            (
                line
                for line in _json_lines(worker.log())
                if line.get("message") == f"worker heartbeat {token}"
            ),
            None,
        )

    line = wait_until(heartbeat_line, 60, message=f"heartbeat log\n{worker.log()}")
    assert line["request_id"] == "req-trace-1"
    assert line["trace_id"] == trace_id
    assert line["span_id"] and len(line["span_id"]) == 16

    # and the worker exported its task span into the same trace
    wait_until(
        lambda: any(
            t == trace_id and service == "securecart-worker-test"
            for t, _, service in otlp_receiver.spans
        ),
        30,
        message=f"the worker's span in trace {trace_id}: {otlp_receiver.spans}",
    )
    names = {name for t, name, _ in otlp_receiver.spans if t == trace_id}
    assert any("worker_heartbeat_task" in name for name in names), names
