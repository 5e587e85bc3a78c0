"""Logging helpers: attach the request id, partner and trace ids to every record."""

import logging

from .partners import partner_var
from .request_context import current_trace_ids, request_id_var


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        # The API Gateway partner of the request (securecart.partners), or None.
        record.partner = partner_var.get()
        record.trace_id, record.span_id = current_trace_ids()
        return True
