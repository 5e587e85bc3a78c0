"""Pages while Redis or PostgreSQL fail: latency and answers per fault state.

    .venv/bin/python bench/faults.py [--quick] [--seconds 3] [--workers 2]
                                     [--connections N] [--no-write]

The store is served as in the rest of `make bench` (production settings,
`bench.flash_sale:application()`, gunicorn sync workers) but on a database of its
own (`securecart_faults`: migrated, seed_demo) reached through a TCP proxy run by
this script, and on a redis-server of its own (a free port, no persistence), so
either can be made to fail without touching the shared services:

- normal;
- Redis frozen: the redis-server is sent SIGSTOP (connections still accepted by
  the kernel, never answered: every call waits for its socket timeout);
- Redis dead: SIGKILL (connections refused); a new redis-server is then started;
- database hung, mid-run: the proxy stops forwarding in both directions while the
  workers' pools hold open connections, and accepts new ones without answering
  (a frozen server or a black-holed network path). Redis is up again: first with
  each page cached once before the hang, then with the cache emptied (FLUSHALL),
  so every page needs the database;
- database refused: a second gunicorn whose DATABASE_URL names a port where
  nothing listens;
- database black-holed: a third whose DATABASE_URL names a socket that listens
  and never accepts (the connect timeout path);
- database back: a proxy to PostgreSQL is started on the refused server's port;
  how long until a page that needs the database answers 200.

In each state `--connections` clients (default: one per worker, so a latency is
one request's own time, not queueing) request the pages in turn for `--seconds`
(`--quick`: 1 s) and at least one round of every page, and at least 100 requests
where the database is up; every request is let finish (client timeout 60 s, above
gunicorn's 30 s worker timeout). Reported per page: statuses, p50/p95/max, the p95
delta to normal; per state: gunicorn's CPU per request and the `WORKER TIMEOUT`
lines it logged. Goals: Redis frozen or dead → p95 within +50 ms of normal;
database down → every answer a 503 with Retry-After (or what the page answers
without a database) within 2 s, and no worker timeout.

`bench/run.py` calls `run()` and writes the same section; alone, this script
writes it into BENCHMARKS.md between the `bench:faults` markers and the raw
numbers into bench/faults.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import flash_sale as fs
from bench.common import (
    HTTPS,
    PYTHON,
    ROOT,
    Server,
    ensure_database,
    fetch,
    free_port,
    gunicorn,
    manage,
    prepare_database,
    server_cpu_seconds,
    wait_for_http,
)

APP = "bench.flash_sale:application()"
DATABASE = "securecart_faults"
RESULTS = ROOT / "bench" / "faults.json"
START = "<!-- bench:faults:start -->"
END = "<!-- bench:faults:end -->"
TITLE = "Under faults: Redis frozen or dead, database down"
PAGES = {
    "home": "/",
    "category": "/c/apparel/",
    "product": "/p/{slug}/",
    "search": "/search/?q=mug",
    "API product list": "/api/v1/products/",
    # Needs no data: the storefront frame around it (menu, footer) only.
    "404 page": "/no-such-page/",
}
REDIS_GOAL_MS = 50.0
DATABASE_GOAL_MS = 2000.0
CLIENT_TIMEOUT = 60.0
CIRCUIT_OPEN_SECONDS = 5.0  # CACHE_CIRCUIT_OPEN_SECONDS of the production settings
NORMAL, REDIS_FROZEN, REDIS_DEAD = "normal", "Redis frozen (SIGSTOP)", "Redis dead"
DB_HUNG_CACHED = "database hung mid-run, pages in the cache"
DB_HUNG = "database hung mid-run, cache emptied"
DB_REFUSED = "database refused (nothing listens)"
DB_BLACKHOLED = "database black-holed (never accepts)"
REDIS_STATES = (REDIS_FROZEN, REDIS_DEAD)
DATABASE_STATES = (DB_HUNG_CACHED, DB_HUNG, DB_REFUSED, DB_BLACKHOLED)


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the faulty services -------------------------------------------------------
class TcpProxy:
    """A TCP proxy from a loopback port to `upstream`, in a process of its own (so
    it never competes with the bench's clients for the GIL); `hang()` stops it.

    Hung, it forwards nothing more in either direction and accepts nothing: bytes
    already sent stay unread, and new connections complete in the kernel's backlog
    and are never answered, as a frozen server's are. `close()` ends it, dropping
    every connection.
    """

    def __init__(self, upstream: tuple[str, int], port: int = 0) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, __file__, "--proxy", upstream[0], str(upstream[1]), str(port)],
            stdout=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.strip().isdigit():
            self.proc.kill()
            raise RuntimeError(f"the proxy did not start: {line!r}")
        self.port = int(line)

    def hang(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def proxy_serve(host: str, port: int, listen: int = 0) -> None:
    """The proxy process: print the listening port, forward until SIGUSR1."""
    hung = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: hung.set())
    listener = socket.create_server(("127.0.0.1", listen), backlog=128)
    print(listener.getsockname()[1], flush=True)
    peers: dict[socket.socket, socket.socket] = {}
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        while not hung.is_set():
            for key, _ in selector.select(timeout=0.1):
                sock = key.fileobj
                if hung.is_set():
                    break
                if sock is not listener and sock not in peers:
                    continue  # closed with its peer earlier in this batch
                if sock is listener:
                    client, _ = listener.accept()
                    server = socket.create_connection((host, port))
                    for end in (client, server):  # no Nagle delay added to replies
                        end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    peers.update({client: server, server: client})
                    selector.register(client, selectors.EVENT_READ)
                    selector.register(server, selectors.EVENT_READ)
                    continue
                data = b""
                with contextlib.suppress(OSError):
                    data = sock.recv(65536)  # type: ignore[union-attr]
                if data:
                    peers[sock].sendall(data)  # type: ignore[index]
                    continue
                for end in (sock, peers.pop(sock)):  # type: ignore[arg-type]
                    peers.pop(end, None)
                    selector.unregister(end)
                    end.close()
    while True:  # hung: hold every socket, answer nothing, until killed
        signal.pause()


@contextlib.contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen]:
    """A throwaway redis-server on 127.0.0.1:port (no RDB, no AOF)."""
    import redis

    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(port=port, socket_timeout=0.5).ping()
            break
        except redis.RedisError as error:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"no redis-server on port {port}") from error
            time.sleep(0.05)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGCONT)
            proc.kill()
        proc.wait(5)


# --- the client ----------------------------------------------------------------
@dataclass
class Sample:
    page: str
    status: str  # the HTTP status, or the error's class name
    ms: float
    retry_after: str | None = None


def request(base: str, path: str) -> tuple[str, float, str | None]:
    parts = urlsplit(base)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=CLIENT_TIMEOUT
    )
    try:
        conn.request("GET", path, headers=HTTPS)
        response = conn.getresponse()
        response.read()
        status, retry = str(response.status), response.getheader("Retry-After")
    except (OSError, http.client.HTTPException) as error:
        status, retry = type(error).__name__, None
    finally:
        conn.close()
    return status, (time.perf_counter() - started) * 1000, retry


def sample(
    base: str,
    pages: dict[str, str],
    *,
    seconds: float,
    connections: int,
    least: int = 0,
) -> list[Sample]:
    """`connections` clients take the pages in turn until `seconds` have passed
    and at least `least` requests (and every page once) were made; each request is
    let finish."""
    order = itertools.cycle(pages.items())
    taken = itertools.count(1)
    lock = threading.Lock()
    samples: list[Sample] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        while True:
            with lock:
                number = next(taken)
                name, path = next(order)
            if number > max(least, len(pages)) and time.monotonic() > deadline:
                return
            status, ms, retry = request(base, path)
            with lock:
                samples.append(Sample(name, status, ms, retry))

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction <= 1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def summarize(samples: list[Sample]) -> dict[str, dict]:
    """Per page (and "all"): count, statuses, p50/p95/max ms, Retry-After values."""
    groups: dict[str, list[Sample]] = {"all": list(samples)}
    for item in samples:
        groups.setdefault(item.page, []).append(item)
    return {
        page: {
            "requests": len(rows),
            "statuses": dict(Counter(row.status for row in rows)),
            "retry_after": sorted({row.retry_after for row in rows if row.retry_after}),
            "503_without_retry_after": sum(
                1 for row in rows if row.status == "503" and not row.retry_after
            ),
            "p50_ms": percentile([row.ms for row in rows], 0.5),
            "p95_ms": percentile([row.ms for row in rows], 0.95),
            "max_ms": max(row.ms for row in rows),
        }
        for page, rows in groups.items()
        if rows
    }


def verdict(state: str, pages: dict, normal: dict | None, timeouts: int) -> str:
    """Whether a state meets its goal ("" for normal). `pages` and `normal` map
    each page (and "all") to its row: normal's statuses (200, the 404 page's 404)
    are the right answers; the Redis goal holds for every page's p95."""
    every, base = pages["all"], (normal or {}).get("all")
    right = set((base or {}).get("statuses", {})) or {"200"}
    if state in REDIS_STATES and normal:
        delta = max(
            row["p95_ms"] - normal[page]["p95_ms"]
            for page, row in pages.items()
            if page != "all" and page in normal
        )
        ok = delta <= REDIS_GOAL_MS and set(every["statuses"]) <= right
        return f"{'met' if ok else 'MISSED'}: worst page p95 {delta:+.0f} ms"
    if state in DATABASE_STATES:
        answered = set(every["statuses"]) <= right | {"503"}
        retry = not every.get("503_without_retry_after")
        in_time = every["max_ms"] <= DATABASE_GOAL_MS
        ok = answered and retry and in_time and not timeouts
        return f"{'met' if ok else 'MISSED'}: max {every['max_ms'] / 1000:.2f} s"
    return ""


