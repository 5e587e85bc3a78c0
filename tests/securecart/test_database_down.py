"""With the database unreachable (a server that accepts the connection and never
answers, as a hung or black-holed RDS does) a page is a 503 within the connect
timeout, instead of holding the worker for the pool's 10 s."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from securecart.settings.base import database_config

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, time, django
django.setup()
from django.test import Client
started = time.monotonic()
response = Client(HTTP_HOST="localhost").get("/search/?q=lamp", secure=True)
print(json.dumps({"status": response.status_code,
                  "retry_after": response.get("Retry-After"),
                  "body": response.content.decode()[:2000],
                  "seconds": time.monotonic() - started}))
"""


def test_connect_and_pool_timeouts_are_at_most_two_seconds():
    config = database_config("postgres://shop:shop@db.internal:5432/shop")
    assert config["OPTIONS"]["connect_timeout"] <= 2
    assert config["OPTIONS"]["pool"]["timeout"] <= 2
    assert settings.DATABASE_CONNECT_TIMEOUT_SECONDS <= 2


def test_a_hung_database_gives_the_503_page():
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(64)  # the kernel completes the handshake; nobody ever answers
    port = blackhole.getsockname()[1]
    env = {
        **os.environ,
        # the production settings, as a web task runs them
        "DJANGO_SETTINGS_MODULE": "securecart.settings.production",
        "DJANGO_SECRET_KEY": "k" * 64,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"postgres://shop:shop@127.0.0.1:{port}/shop",
        "DATABASE_REPLICA_URLS": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", PROBE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        blackhole.close()

    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503, answer
    assert answer["retry_after"] == "30"
    assert "back in a moment" in answer["body"]
    print(f"503 after {answer['seconds']:.2f} s")
