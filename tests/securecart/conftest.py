import io
import json
import logging

import pytest


@pytest.fixture
def json_log_lines():
    """Capture what the configured JSON handler writes."""
    root = logging.getLogger()
    handler = next(
        h for h in root.handlers if h.formatter.__class__.__name__ == "JsonFormatter"
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    handler.setStream(old)
