"""The /metrics endpoint: Prometheus text format, for local and non-AWS use.

Access: `Authorization: Bearer <METRICS_TOKEN>` (a scraper) or a staff session with
the `securecart.view_operations` permission (superusers, the managers' groups).
An anonymous caller gets 404 (the endpoint does not advertise itself); a wrong
token or a signed-in user without that permission gets 403.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from . import metrics
from .collectors import OperationsCollector


class MergedCollector(Collector):
    """Merge metric families of several sources, summing identical series.

    The sources are the per-process files of PROMETHEUS_MULTIPROC_DIR and, when
    this process keeps its values in memory (dev server, tests), its own
    registry; the exposition format forbids a family appearing twice.
    """

    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        totals: dict[str, dict[tuple, float]] = {}
        for source in self.sources:
            for family in source.collect():
                if family.name not in families:
                    families[family.name] = Metric(
                        family.name, family.documentation, family.type, family.unit
                    )
                    totals[family.name] = {}
                series = totals[family.name]
                for sample in family.samples:
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    series[key] = series.get(key, 0.0) + sample.value
        for name, family in families.items():
            for (sample_name, labels), value in totals[name].items():
                family.add_sample(sample_name, dict(labels), value)
            yield family


def build_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    sources: list[Collector] = []
    path = settings.PROMETHEUS_MULTIPROC_DIR
    if path and os.path.isdir(path):
        sources.append(MultiProcessCollector(None, path=path))
    if not (path and metrics.writes_to_multiprocess_dir()):
        sources.append(metrics.REGISTRY)
    registry.register(MergedCollector(sources))
    registry.register(OperationsCollector())
    return registry


def _authorised(request: HttpRequest) -> bool | None:
    """True: let in; False: 403; None: 404."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        expected = settings.METRICS_TOKEN
        return bool(
            expected
            and scheme.lower() == "bearer"
            and hmac.compare_digest(token.strip().encode(), expected.encode())
        )
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return bool(
        user.is_active and user.is_staff and user.has_perm("securecart.view_operations")
    )


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    allowed = _authorised(request)
    if allowed is None:
        raise Http404
    if not allowed:
        return HttpResponseForbidden("Forbidden")
    return HttpResponse(
        generate_latest(build_registry()), content_type=CONTENT_TYPE_LATEST
    )
