"""Real services for the test suite: moto server, Redis, a celery worker, Chromium.

A test that needs a service it cannot reach is skipped with the reason, or
failed when CI=true (CI must run every service-marked test).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() == "true"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def service_missing(reason: str) -> None:
    """Skip the test, or fail it in CI where every service must be present."""
    if CI:
        pytest.fail(
            f"CI=true but a required service is missing: {reason}", pytrace=False
        )
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], object],
    timeout: float = 30.0,
    interval: float = 0.1,
    message: str = "condition",
) -> object:
    """Poll `predicate` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def redis_available(url: str = TEST_REDIS_URL) -> bool:
    parts = urlsplit(url)
    return port_open(parts.hostname or "127.0.0.1", parts.port or 6379)


def chromium_available() -> str | None:
    """Return why the browser cannot run, or None when it can."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass
class MotoServer:
    endpoint: str
    server: object

    def reset(self) -> None:
        import urllib.request

        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):
            pass


@contextlib.contextmanager
def run_moto_server() -> Iterator[MotoServer]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    wait_until(lambda: port_open("127.0.0.1", port), 10, message="moto server")
    try:
        yield MotoServer(endpoint=endpoint, server=server)
    finally:
        server.stop()


@dataclass
class WorkerProcess:
    """A real `celery worker` process, started with the test's environment."""

    env: dict[str, str]
    queues: str
    log_path: Path
    args: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "securecart",
                "worker",
                "-P",
                "solo",
                "-Q",
                self.queues,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                *self.args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(
            lambda: (
                b"ready." in self.log_path.read_bytes() or self.proc.poll() is not None
            ),
            60,
            message="celery worker to be ready",
        )
        if self.proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{self.log()}")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9 the whole worker process group (no graceful shutdown)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def which(name: str) -> str | None:
    return shutil.which(name)
