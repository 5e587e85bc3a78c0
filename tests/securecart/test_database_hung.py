"""A database that stops answering while the pool holds open connections (a frozen
server: the kernel still acknowledges, nothing comes back) gives the 503 page
after one bounded wait, instead of holding the worker until gunicorn kills it."""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from securecart.database_wait import BoundedWaitConnection, bounded_waits
from securecart.settings.base import database_config

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
first = client.get("/api/v1/products/", secure=True)
print(json.dumps({"status": first.status_code}), flush=True)
sys.stdin.readline()  # the test hangs the database meanwhile
second = client.get("/api/v1/products/no-such-product/", secure=True)
print(json.dumps({"status": second.status_code,
                  "retry_after": second.get("Retry-After"),
                  "body": second.content.decode()[:2000]}), flush=True)
"""


class HangingProxy:
    """Forwards a loopback port to PostgreSQL until `hang()`: then nothing more is
    forwarded either way, and the connections stay open."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.hung = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.upstream)
                self.sockets += [client, server]
                for pair in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=pair, daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError, ValueError):
            while not self.hung.is_set():
                if select.select([source], [], [], 0.05)[0] and not self.hung.is_set():
                    data = source.recv(65536)
                    if not data:
                        return
                    target.sendall(data)

    def hang(self) -> None:
        self.hung.set()

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def test_pooled_connections_bound_their_waits():
    config = database_config("postgres://shop:shop@db.internal:5432/shop")
    assert config["OPTIONS"]["pool"]["connection_class"] is BoundedWaitConnection
    # The wait for a connection leaves room for the 503 page within 2 s.
    assert config["OPTIONS"]["pool"]["timeout"] < 2
    # A database that is back is connected again within seconds, not after the
    # doubling retry delay psycopg keeps for 5 minutes.
    assert config["OPTIONS"]["pool"]["reconnect_timeout"] <= 5


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_to_a_server_that_stopped_answering_fails_after_the_bound():
    conf = connection.settings_dict
    proxy = HangingProxy((conf["HOST"] or "127.0.0.1", int(conf["PORT"] or 5432)))
    conninfo = (
        f"host=127.0.0.1 port={proxy.port} dbname={conf['NAME']} "
        f"user={conf['USER']} password={conf['PASSWORD']}"
    )
    outcome: dict[str, object] = {}

    def query_after_the_hang() -> None:
        with BoundedWaitConnection.connect(conninfo, autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            proxy.hang()
            try:
                with bounded_waits(0.2):
                    conn.execute("SELECT 2")
            except Exception as error:  # the outcome is asserted below
                outcome["error"] = error
            outcome["closed"] = conn.closed

    worker = threading.Thread(target=query_after_the_hang, daemon=True)
    try:
        worker.start()
        worker.join(30)  # a deadline: without the bound it would never return
    finally:
        proxy.close()
    assert not worker.is_alive(), "the query waited on the silent server unbounded"
    import psycopg

    assert isinstance(outcome.get("error"), psycopg.OperationalError), outcome
    assert "did not answer within 0.2 s" in str(outcome["error"])
    assert outcome["closed"] is True  # never handed out again by the pool


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_page_on_a_database_that_stopped_answering_gives_the_503_page():
    conf = connection.settings_dict
    proxy = HangingProxy((conf["HOST"] or "127.0.0.1", int(conf["PORT"] or 5432)))
    env = {
        **os.environ,
        # the production settings, as a web task runs them (the bound: 1.5 s)
        "DJANGO_SETTINGS_MODULE": "securecart.settings.production",
        "DJANGO_SECRET_KEY": "k" * 64,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": (
            f"postgres://{conf['USER']}:{conf['PASSWORD']}@127.0.0.1:{proxy.port}"
            f"/{conf['NAME']}"
        ),
        "DATABASE_REPLICA_URLS": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    env.pop("DATABASE_REQUEST_TIMEOUT_SECONDS", None)
    probe = subprocess.Popen(
        [sys.executable, "-c", PROBE],
        cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert probe.stdout is not None and probe.stdin is not None
        first = json.loads(probe.stdout.readline() or "{}")
        assert first.get("status") == 200, probe.stderr.read() if probe.stderr else ""
        proxy.hang()  # the pool now holds a connection to a silent server
        stdout, stderr = probe.communicate("go\n", timeout=30)
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
        proxy.close()

    answer = json.loads(stdout.strip().splitlines()[-1])
    assert answer["status"] == 503, answer
    assert answer["retry_after"] == "30"
    assert "back in a moment" in answer["body"]
    # One bounded wait on the open connection, not the pool's or gunicorn's timeout.
    assert "the database did not answer within 1.5 s" in stderr
    assert stderr.count("database unavailable") == 1
