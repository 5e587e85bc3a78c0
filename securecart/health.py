"""Health endpoints for load balancers and ECS.

`/healthz` answers as long as the process serves requests. `/readyz` checks each
dependency and answers 503 when a required one fails; a failing read replica or
cache only degrades (the router falls back to the primary, the cache to misses,
sessions to the database). Apps add checks of their own through
securecart/registry.py (`register_readiness_check`).
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from . import registry
from .registry import CheckResult

logger = logging.getLogger(__name__)


def check_database(alias: str) -> CheckResult:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return CheckResult(True)


def check_replica(alias: str) -> CheckResult:
    """Report the router's cached verdict: cheap, and bounded even when it is down."""
    from .db_routers import replica_verdict

    verdict = replica_verdict(alias)
    return CheckResult(verdict.healthy, verdict.detail)


def cache_backend_detail() -> str:
    """Name the cache backend and where it is, without credentials."""
    conf = settings.CACHES["default"]
    backend = conf["BACKEND"].rsplit(".", 1)[-1]
    location = conf.get("LOCATION", "")
    if isinstance(location, list | tuple):
        location = ",".join(location)
    if "://" in location:
        parts = urlsplit(location)
        location = f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"
    return f"{backend} {location}".strip()


def check_cache() -> CheckResult:
    backend = cache_backend_detail()
    if settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
        # IGNORE_EXCEPTIONS turns errors into misses; ping for the real cause.
        cache.client.get_client(write=True).ping()  # type: ignore[attr-defined]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return CheckResult(
        ok, backend if ok else f"{backend}: did not return what was stored"
    )


def check_broker() -> CheckResult:
    url = settings.CELERY_BROKER_URL
    if not url:
        return CheckResult(True, "eager (no broker configured)")
    if url.startswith("sqs://"):
        from securecart.aws import client  # local: boto3 is slow to import

        name = f"{settings.SQS_QUEUE_PREFIX}{settings.CELERY_TASK_DEFAULT_QUEUE}"
        client("sqs").get_queue_url(QueueName=name)
        return CheckResult(True, f"sqs queue {name}")
    from securecart.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return CheckResult(True)


# Once every migration is applied it stays so for this process: check no more.
_migrations_done = False


def check_migrations() -> CheckResult:
    """Not ready while the database lacks a migration this code expects.

    A task that starts before the release's migrations ran would serve 500s on
    every page that touches a new column; until then it stays out of the load
    balancer. Reading the migration files costs tens of milliseconds, so an
    up-to-date verdict is remembered for the life of the process.
    """
    global _migrations_done
    if _migrations_done:
        return CheckResult(True, "all applied")
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        more = f" (+{len(pending) - 5} more)" if len(pending) > 5 else ""
        return CheckResult(False, f"{len(pending)} unapplied: {names}{more}")
    _migrations_done = True
    return CheckResult(True, "all applied")


def readiness_checks() -> dict[str, tuple[Callable[[], CheckResult], bool]]:
    """Name each check and whether it is required for readiness."""
    checks: dict[str, tuple[Callable[[], CheckResult], bool]] = {
        "database": (lambda: check_database("default"), True),
        "migrations": (check_migrations, True),
        # Not required: sessions fall back to the database and the cache to
        # misses, so taking every task out of the load balancer would turn a
        # Redis outage into a full one.
        "cache": (check_cache, False),
        "broker": (check_broker, True),
    }
    for alias in settings.REPLICA_DATABASES:
        checks[f"database:{alias}"] = (partial(check_replica, alias), False)
    for contributed in registry.readiness_checks():
        checks[contributed.name] = (contributed.check, contributed.required)
    return checks


def run_checks() -> tuple[bool, dict[str, dict[str, str]]]:
    ready = True
    report: dict[str, dict[str, str]] = {}
    for name, (check, required) in readiness_checks().items():
        try:
            result = check()
        except Exception as exc:  # a failed dependency is reported, not raised
            logger.warning("readiness check %s failed: %s", name, exc)
            result = CheckResult(False, f"{type(exc).__name__}: {exc}"[:200])
            if name == "cache":
                result = CheckResult(
                    False, f"{cache_backend_detail()}: {result.detail}"
                )
        if result.ok:
            status = "ok"
        else:
            status = "failed" if required else "degraded"
            ready = ready and not required
        report[name] = {"status": status, "detail": result.detail}
    return ready, report


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before host validation and HTTPS redirects.

    Load balancers probe a task by its private IP with a Host header that is not
    in ALLOWED_HOSTS, over plain HTTP; those probes must still reach the checks.
    """

    paths = {"/healthz": "healthz", "/readyz": "readyz"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        view = self.paths.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return healthz(request) if view == "healthz" else readyz(request)
        return self.get_response(request)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def may_see_details(request: HttpRequest) -> bool:
    """Dependency details (hosts, errors) only for a caller inside the network: a
    private or loopback REMOTE_ADDR with no X-Forwarded-For (the load balancer's
    own health checks, ECS Exec, an operator on the VPC). Requests from the
    internet arrive through the load balancer, which always adds X-Forwarded-For."""
    if request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    try:
        remote = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return remote.is_private or remote.is_loopback


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, report = run_checks()
    body: dict[str, object] = {"status": "ok" if ready else "failed"}
    if may_see_details(request):
        body["checks"] = report
    return JsonResponse(body, status=200 if ready else 503)