# --- the run ---------------------------------------------------------------------
def database_server() -> str:
    return os.environ.get(
        "BENCH_DATABASE_SERVER", "postgres://shop:shop@127.0.0.1:5432"
    )


def faults_env(database_url: str, redis_url: str) -> dict[str, str]:
    return fs.bench_env(
        DATABASE_URL=database_url, REDIS_URL=redis_url, CACHE_KEY_PREFIX="bench-faults"
    )


def prepare(redis_url: str, *, collectstatic: bool) -> None:
    log(f"preparing database {DATABASE} (migrate, seed_demo)")
    env = faults_env(f"{database_server()}/{DATABASE}", redis_url)
    if collectstatic:
        prepare_database(env)  # and collectstatic
    else:
        ensure_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")


def product_slug(base: str) -> str:
    status, body = fetch(f"{base}/api/v1/products/", headers=HTTPS)
    rows = json.loads(body) if status == 200 else []
    rows = rows.get("results", rows) if isinstance(rows, dict) else rows
    if not rows:
        raise SystemExit("GET /api/v1/products/ gave no product: did seed_demo run?")
    return rows[0]["slug"]


class LogWatch:
    """Counts `WORKER TIMEOUT` lines a gunicorn log gained since the last look."""

    def __init__(self, path: Path) -> None:
        self.path, self.seen = path, 0

    def new_timeouts(self) -> int:
        total = self.path.read_text(errors="replace").count("WORKER TIMEOUT")
        new, self.seen = total - self.seen, total
        return new


