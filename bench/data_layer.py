"""Data-layer benchmark: replica routing and the Redis cache, behind gunicorn + wrk.

    .venv/bin/python bench/data_layer.py [--duration 10] [--connections 16]

Needs PostgreSQL on 127.0.0.1:5432 with its streaming replica on :5433
(scripts/pg-replica.sh up), redis-server and wrk. It creates its own database
`bench_data_layer` (dropped and recreated, seeded with the demo catalog), its own
redis-server on a free port, and runs gunicorn (2 sync workers) on a free port.

1. Catalog throughput, cache off (every page reads the database): reads on the
   primary alone vs. reads routed to the replica. pg_stat_database on each
   server shows where the transactions went.
2. Browsing with the Redis cache on: throughput and the cache hit ratio per
   lookup (Redis keyspace_hits / (hits + misses) over the run, from a cold cache,
   DRF throttles off so that only the catalog's own cache traffic counts).

`/healthz` (no database, no cache) is measured in the same run as the ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB = "bench_data_layer"
PRIMARY = "postgres://shop:shop@127.0.0.1:5432"
REPLICA = "postgres://shop:shop@127.0.0.1:5433"

SETTINGS = """
from securecart.settings.base import *  # noqa: F403
import os
if os.environ.get("BENCH_CACHE") == "off":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# No collectstatic for a benchmark: plain static storage.
STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
LOGGING["root"]["level"] = "WARNING"
# One client address sends everything, and throttle bookkeeping would count as
# cache traffic: the hit ratio measured here is the catalog cache's own.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": [],
                  "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
