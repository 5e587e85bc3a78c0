"""Shared fixtures: the real services behind the `postgres`, `replica`, `redis`,
`aws`, `worker` and `browser` markers (see tests/services.py)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.services import (
    AWS_TEST_ENV,
    CHROMIUM,
    ROOT,
    TEST_REDIS_URL,
    MotoServer,
    WorkerProcess,
    chromium_available,
    redis_available,
    run_moto_server,
    service_missing,
)

ARTIFACTS = ROOT / "artifacts"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Say once, even with -q, which services this run found (and why it fell back)."""
    from django.conf import settings

    redis = (
        f"redis: {TEST_REDIS_URL}"
        if redis_available()
        else f"redis: none at {TEST_REDIS_URL}; redis-marked tests skip"
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for line in (
            getattr(settings, "TEST_DATABASE_NOTE", "database: from settings"),
            redis,
        ):
            reporter.write_line(line)


def pytest_runtest_setup(item: pytest.Item) -> None:
    markers = {mark.name for mark in item.iter_markers()}
    if markers & {"postgres", "replica", "worker"}:
        from django.db import connection

        if connection.vendor != "postgresql":
            service_missing(
                "needs PostgreSQL: set DATABASE_URL or run PostgreSQL on 127.0.0.1:5432"
            )
    if "replica" in markers:
        from django.conf import settings

        if not settings.REPLICA_DATABASES:
            service_missing(
                "needs a streaming replica: run scripts/pg-replica.sh up "
                "(127.0.0.1:5433) or set DATABASE_REPLICA_URLS"
            )
    if "redis" in markers and not redis_available():
        service_missing(f"needs redis-server at {TEST_REDIS_URL}")
    if "browser" in markers:
        reason = chromium_available()
        if reason:
            service_missing(reason)


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path: Path) -> Iterator[None]:
    """Give each test an empty local cache and its own media folder."""
    from django.core.cache import cache

    from securecart.cache_circuit import BREAKER
    from shop.caching import copies_clear
    from shop.throttles import LEASES

    settings.MEDIA_ROOT = tmp_path / "media"
    BREAKER.reset()  # a Redis another test stopped is not this test's
    cache.clear()
    copies_clear()  # the copies a process keeps (hot, and while Redis was unreachable)
    LEASES.clear()  # throttle tokens this process took from the (cleared) counters
    yield
    cache.clear()
    copies_clear()
    LEASES.clear()
    BREAKER.reset()