@dataclass
class Plan:
    seconds: float  # per state, at least one request of each page
    connections: int  # concurrent clients
    workers: int  # gunicorn sync workers
    # Requests at least, in the states that are not database outages (whose each
    # request lasts the timeout): enough that the p95 is not the max.
    least: int = 100
    # False when the static files are already collected (bench/run.py did it).
    collectstatic: bool = True


def measure(
    states: dict, name: str, base: Server, pages: dict, plan: Plan, watch: LogWatch
) -> None:
    least = 0 if name in DATABASE_STATES else plan.least
    cpu = server_cpu_seconds(base)
    samples = sample(
        base, pages, seconds=plan.seconds, connections=plan.connections, least=least
    )
    cpu = server_cpu_seconds(base) - cpu
    states[name] = {
        "pages": summarize(samples),
        "worker_timeouts": watch.new_timeouts(),
        "cpu_ms_per_request": cpu / len(samples) * 1000,
    }
    every = states[name]["pages"]["all"]
    log(f"{name:48} {every['requests']:5} requests {every['statuses']} "
        f"p50 {every['p50_ms']:.1f} p95 {every['p95_ms']:.1f} max {every['max_ms']:.0f} ms "
        f"cpu {states[name]['cpu_ms_per_request']:.1f} ms/req "
        f"worker timeouts {states[name]['worker_timeouts']}")  # fmt: skip


