"""What a web process does once its application is loaded (securecart/wsgi.py; the
bench's app does the same).

`settle()` loads the URLconf, hence every view module, as the first request
would, then hands every object alive so far to `gc.freeze()`: the ~150,000
modules, classes and functions of the application sit in the garbage collector's
permanent generation, never scanned again. Without it, Django's and DRF's
per-request reference cycles (request <-> view, serializer <-> fields) that outlive
a young collection wait for a full collection, which runs only once the objects
pending in the oldest generation reach a quarter of those 150,000: a sync worker
then holds several MB of garbage at a time, and each full collection walks the
whole application. After the freeze a full collection walks what requests
left behind, soon and quickly.
"""

from __future__ import annotations

import gc


def settle() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the views, as a request would)
    gc.collect()
    gc.freeze()
    # Counts the (now few) survivors as the oldest generation: the next full
    # collection is due after requests leave a quarter of that, not of 150,000.
    gc.collect()