# --- Redis ---------------------------------------------------------------------
@pytest.fixture
def redis_cache(settings) -> Iterator[SimpleNamespace]:
    """Switch the default cache to a real Redis, under a key prefix of its own."""
    if not redis_available():
        service_missing(f"needs redis-server at {TEST_REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    settings.REDIS_URL = TEST_REDIS_URL
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    from django.core.cache import cache

    yield SimpleNamespace(url=TEST_REDIS_URL, prefix=prefix)
    cache.delete_pattern("*")


# --- moto server (S3, SQS, SNS, EventBridge) ------------------------------------
@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    try:
        import moto  # noqa: F401
    except ImportError:
        service_missing("moto is not installed (pip install -r requirements-dev.txt)")
    saved = {key: os.environ.get(key) for key in [*AWS_TEST_ENV, "AWS_ENDPOINT_URL"]}
    with run_moto_server() as server:
        os.environ.update(AWS_TEST_ENV)
        os.environ["AWS_ENDPOINT_URL"] = server.endpoint
        yield server
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def aws(moto_server: MotoServer, settings) -> Iterator[MotoServer]:
    """A clean moto server; the app's boto3 clients point at it."""
    from securecart.aws import reset_clients

    moto_server.reset()
    settings.AWS_ENDPOINT_URL = moto_server.endpoint
    settings.AWS_REGION = AWS_TEST_ENV["AWS_REGION"]
    reset_clients()
    yield moto_server
    reset_clients()


# --- Celery on SQS (moto) and a real worker process -------------------------------
def _database_url(alias: str = "default") -> str:
    from django.db import connections

    conf = connections[alias].settings_dict
    return (
        f"postgres://{conf['USER']}:{conf['PASSWORD']}@{conf['HOST']}:{conf['PORT']}"
        f"/{conf['NAME']}"
    )


@pytest.fixture
def celery_sqs(aws: MotoServer, settings) -> Iterator[SimpleNamespace]:
    """Send tasks to SQS on moto (not eagerly), under a queue prefix of this test."""
    from securecart.celery import app

    prefix = f"t{uuid.uuid4().hex[:8]}-"
    settings.CELERY_BROKER_URL = "sqs://"
    settings.SQS_QUEUE_PREFIX = prefix
    options = {
        "region": AWS_TEST_ENV["AWS_REGION"],
        "queue_name_prefix": prefix,
        "visibility_timeout": 30,
        "wait_time_seconds": 1,
        "polling_interval": 0.1,
        "is_secure": False,
    }
    keys = ("broker_url", "task_always_eager", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url="sqs://", task_always_eager=False, broker_transport_options=options
    )
    app._pool = None
    app.amqp._producer_pool = None
    env = {
        **os.environ,
        **AWS_TEST_ENV,
        "AWS_ENDPOINT_URL": aws.endpoint,
        "CELERY_BROKER_URL": "sqs://",
        "SQS_QUEUE_PREFIX": prefix,
        "SQS_WAIT_TIME_SECONDS": "1",
        "SQS_POLLING_INTERVAL": "0.1",
        "DJANGO_SETTINGS_MODULE": "securecart.settings.test",
    }
    yield SimpleNamespace(prefix=prefix, endpoint=aws.endpoint, env=env, app=app)
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_factory(
    celery_sqs: SimpleNamespace, transactional_db, settings, tmp_path: Path, request
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real `celery worker` processes sharing the test's database and cache.

    Tests using it must commit their data (the fixture pulls in transactional_db).
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("a worker process needs PostgreSQL to share the test database")
    workers: list[WorkerProcess] = []

    def start(
        queues: str = "default,fulfilment,events,notifications",
        extra_env: dict[str, str] | None = None,
    ) -> WorkerProcess:
        env = {
            **celery_sqs.env,
            "SECURECART_AUTODETECT_SERVICES": "0",
            "DATABASE_URL": _database_url(),
            "DATABASE_REPLICA_URLS": "",
            "DATABASE_POOL_MAX_SIZE": "4",
        }
        cache = settings.CACHES["default"]
        if cache["BACKEND"].startswith("django_redis"):
            env["REDIS_URL"] = cache["LOCATION"]
            env["CACHE_KEY_PREFIX"] = cache["KEY_PREFIX"]
        env.update(extra_env or {})
        name = re.sub(r"\W+", "_", request.node.name)[:60]
        worker = WorkerProcess(
            env=env,
            queues=queues,
            log_path=tmp_path / f"worker-{name}-{len(workers)}.log",
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(celery_worker_factory) -> WorkerProcess:
    return celery_worker_factory()


# --- browser -------------------------------------------------------------------
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    reason = chromium_available()
    if reason:
        service_missing(reason)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls
    # that tests make between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser page on the live server; a screenshot is kept afterwards."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    keep_screenshot_and_close(page, request)


def keep_screenshot_and_close(page, request) -> None:
    """Save the page as the test left it (artifacts/screenshots), then close it."""
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"\W+", "_", request.node.nodeid)[-120:]
    try:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    finally:
        page.context.close()


@pytest.fixture
def gateway_refunds(monkeypatch) -> list[dict]:
    """Every refund call the built-in test gateway receives (it still answers);
    safe across threads and the live server's thread (list.append is atomic)."""
    from orders.integrations.payments.test_gateway import TestGateway

    calls: list[dict] = []
    real = TestGateway.refund

    def spy(self, **kwargs):
        calls.append(kwargs)
        return real(self, **kwargs)

    monkeypatch.setattr(TestGateway, "refund", spy)
    return calls