def run_store_states(plan: Plan, states: dict, redis_port: int) -> dict[str, str]:
    """normal, Redis frozen, Redis dead, database hung mid-run, on one gunicorn
    whose database is behind the proxy; returns the pages measured."""
    import redis

    upstream = urlsplit(database_server())
    proxy = TcpProxy((upstream.hostname or "127.0.0.1", upstream.port or 5432))
    user = f"{upstream.username}:{upstream.password}@" if upstream.username else ""
    env = faults_env(
        f"postgres://{user}127.0.0.1:{proxy.port}/{DATABASE}",
        f"redis://127.0.0.1:{redis_port}/0",
    )
    server_log = ROOT / "var" / "bench-faults-gunicorn.log"
    try:
        with (
            redis_server(redis_port) as redis_proc,
            gunicorn(APP, env, workers=plan.workers, log_path=server_log) as store,
        ):
            watch = LogWatch(server_log)
            slug = product_slug(store)
            pages = {name: path.format(slug=slug) for name, path in PAGES.items()}
            sample(store, pages, seconds=1, connections=plan.connections)  # warm
            watch.new_timeouts()
            measure(states, NORMAL, store, pages, plan, watch)
            redis_proc.send_signal(signal.SIGSTOP)
            measure(states, REDIS_FROZEN, store, pages, plan, watch)
            redis_proc.send_signal(signal.SIGCONT)
            redis_proc.kill()
            redis_proc.wait(5)
            measure(states, REDIS_DEAD, store, pages, plan, watch)
            circuits_expire = time.monotonic() + CIRCUIT_OPEN_SECONDS
            with redis_server(redis_port):
                # Each worker's circuit, opened at the latest just now, lets a probe
                # through once its open period is over: then fill the new cache.
                time.sleep(max(0.0, circuits_expire - time.monotonic()))
                sample(store, pages, seconds=0.5, connections=plan.connections)
                proxy.hang()
                measure(states, DB_HUNG_CACHED, store, pages, plan, watch)
                redis.Redis(port=redis_port).flushall()
                measure(states, DB_HUNG, store, pages, plan, watch)
                proxy.close()  # let any stuck worker go before gunicorn stops
    finally:
        proxy.close()
    return pages


def down_servers(
    stack: contextlib.ExitStack, plan: Plan, redis_port: int
) -> dict[str, tuple[Server, LogWatch]]:
    """A gunicorn whose database is refused (nothing listens on its port) and one
    whose database is black-holed (a socket that listens and never accepts).
    Started first, so their workers have long booted when they are measured."""
    blackhole = stack.enter_context(socket.create_server(("127.0.0.1", 0), backlog=128))
    targets = {DB_REFUSED: free_port(), DB_BLACKHOLED: blackhole.getsockname()[1]}
    servers = {}
    for name, port in targets.items():
        env = faults_env(
            f"postgres://shop:shop@127.0.0.1:{port}/{DATABASE}",
            f"redis://127.0.0.1:{redis_port}/0",
        )
        path = ROOT / "var" / f"bench-faults-{port}.log"
        base = stack.enter_context(
            gunicorn(APP, env, workers=plan.workers, log_path=path, wait=False)
        )
        base.database_port = port  # type: ignore[attr-defined]
        servers[name] = (base, LogWatch(path))
    return servers  # booting side by side with the store (wait_for_http later)


def run_down_states(
    plan: Plan, states: dict, redis_port: int, pages: dict, servers: dict
) -> dict:
    """Measure the down servers, then bring the refused one's database back;
    returns how long it took to serve again."""
    with redis_server(redis_port):
        down_since = time.monotonic()
        for name, (base, watch) in servers.items():
            wait_for_http(f"{base}/healthz")
            # Each worker's lazy start-up (URLs, views) on a page without database.
            sample(base, {"robots": "/robots.txt"}, seconds=0.2, connections=2)
            watch.new_timeouts()
            measure(states, name, base, pages, plan, watch)
        base = servers[DB_REFUSED][0]
        return database_back(base, down_for=time.monotonic() - down_since)