"""

LUA = """
math.randomseed(7)
paths = %s
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"non2xx\\": %%d, " ..
    "\\"socket_errors\\": %%d, \\"p50_ms\\": %%.2f, \\"p99_ms\\": %%.2f}\\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def recreate_database() -> None:
    with psycopg.connect(f"{PRIMARY}/shop", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def xacts(url: str) -> int:
    with psycopg.connect(f"{url}/{DB}", autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        ).fetchone()
        return int(row[0])


def replica_caught_up(products: int) -> bool:
    try:
        with psycopg.connect(f"{REPLICA}/{DB}", connect_timeout=2) as conn:
            return (
                conn.execute("SELECT count(*) FROM shop_product").fetchone()[0]
                == products
            )
    except psycopg.Error:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")

    work = Path(tempfile.mkdtemp(prefix="bench-data-layer-"))
    (work / "bench_data_layer_settings.py").write_text(SETTINGS)
    base_env = {
        **os.environ,
        "PYTHONPATH": f"{work}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "bench_data_layer_settings",
        "DATABASE_URL": f"{PRIMARY}/{DB}",
        "DATABASE_REPLICA_URLS": "",
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "SECURECART_VAR_DIR": str(work),
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    procs: list[subprocess.Popen] = []
    try:
        # --- database: migrate + demo catalog on the primary, wait for the replica
        recreate_database()
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            subprocess.run(
                [PY, "manage.py", *command],
                cwd=ROOT,
                env=base_env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        with psycopg.connect(f"{PRIMARY}/{DB}") as conn:
            products = [
                r[0]
                for r in conn.execute(
                    "SELECT slug FROM shop_product WHERE is_active ORDER BY id"
                )
            ]
            categories = [
                r[0]
                for r in conn.execute(
                    "SELECT slug FROM shop_category WHERE is_active ORDER BY id"
                )
            ]
        deadline = time.monotonic() + 30
        while not replica_caught_up(len(products)):
            if time.monotonic() > deadline:
                sys.exit("the replica did not catch up (scripts/pg-replica.sh status)")
            time.sleep(0.2)
        paths = (
            [f"/p/{slug}/" for slug in products]
            + [f"/c/{slug}/" for slug in categories]
            + [
                "/",
                "/api/v1/products/",
                "/api/v1/products/?page=2",
                "/api/v1/categories/",
            ]
            + [f"/api/v1/products/{slug}/" for slug in products[:20]]
        )
        lua = work / "browse.lua"
        lua.write_text(LUA % ("{" + ",".join(json.dumps(p) for p in paths) + "}"))
        ceiling_lua = work / "healthz.lua"
        ceiling_lua.write_text(LUA % '{"/healthz"}')

        redis_port = free_port()
        procs.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(redis_port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(work),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_port(redis_port)

        def serve(extra_env: dict[str, str]) -> tuple[subprocess.Popen, int]:
            port = free_port()
            proc = subprocess.Popen(
                [
                    PY,
                    "-m",
                    "gunicorn",
                    "securecart.wsgi:application",
                    "--preload",  # as in production (Dockerfile)
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    str(args.workers),
                    "-k",
                    "sync",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env={**base_env, **extra_env},
                stdout=subprocess.DEVNULL,
                stderr=open(work / f"gunicorn-{port}.log", "wb"),
            )
            wait_port(port)
            # Workers boot after the socket is bound: wait for an answer, then warm
            # every path once (pools, templates) and refuse to measure error pages.
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/healthz", timeout=5
                    ):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            for path in paths:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}{path}", timeout=30
                ) as response:
                    if response.status != 200:
                        raise RuntimeError(f"{path} answered {response.status}")
            return proc, port

        def wrk(port: int, script: Path) -> dict:
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "-s",
                    str(script),
                    f"http://127.0.0.1:{port}",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
            result = json.loads(line.removeprefix("RESULT "))
            result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
            return result

        def stop(proc: subprocess.Popen) -> None:
            proc.terminate()
            proc.wait(20)

        results: dict[str, dict] = {}
        # --- 1. catalog throughput, cache off: primary alone vs replica routing,
        # alternated over rounds because the shared machine's load drifts.
        modes = (
            ("primary only", {"DATABASE_REPLICA_URLS": ""}),
            ("reads on replica", {"DATABASE_REPLICA_URLS": f"{REPLICA}/{DB}"}),
        )
        for round_no in range(1, args.rounds + 1):
            for name, extra in modes:
                proc, port = serve({"BENCH_CACHE": "off", **extra})
                before = (xacts(PRIMARY), xacts(REPLICA))
                result = wrk(port, lua)
                after = (xacts(PRIMARY), xacts(REPLICA))
                result["primary_xacts"] = after[0] - before[0]
                result["replica_xacts"] = after[1] - before[1]
                if name == "primary only" and round_no == 1:
                    results["healthz ceiling"] = wrk(port, ceiling_lua)
                results[f"catalog, cache off, {name}, round {round_no}"] = result
                stop(proc)

        # --- 2. browsing with Redis: throughput and hit ratio from a cold cache
        import redis

        client = redis.Redis(port=redis_port)
        client.flushall()
        client.config_resetstat()
        proc, port = serve(
            {
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "DATABASE_REPLICA_URLS": f"{REPLICA}/{DB}",
            }
        )
        result = wrk(port, lua)
        stats = client.info("stats")
        hits, misses = stats["keyspace_hits"], stats["keyspace_misses"]
        result["cache_hits"], result["cache_misses"] = hits, misses
        result["hit_ratio"] = round(hits / max(1, hits + misses), 4)
        results[
            "browse, Redis cache, reads on replica (cold start, incl. warm-up pass)"
        ] = result
        stop(proc)

        print(
            json.dumps(
                {
                    "machine": {
                        "cpus": os.cpu_count(),
                        "python": platform.python_version(),
                        "note": "shared with other engineers' work while measuring",
                    },
                    "wrk": {
                        "threads": 2,
                        "connections": args.connections,
                        "duration_s": args.duration,
                        "gunicorn_sync_workers": args.workers,
                    },
                    "paths": len(paths),
                    "results": results,
                },
                indent=2,
            )
        )
    finally:
        for proc in procs:
            proc.terminate()
        shutil.rmtree(work, ignore_errors=True)
        try:
            with psycopg.connect(f"{PRIMARY}/shop", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        except psycopg.Error:
            pass


if __name__ == "__main__":
    main()
