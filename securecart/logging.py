"""Logging helpers: attach the request id and trace ids to every record."""

import logging

from .request_context import current_trace_ids, request_id_var


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.trace_id, record.span_id = current_trace_ids()
        return True