def database_back(base: Server, *, down_for: float, deadline: float = 60) -> dict:
    """Start a proxy to PostgreSQL on the refused server's database port and
    request a page that always needs the database (a search never made before)
    until it answers 200: how long the app takes to use the database again."""
    upstream = urlsplit(database_server())
    proxy = TcpProxy(
        (upstream.hostname or "127.0.0.1", upstream.port or 5432),
        port=base.database_port,  # type: ignore[attr-defined]
    )
    started = time.monotonic()
    answers: Counter[str] = Counter()
    try:
        while time.monotonic() - started < deadline:
            status, _, _ = request(base, f"/search/?q=back{sum(answers.values())}")
            answers[status] += 1
            if status == "200":
                break
    finally:
        proxy.close()
    back = {
        "down_seconds": down_for,
        "seconds_to_first_200": time.monotonic() - started if answers["200"] else None,
        "answers_before": {k: n for k, n in answers.items() if k != "200"},
    }
    log(f"database back after {down_for:.0f} s down: {back}")
    return back


def run(plan: Plan) -> dict:
    """Every fault state; returns the results (also written to bench/faults.json)."""
    started = time.monotonic()
    redis_port = free_port()
    prepare(f"redis://127.0.0.1:{redis_port}/0", collectstatic=plan.collectstatic)
    states: dict[str, dict] = {}
    with contextlib.ExitStack() as stack:
        servers = down_servers(stack, plan, redis_port)
        pages = run_store_states(plan, states, redis_port)
        back = run_down_states(plan, states, redis_port, pages, servers)
    results = {
        "settings": asdict(plan),
        "pages": pages,
        "states": states,
        "database_back": back,
        "elapsed_seconds": time.monotonic() - started,
    }
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    log(f"done in {results['elapsed_seconds']:.0f} s")
    return results


# --- the report ------------------------------------------------------------------
def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items()))


def _cpu(data: dict) -> str:
    cpu = data.get("cpu_ms_per_request")
    return "" if cpu is None else f"{cpu:.1f}"


def table(results: dict) -> list[str]:
    states = results["states"]
    normal = states.get(NORMAL, {}).get("pages", {})
    lines = [
        "| state | page | requests | answers | p50 ms | p95 ms | max ms "
        "| p95 − normal ms | server CPU ms/req | worker timeouts | goal |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for state, data in states.items():
        for page, row in data["pages"].items():
            base = normal.get(page)
            delta = row["p95_ms"] - base["p95_ms"] if base and state != NORMAL else None
            timeouts = data["worker_timeouts"]
            lines.append(
                f"| {state if page == 'all' else ''} | {page} | {row['requests']} "
                f"| {_statuses(row['statuses'])} | {row['p50_ms']:.1f} "
                f"| {row['p95_ms']:.1f} | {row['max_ms']:.0f} "
                f"| {'' if delta is None else f'{delta:+.1f}'} "
                f"| {_cpu(data) if page == 'all' else ''} "
                f"| {timeouts if page == 'all' else ''} "
                f"| {verdict(state, data['pages'], normal, timeouts) if page == 'all' else ''} |"
            )
    return lines


def section(results: dict) -> str:
    settings = results["settings"]
    lines = [
        f"## {TITLE}",
        "",
        "`bench/faults.py` (alone, or as part of `make bench`) serves the store as "
        "above (production settings, gunicorn "
        f"{settings['workers']} sync workers) on a database of its own "
        f"(`{DATABASE}`, seed_demo) reached through a TCP proxy the bench runs, and "
        "on a redis-server of its own, so each can be made to fail: Redis frozen "
        "(SIGSTOP: connections accepted, never answered), Redis dead (SIGKILL: "
        "refused), the database hung mid-run (the proxy stops forwarding while the "
        "workers' pools hold open connections, and accepts new ones without "
        "answering; Redis up again: first with each page cached once before the "
        "hang, then emptied with FLUSHALL so every page needs the database), and two more "
        "servers started with the database refused (nothing listens on its port) "
        "or black-holed (a socket that listens and never accepts: the connect "
        "timeout). In each state "
        f"{settings['connections']} clients (one per worker: a latency is a "
        "request's own time, not queueing) request the pages in turn for "
        f"{settings['seconds']:g} s and at least once each (Redis states and normal: "
        f"at least {settings.get('least', 0)} requests, so that the p95 is not the "
        "max); every request is let "
        "finish (client timeout 60 s, above gunicorn's 30 s worker timeout). "
        "Pages: " + ", ".join(f"{n} `{p}`" for n, p in results["pages"].items()) + ".",
        "",
        "Goals: Redis frozen or dead → every page's p95 within "
        f"+{REDIS_GOAL_MS:.0f} ms of its normal p95, every answer as in normal "
        "(200; the 404 page's 404); database down → every answer a 503 with "
        "Retry-After, or the page's normal answer where it needs no database (from "
        f"the cache; the 404 page), within {DATABASE_GOAL_MS / 1000:.1f} s, and no "
        "gunicorn worker timeout. A request waits DATABASE_REQUEST_TIMEOUT_SECONDS (1.5 s) "
        "for a pooled connection and, when the server stops answering while the "
        "request holds one, for the answer (securecart/database_wait.py); then "
        "the 503 page. "
        "With Redis down each worker keeps the catalog entries it built for 5 s "
        "(shop/caching.py), so a cached page is rebuilt from the database about "
        "once per worker every 5 s (what the delta mostly is); the first call of "
        "each worker waits "
        "for the socket timeout (0.5 s) and opens the circuit "
        "(securecart/cache_circuit.py) for CACHE_CIRCUIT_OPEN_SECONDS (5): that "
        "one request per worker per open period shows in the max column. Server "
        "CPU ms/req is gunicorn's CPU time (master and workers) per request: "
        "steadier than latency when other work shares the machine.",
        "",
        *table(results),
        "",
        *back_lines(results.get("database_back")),
        f"Fault run: {results['elapsed_seconds']:.0f} s. Raw numbers: `bench/faults.json`.",
    ]
    return "\n".join(lines)


def back_lines(back: dict | None) -> list[str]:
    if not back:
        return []
    seconds = back["seconds_to_first_200"]
    before = _statuses(back["answers_before"]) or "no other answer"
    answer = (
        f"answered 200 after {seconds:.2f} s ({before} before)"
        if seconds is not None
        else f"**never answered 200** ({before})"
    )
    return [
        f"Database back: after the refused server's database had been down "
        f"{back['down_seconds']:.0f} s (its two states above), a proxy to PostgreSQL "
        "was started on its port and a search never made before (it needs the "
        f"database) {answer}. The pool retries a failing connect with a doubling "
        "delay for DATABASE_RECONNECT_SECONDS (5 s), then waits for the next "
        "request to try again.",
        "",
    ]


def write(body: str, path: Path = ROOT / "BENCHMARKS.md") -> None:
    """The section between the faults markers, after the `make bench` block."""
    from bench.run import END as RUN_END
    from bench.run import write_block

    write_block(body, path, start=START, end=END, after=RUN_END)


def plan_for(*, quick: bool, workers: int = 2, collectstatic: bool = True) -> Plan:
    """The plan `make bench` uses (--quick: 1 s per state)."""
    return Plan(
        seconds=1 if quick else 3,
        connections=workers,
        workers=workers,
        collectstatic=collectstatic,
    )


def main() -> int:
    if sys.argv[1:2] == ["--proxy"]:
        proxy_serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s per state")
    parser.add_argument("--seconds", type=float, help="seconds per state (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--connections", type=int, help="concurrent clients (default: one per worker)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="leave BENCHMARKS.md alone"
    )
    args = parser.parse_args()
    plan = plan_for(quick=args.quick, workers=args.workers)
    plan.seconds = args.seconds or plan.seconds
    plan.connections = args.connections or plan.connections
    results = run(plan)
    body = section(results)
    print(body)
    if not args.no_write:
        write(body)
    return 0 if goals_met(results) else 1


def goals_met(results: dict) -> bool:
    states = results["states"]
    normal = states.get(NORMAL, {}).get("pages")
    return all(
        verdict(name, data["pages"], normal, data["worker_timeouts"]).startswith("met")
        for name, data in states.items()
        if name != NORMAL
    )


if __name__ == "__main__":
    raise SystemExit(main())
