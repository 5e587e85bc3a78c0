"""`make bench`: the whole benchmark in one run, side by side with its two baselines.

    .venv/bin/python bench/run.py [--quick] [--duration 5] [--connections 16]
                                  [--sale-connections 8,16,32,64] [--checkouts 100]
                                  [--stock 50] [--shoppers 500] [--workers 2] [--probe]
                                  [--no-faults]

1. Database `securecart_bench` on 127.0.0.1:5432 (created, migrated, seed_demo, plus
   the bench's own shipping method and SKUs, and the write-ceiling table), Redis
   127.0.0.1:6379 db 14 (flushed; BENCH_REDIS_URL overrides it).
2. Two gunicorns with the same settings (sync workers, --workers, default 2):
   the store (production settings, `bench.flash_sale:application()`: the app plus
   /bench/bare, fulfilment hand-off stubbed) and `bench.baseline:application()`
   (Django's default middleware: /hello, and /insert doing one committed INSERT).
3. At each concurrency wrk runs: hello; the store's bare view, home, category,
   search, product page, product list and detail API; the write ceiling; the
   cart-line PATCH, add-to-cart, checkout (own cart each, plentiful stock). Then the
   flash sale at each of --sale-connections (bench/flash_sale.py: N shoppers, one
   SKU with S units). Worker RSS is read before the servers stop. `--probe` first
   tries 2, 3 and 4 workers and keeps the best.
4. The fault states (bench/faults.py, own database and redis-server; `--no-faults`
   skips them): pages with Redis frozen or dead and the database down.
5. Writes bench/results.json, bench/latency_vs_concurrency.png (bench/plot.py) and
   the parts of BENCHMARKS.md between the `bench:run` and `bench:faults` markers
   (other sections kept), comparing with bench/results_before.json when it exists.

Needs wrk (installed with apt-get when missing and running as root). All traffic
goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import faults, profiling
from bench import flash_sale as fs
from bench import voucher_sale as vs
from bench.common import (
    HTTPS,
    ROOT,
    _children,
    database_cpu_seconds,
    database_server_pid,
    fetch,
    gunicorn,
    machine_facts,
    manage,
    prepare_database,
    server_cpu_seconds,
)

APP = "bench.flash_sale:application()"
BASELINE_APP = "bench.baseline:application()"
RESULTS = ROOT / "bench" / "results.json"
# The bench database's PostgreSQL server process, whose CPU `with_cpu` counts
# beside gunicorn's (None when the server is not on this machine).
DATABASE_SERVER: dict[str, int | None] = {"pid": None}
BEFORE = ROOT / "bench" / "results_before.json"
PLOT = ROOT / "bench" / "latency_vs_concurrency.png"
START = "<!-- bench:run:start -->"
END = "<!-- bench:run:end -->"
WORKER_CHOICES = (2, 3, 4)
HELLO = "hello view, default middleware (framework ceiling)"
WRITE = "write ceiling: one committed INSERT"
BARE = "store bare view, full middleware"
# Read scenarios served by the store, compared with HELLO.
READS = {
    BARE: "/bench/bare",
    "home / (cached)": "/",
    "category /c/apparel/ (cached)": "/c/apparel/",
    "search /search/?q=mug": "/search/?q=mug",
    "product page /p/{slug}/": "/p/{slug}/",
    "GET /api/v1/products/": "/api/v1/products/",
    "GET /api/v1/products/{slug}/": "/api/v1/products/{slug}/",
}
PATCH = "PATCH /api/v1/carts/{id}/lines/{sku}/"
ADD = "POST /api/v1/carts/{id}/lines/ (add to cart)"
CHECKOUT = "checkout POST /api/v1/checkout/"
# Write scenarios, compared with WRITE.
WRITES = (PATCH, ADD, CHECKOUT)
BASELINE_OF = {**dict.fromkeys(READS, HELLO), **dict.fromkeys(WRITES, WRITE)}
# The goals (ratio to the scenario's baseline).
GOALS = {
    "home / (cached)": 0.6,
    "category /c/apparel/ (cached)": 0.6,
    "search /search/?q=mug": 0.6,
    "product page /p/{slug}/": 0.5,
    "GET /api/v1/products/": 0.6,
    "GET /api/v1/products/{slug}/": 0.6,
    PATCH: 0.5,
    ADD: 0.5,
    CHECKOUT: 0.2,
}
PATCH_CARTS = 100
# wrk threads for the duration-bound scenarios (the checkout ones use one per connection).
WRK_THREADS = 2


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0:
        raise SystemExit("`make bench` needs wrk: sudo apt-get install -y wrk")
    log("installing wrk with apt-get")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def facts() -> dict[str, str]:
    import django
    import gunicorn as gunicorn_package
    import redis
    from django.db import connection

    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(
        next(
            line for line in meminfo.splitlines() if line.startswith("MemTotal")
        ).split()[1]
    )
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    redis_version = redis.Redis.from_url(fs.REDIS_URL).info("server")["redis_version"]
    wrk = subprocess.run(
        ["wrk", "--version"], capture_output=True, text=True, check=False
    )
    return {
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn_package.__version__,
        "postgresql": pg,
        "redis": redis_version,
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
        "summary": machine_facts(),
    }


def read_paths() -> dict[str, str]:
    """READS with {slug} filled in: a demo product of the apparel category."""
    from shop.models import Product

    slug = (
        Product.objects.filter(category__slug__startswith="apparel", is_active=True)
        .order_by("slug")
        .values_list("slug", flat=True)
        .first()
    )
    if slug is None:
        raise SystemExit("no active apparel product: did seed_demo run?")
    return {name: path.format(slug=slug) for name, path in READS.items()}


def warm(base: str, paths: list[str]) -> None:
    for path in paths:
        status, body = fetch(base + path, headers=HTTPS)
        if status != 200:
            raise SystemExit(f"{path} answered {status}:\n{body[:800]}")


def get_load(
    base: str, name: str, path: str, connections: int, duration: int
) -> fs.LoadResult:
    return fs.wrk_lua(
        base, scenario=name, mode="get", arg=path,
        connections=connections, threads=min(WRK_THREADS, connections), duration=duration,
    )  # fmt: skip


# The write scenarios make their carts first and give back the load to measure,
# so that neither the carts' INSERTs nor the VACUUM after them is counted in the
# scenario's CPU (`with_cpu`).
Run = Callable[[], fs.LoadResult]


def add_to_cart_load(base: str, connections: int, duration: int) -> Run:
    """POST 1 unit to empty carts (made now)."""
    carts = fs.carts_create(skus=None, count=max(64, connections * 4))
    return partial(
        fs.wrk_lua, base, scenario=ADD, mode="add", arg=fs.PLENTY_SKUS[0], ids=carts,
        connections=connections, threads=min(WRK_THREADS, connections), duration=duration,
    )  # fmt: skip


def patch_load(base: str, connections: int, duration: int) -> Run:
    """PATCH the quantity (random 1-5) of the one line of PATCH_CARTS carts (made now)."""
    carts = fs.carts_create(skus=[fs.PLENTY_SKUS[0]], count=PATCH_CARTS)
    return partial(
        fs.wrk_lua, base, scenario=PATCH, mode="patch", arg=fs.PLENTY_SKUS[0], ids=carts,
        connections=connections, threads=min(WRK_THREADS, connections), duration=duration,
    )  # fmt: skip


def checkout_load(base: str, connections: int, checkouts: int, shipping: str) -> Run:
    """Check out each of max(checkouts, 2 x connections) carts (made now) once."""
    carts = fs.carts_create(skus=fs.PLENTY_SKUS, count=max(checkouts, 2 * connections))
    return partial(
        fs.wrk_lua, base, scenario=CHECKOUT, mode="checkout", arg=shipping, ids=carts,
        connections=connections, threads=connections, duration=max(120, len(carts)),
    )  # fmt: skip


def _ready(run: Run) -> Callable[[], Run]:
    """A read scenario needs nothing made first."""
    return lambda: run


def probe_workers(env: dict[str, str], shipping: str) -> tuple[int, list[dict]]:
    """Short runs at 16 connections with 2, 3 and 4 workers; best geometric mean."""
    rows = []
    for workers in WORKER_CHOICES:
        with gunicorn(APP, env, workers=workers) as base:
            warm(base, ["/bench/bare", "/api/v1/products/"])
            get_load(base, "warm-up", "/bench/bare", 4, 1)
            bare = get_load(base, BARE, "/bench/bare", 16, 3)
            api = get_load(base, "api", "/api/v1/products/", 16, 3)
            checkout = checkout_load(base, 16, 40, shipping)()
        score = math.prod(r.per_sec for r in (bare, api, checkout)) ** (1 / 3)
        row = {
            "workers": workers,
            "bare": bare.per_sec,
            "api": api.per_sec,
            "checkout": checkout.per_sec,
            "score": score,
            "errors": bare.errors + api.errors + checkout.errors,
        }
        log(f"workers={workers}: {row}")
        rows.append(row)
    best = max(rows, key=lambda row: row["score"])
    return best["workers"], rows


def worker_rss_mb(server) -> list[float]:
    """Resident memory (VmRSS, MB) of each gunicorn worker of `server`, now."""
    sizes = []
    for pid in _children(server.pid):
        with contextlib.suppress(OSError, StopIteration, ValueError):
            status = Path(f"/proc/{pid}/status").read_text()
            line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
            sizes.append(int(line.split()[1]) / 1024)
    return sorted(sizes)


def worker_shares_mb(server) -> list[dict[str, float]]:
    """PSS and USS (MB) of each gunicorn worker of `server`, now (Linux smaps_rollup).

    VmRSS counts every page a worker maps, also those it shares with the master and
    the other workers (the preloaded application, copy-on-write); PSS splits shared
    pages among their sharers and USS counts the worker's private pages only: what
    one more worker costs the host.
    """
    rows = []
    for pid in _children(server.pid):
        fields: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                words = line.split()  # "Pss:  2558 kB"; the first line is a header
                if len(words) == 3 and words[2] == "kB":
                    fields[words[0].rstrip(":")] = int(words[1])
        if "Pss" in fields:
            private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
            rows.append({"pss": fields["Pss"] / 1024, "uss": private / 1024})
    return sorted(rows, key=lambda row: row["pss"])


def with_cpu(server, run) -> fs.LoadResult:
    """Run one load and note gunicorn's CPU time per request (steadier than req/s
    on a shared machine) and PostgreSQL's (its server's processes, when it runs
    on this machine; Redis's own CPU is in neither)."""
    postmaster = DATABASE_SERVER["pid"]
    before, db_before = server_cpu_seconds(server), database_cpu_seconds(postmaster)
    load = run()
    if load.requests:
        load.cpu_ms = (server_cpu_seconds(server) - before) / load.requests * 1000
        db_after = database_cpu_seconds(postmaster)
        if db_before is not None and db_after is not None:
            load.db_cpu_ms = (db_after - db_before) / load.requests * 1000
    return load


def log_load(load: fs.LoadResult) -> None:
    log(f"c={load.connections:<3} {load.scenario:48} {load.per_sec:8.0f}/s "
        f"p50 {load.p50_ms:7.1f} p95 {load.p95_ms:7.1f} p99 {load.p99_ms:7.1f} ms "
        f"errors {load.errors} cpu {load.cpu_ms or 0:.2f} ms/req "
        f"db {load.db_cpu_ms or 0:.2f} ms/req")  # fmt: skip


def level_loads(
    store: str, baseline: str, paths: dict[str, str], connections: int,
    args: argparse.Namespace, shipping: str,
) -> tuple[list[fs.LoadResult], list[fs.LoadResult]]:  # fmt: skip
    """Every scenario at one concurrency, each between two runs of its baseline.

    A scenario's ratio is to the mean of the baseline run just before it and the one
    just after it: this machine's speed drifts by a third within a run (the hello
    view at 1,900 and at 3,200 req/s in runs minutes apart), and a baseline measured
    once before seven scenarios made every ratio of the group follow the drift.
    Returns the loads for the report (each baseline's first run stands for it) and
    every baseline run."""
    d = args.duration
    groups = [
        (
            partial(get_load, baseline, HELLO, "/hello", connections, d),
            [
                _ready(partial(get_load, store, name, path, connections, d))
                for name, path in paths.items()
            ],
        ),
        (
            partial(get_load, baseline, WRITE, "/insert", connections, d),
            [
                partial(patch_load, store, connections, d),
                partial(add_to_cart_load, store, connections, d),
                partial(checkout_load, store, connections, args.checkouts, shipping),
            ],
        ),
    ]
    loads: list[fs.LoadResult] = []
    baselines: list[fs.LoadResult] = []
    for measure_baseline, scenarios in groups:
        before = with_cpu(baseline, measure_baseline)
        loads.append(before)
        baselines.append(before)
        for prepare_scenario in scenarios:
            load = with_cpu(store, prepare_scenario())
            after = with_cpu(baseline, measure_baseline)
            baselines.append(after)
            bracket(load, before, after)
            loads.append(load)
            before = after
    for load in loads:
        log_load(load)
    return loads, baselines


def bracket(load: fs.LoadResult, before: fs.LoadResult, after: fs.LoadResult) -> None:
    """Give `load` the mean of the baseline runs either side of it."""
    load.baseline_per_sec = (before.per_sec + after.per_sec) / 2
    if before.cpu_ms is not None and after.cpu_ms is not None:
        load.baseline_cpu_ms = (before.cpu_ms + after.cpu_ms) / 2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=int, default=5, help="seconds per read/cart run"
    )
    parser.add_argument(
        "--connections", default="16", help="levels for the scenario table"
    )
    parser.add_argument(
        "--sale-connections", default="8,16,32,64", help="flash sale levels"
    )
    parser.add_argument(
        "--checkouts",
        type=int,
        default=100,
        help="checkouts per level (at least 2 per connection)",
    )
    parser.add_argument("--stock", type=int, default=50, help="flash sale: units S")
    parser.add_argument(
        "--shoppers", type=int, default=500, help="flash sale: shoppers N"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--probe", action="store_true", help="probe 2, 3 and 4 workers first"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="for iteration: 2 s runs, flash sale at 16 only, 50 checkouts",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="leave BENCHMARKS.md alone"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles")
    parser.add_argument(
        "--no-faults",
        action="store_true",
        help="skip the fault states (bench/faults.py)",
    )
    parser.add_argument("--profile-requests", type=int, default=300)
    args = parser.parse_args()
    if args.quick:
        args.duration, args.sale_connections, args.checkouts = 2, "16", 50
        args.profile_requests = 100
    return args


def prepare(env: dict[str, str]) -> None:
    log("preparing database securecart_bench (migrate, collectstatic, seed_demo)")
    prepare_database(env)
    manage(env, "seed_demo")
    import redis

    redis.Redis.from_url(fs.REDIS_URL).flushdb()  # the bench's own Redis db
    fs.django_setup(env)
    fs.fixtures_ensure()
    from django.db import connection

    from bench.baseline import CREATE_TABLE, TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        cursor.execute(f"TRUNCATE {TABLE}")


def vs_report(rounds: list[dict], settings: dict) -> list[str]:
    if not rounds:
        return []
    return [
        "",
        "### Flash sale with a capped voucher",
        "",
        f"{settings['shoppers']} shoppers, {settings['stock']} units, every cart holding "
        "the same code capped below the stock (bench/voucher_sale.py): 409 "
        "`voucher_exhausted` once the code is used up is expected, not an error. "
        "Over-redeemed = max(0, redemption rows - cap); the code's `used_count`, its "
        "redemption rows and the orders carrying it must all equal the 201s.",
        "",
        *vs.voucher_sale_table(rounds),
        "",
        "Over-redeemed: "
        + ", ".join(str(r["voucher"]["over_redeemed"]) for r in rounds)
        + "; oversold: "
        + ", ".join(str(r["db"]["oversold"]) for r in rounds)
        + (
            " — consistent."
            if all(r["consistent"] for r in rounds)
            else " — **inconsistent**."
        ),
    ]


def main() -> int:
    args = parse_args()
    levels = [int(c) for c in args.connections.split(",")]
    sale_levels = [int(c) for c in args.sale_connections.split(",")]
    command = " ".join(["bench/run.py", *sys.argv[1:]])

    started = time.monotonic()
    load_before = os.getloadavg()
    ensure_wrk()
    env = fs.bench_env()
    prepare(env)
    DATABASE_SERVER["pid"] = database_server_pid(env["DATABASE_URL"])
    machine = facts()
    paths = read_paths()
    log(f"machine: {machine['summary']}, load average {load_before}")

    workers, probe = args.workers, []
    if args.probe:
        with gunicorn(APP, env, workers=2) as base:
            shipping = fs.shipping_method_code(base)
        workers, probe = probe_workers(env, shipping)
    log(f"serving with {workers} sync workers")

    loads: list[fs.LoadResult] = []
    baseline_runs: list[fs.LoadResult] = []
    sales: list[dict] = []
    server_log = ROOT / "var" / "bench-run-gunicorn.log"
    with (
        gunicorn(APP, env, workers=workers, log_path=server_log) as store,
        gunicorn(BASELINE_APP, env, workers=workers) as baseline,
    ):
        shipping = fs.shipping_method_code(store)
        warm(store, list(paths.values()))
        warm(baseline, ["/hello", "/insert"])
        for name, path in paths.items():  # every worker's connections and code paths
            get_load(store, name, path, 4, 1)
        for path in ("/hello", "/insert"):
            get_load(baseline, "warm-up", path, 4, 1)
        for connections in levels:
            level, runs = level_loads(
                store, baseline, paths, connections, args, shipping
            )
            loads += level
            baseline_runs += runs
        for connections in sale_levels:
            sale = fs.flash_sale_round(
                store, stock=args.stock, shoppers=args.shoppers,
                connections=connections, shipping=shipping,
            )  # fmt: skip
            sales.append(sale)
            log(f"c={connections:<3} flash sale: {sale['db']['orders']} orders, "
                f"{sale['out_of_stock_409']} sold-out 409s, {sale['errors']} errors, "
                f"oversold {sale['db']['oversold']}, p95 {sale['p95_ms']:.0f} ms")  # fmt: skip
        # Flash sale with a capped voucher (bench/voucher_sale.py), at the top level.
        voucher_sales = [
            vs.voucher_sale_round(
                store, stock=args.stock, cap=args.stock * 3 // 5, shoppers=args.shoppers,
                connections=sale_levels[-1], shipping=shipping,
            )
        ]  # fmt: skip
        log(f"voucher sale: {vs.voucher_sale_table(voucher_sales)[-1]}")
        rss = {"store": worker_rss_mb(store), "baseline": worker_rss_mb(baseline)}
        shares = {
            "store": worker_shares_mb(store),
            "baseline": worker_shares_mb(baseline),
        }
    log(f"worker RSS after the run (MB): {rss}; PSS/USS: {shares}")

    load_after = os.getloadavg()
    server = server_log.read_text(errors="replace")
    gunicorn_log = {
        "worker_timeouts": server.count("WORKER TIMEOUT"),
        "errors": server.count("[ERROR]"),
        "server_errors_500": server.count('"status_code": 500'),
    }
    log(f"gunicorn log: {gunicorn_log}")
    elapsed = time.monotonic() - started
    results = {
        "command": command,
        "machine": machine,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "workers": workers,
        "worker_probe": probe,
        "paths": {**paths, HELLO: "/hello", WRITE: "/insert"},
        "baseline_of": BASELINE_OF,
        "settings": {
            "duration": args.duration,
            "connections": levels,
            "sale_connections": sale_levels,
            "checkouts": args.checkouts,
            "stock": args.stock,
            "shoppers": args.shoppers,
            "wrk_threads": WRK_THREADS,
        },  # fmt: skip
        "loads": [
            {**asdict(load), "errors": load.errors, "error_rate": load.error_rate}
            for load in loads
        ],  # fmt: skip
        "baseline_runs": [
            {
                "scenario": run.scenario,
                "connections": run.connections,
                "per_sec": run.per_sec,
                "cpu_ms": run.cpu_ms,
                "errors": run.errors,
            }
            for run in baseline_runs
        ],  # fmt: skip
        "flash_sale": sales,
        "voucher_sale": voucher_sales,
        "worker_rss_mb": rss,
        "worker_shares_mb": shares,
        "gunicorn_log": gunicorn_log,
        "elapsed_seconds": elapsed,
    }
    if not args.no_profile:
        log(f"profiling in-process ({args.profile_requests} requests per scenario)")
        results["profile"] = profiling.run(args.profile_requests)
        results["middleware"] = profiling.middleware_costs(args.profile_requests * 3)
    if not args.no_faults:
        log("fault states (bench/faults.py): Redis frozen and dead, database down")
        # The static files are collected already (prepare above).
        plan = faults.plan_for(quick=args.quick, workers=workers, collectstatic=False)
        results["faults"] = faults.run(plan)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    from bench.plot import plot

    plot(results, PLOT)
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None
    body = report(results, before)
    print(body)
    if not args.no_write:
        write_block(body)
        if results.get("faults"):
            faults.write(faults.section(results["faults"]))
    log(f"done in {elapsed:.0f} s; wrote {RESULTS.name}, {PLOT.name}, BENCHMARKS.md")
    ok = (
        all(sale["consistent"] and not sale["errors"] for sale in sales)
        and not any(load.errors for load in [*loads, *baseline_runs])
        and not gunicorn_log["worker_timeouts"]
    )
    return 0 if ok else 1


def level_of(results: dict) -> int:
    levels = results["settings"]["connections"]
    return 16 if 16 in levels else levels[0]


def ratios(
    results: dict, level: int
) -> dict[str, tuple[float, float | None, float | None]]:
    """scenario -> (req/s, its ratio to the baseline, baseline CPU / its CPU per
    request), at one concurrency."""
    at = {
        row["scenario"]: row for row in results["loads"] if row["connections"] == level
    }
    baseline_of = results.get("baseline_of", {})
    out: dict[str, tuple[float, float | None, float | None]] = {}
    for name, row in at.items():
        rate, cpu_ratio = _to_baseline(row, at.get(baseline_of.get(name, name)))
        out[name] = (row["per_sec"], rate, cpu_ratio)
    return out


def _to_baseline(row: dict, base: dict | None) -> tuple[float | None, float | None]:
    """(req/s ratio, CPU ratio) of a load to its baseline: the runs bracketing it
    when it has them (`baseline_per_sec`), else the baseline's row (older runs)."""
    base_rate = row.get("baseline_per_sec") or (base or {}).get("per_sec")
    base_cpu = row.get("baseline_cpu_ms") or (base or {}).get("cpu_ms")
    cpu = row.get("cpu_ms")
    return (
        row["per_sec"] / base_rate if base_rate else None,
        base_cpu / cpu if cpu and base_cpu else None,
    )


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def comparison_table(results: dict, before: dict | None) -> list[str]:
    """The scenarios at one concurrency: before (an earlier run) and now."""
    level = level_of(results)
    now = ratios(results, level)
    then = ratios(before, level_of(before)) if before else {}
    lines = [
        "| what | baseline | before req/s | before ratio | before CPU ratio "
        "| after req/s | after ratio | after CPU ratio | goal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, (rate, ratio, cpu_ratio) in now.items():
        old_rate, old_ratio, old_cpu = then.get(name, (None, None, None))
        base = BASELINE_OF.get(name)
        goal = GOALS.get(name)
        lines.append(
            f"| {name} | {'hello' if base == HELLO else 'write' if base else '—'} "
            f"| {'–' if old_rate is None else f'{old_rate:,.0f}'} | {_ratio(old_ratio)} "
            f"| {_ratio(old_cpu)} | {rate:,.0f} | {_ratio(ratio)} | {_ratio(cpu_ratio)} "
            f"| {'' if goal is None else f'≥ {goal:.1f}'} |"
        )
    return lines


def load_table(results: dict) -> list[str]:
    by = {(row["scenario"], row["connections"]): row for row in results["loads"]}
    scenarios = list(dict.fromkeys(row["scenario"] for row in results["loads"]))
    baseline_of = results.get("baseline_of", {})
    lines = [
        "| scenario | conns | req/s | ratio to its baseline | app CPU ms/req "
        "| CPU ratio | PostgreSQL CPU ms/req | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in scenarios:
        for level in results["settings"]["connections"]:
            row = by.get((scenario, level))
            if not row:
                continue
            base = by.get((baseline_of.get(scenario, scenario), level))
            ratio, cpu_ratio = _to_baseline(row, base)
            cpu, db_cpu = row.get("cpu_ms"), row.get("db_cpu_ms")
            lines.append(
                f"| {scenario} | {level} | {row['per_sec']:,.0f} | {_ratio(ratio)} "
                f"| {'–' if cpu is None else f'{cpu:.2f}'} | {_ratio(cpu_ratio)} "
                f"| {'–' if db_cpu is None else f'{db_cpu:.2f}'} "
                f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} "
                f"| {row['errors']} ({row['error_rate']:.1%}) |"
            )
    return lines


def sale_lines(results: dict) -> list[str]:
    settings = results["settings"]
    sales = results["flash_sale"]
    write = ratios(results, level_of(results)).get(WRITE, (0.0, None, None))[0]
    per_write = ", ".join(
        f"{sale['orders_per_sec']:.1f} at {sale['connections']} connections"
        + (
            f" ({sale['orders_per_sec'] / write:.3f} of the write ceiling)"
            if write
            else ""
        )
        for sale in sales
    )
    return [
        f"### Flash sale: {settings['shoppers']} shoppers, {settings['stock']} units",
        "",
        f"At each concurrency a fresh set: the SKU's stock is set to {settings['stock']} "
        f"(nothing reserved) and {settings['shoppers']} new carts each hold 1 unit of "
        "it; every cart is checked out once (POST /api/v1/checkout/, own "
        "Idempotency-Key, `tok_visa`, shipping code from GET /api/v1/shipping-methods/), "
        "all connections firing at once. 409s saying the stock is gone (code "
        "`insufficient_stock`, or `stale_cart` with reason `insufficient_stock` when "
        "the pre-lock check already saw it) are the expected answer to the late "
        "shoppers and are not errors; any other status or a cart left without an "
        "answer is. wrk socket errors are listed apart: the Lua script moves to the "
        "next cart only on an answer, so wrk re-sends that cart and every cart still "
        "gets exactly one answer (checked). answered/s = all checkouts answered per "
        "second; orders/s = orders / seconds from the start of the round until the "
        "last order committed (sold out). Oversold = max(0, units in orders created "
        "- stock), counted in the database after the round, with the stock row "
        "(reserved <= on hand, reserved = units ordered).",
        "",
        *fs.flash_sale_table(sales),
        "",
        f"Orders/s to sell-out against the write ceiling of this run ({write:,.0f}/s): "
        f"{per_write}.",
        "",
        "Oversold units: "
        + ", ".join(str(sale["db"]["oversold"]) for sale in sales)
        + (
            " — **0 at every concurrency**."
            if all(s["db"]["oversold"] == 0 for s in sales)
            else " — **OVERSOLD**."
        ),  # fmt: skip
        "All consistency checks passed (orders = 201s, reserved = units, reserved <= on hand)."
        if all(s["consistent"] for s in sales)
        else "**A consistency check failed** — see bench/results.json.",
        *vs_report(results.get("voucher_sale") or [], results["settings"]),
    ]


def probe_lines(results: dict) -> list[str]:
    if not results["worker_probe"]:
        return []
    return [
        "",
        "### gunicorn workers: 2, 3 or 4 on 2 cores (`--probe`)",
        "",
        "Probe before the run: 3 s bare view + 3 s product API + 40 checkouts, 16 "
        "connections, one fresh gunicorn each; the best geometric mean of the three "
        "rates wins.",
        "",
        "| workers | bare req/s | product API req/s | checkouts/s | geometric mean |",
        "|---:|---:|---:|---:|---:|",
        *[
            f"| {row['workers']} | {row['bare']:,.0f} | {row['api']:,.0f} | "
            f"{row['checkout']:,.1f} | {row['score']:,.1f} |"
            for row in results["worker_probe"]
        ],
        "",
        f"Chosen: **{results['workers']} workers**."
        + probe_verdict(results["worker_probe"]),
    ]


def rss_line(results: dict, before: dict | None) -> str:
    rss = results.get("worker_rss_mb", {})
    store = ", ".join(f"{mb:.0f}" for mb in rss.get("store", [])) or "?"
    base = ", ".join(f"{mb:.0f}" for mb in rss.get("baseline", [])) or "?"
    old = (before or {}).get("worker_rss_mb", {}).get("store")
    was = f" (before: {', '.join(f'{mb:.0f}' for mb in old)} MB)" if old else ""
    shares = results.get("worker_shares_mb", {})

    def pss_uss(rows: list[dict[str, float]]) -> str:
        return ", ".join(f"{row['pss']:.0f}/{row['uss']:.0f}" for row in rows) or "?"

    split = (
        f" PSS/USS (shared pages split among their sharers / private pages only): "
        f"store {pss_uss(shares.get('store', []))} MB; baseline app "
        f"{pss_uss(shares.get('baseline', []))} MB."
        if shares
        else ""
    )
    return (
        f"Worker RSS after the run (VmRSS of each gunicorn worker, read just before "
        f"the servers stop): store {store} MB{was}; baseline app {base} MB. Goal: "
        f"≤ 100 MB per store worker.{split}"
    )


def profile_lines(results: dict, before: dict | None) -> list[str]:
    if not results.get("profile"):
        return []
    old = (before or {}).get("profile")
    lines = ["", "### Profiles", "", profiling.section(results["profile"], old)]
    if results.get("middleware"):
        lines += [
            "",
            "### Middleware",
            "",
            profiling.middleware_section(results["middleware"]),
        ]
    return lines


def report(results: dict, before: dict | None = None) -> str:
    machine = results["machine"]
    settings = results["settings"]
    log_counts = results.get("gunicorn_log", {})
    level = level_of(results)
    lines = [
        "## Full run: `make bench`",
        "",
        "One command serves the store with gunicorn on PostgreSQL + Redis and, next "
        "to it with the same gunicorn settings, a tiny Django app of its own "
        "(`bench/baseline.py`) that gives the two baselines: a hello view behind "
        "Django's default middleware (the framework ceiling for pages) and a view "
        "doing one committed INSERT on the same PostgreSQL (the write ceiling). "
        "Every scenario is reported as a ratio to its baseline measured in the same "
        "run: pages and the catalog API to the hello view, cart and checkout writes "
        "to the write ceiling. Raw numbers: `bench/results.json`; profiles: "
        "`bench/profiling.py` (below).",
        "",
        f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory']} RAM, "
        f"{machine['kernel']}; Python {machine['python']}, Django {machine['django']}, "
        f"gunicorn {machine['gunicorn']}, PostgreSQL {machine['postgresql']}, Redis "
        f"{machine['redis']}, {machine['wrk']}. Server, database, Redis and wrk share "
        "these cores.",
        "",
        "1-minute load average "
        f"{results['load_average_before'][0]:.1f} before the run and "
        f"{results['load_average_after'][0]:.1f} after, on {machine['nproc']} cores "
        "(the run's own gunicorn, PostgreSQL, Redis and wrk account for about 2); a "
        "higher reading means other work shared the cores. Absolute numbers depend "
        "on that: compare ratios within one run.",
        "",
        "### Commands",
        "",
        "```",
        "make bench        # = .venv/bin/python " + results["command"],
        "make bench BENCH_ARGS=--quick   # 2 s runs, flash sale at 16 connections only",
        "# servers (one each for the whole run):",
        f".venv/bin/python -m gunicorn '{APP}' --bind 127.0.0.1:<port> "
        f"--workers {results['workers']} --worker-class sync --log-level warning",
        f".venv/bin/python -m gunicorn '{BASELINE_APP}' --bind 127.0.0.1:<port2> "
        f"--workers {results['workers']} --worker-class sync --log-level warning",
        "# with DJANGO_SETTINGS_MODULE=securecart.settings.production, DJANGO_SECRET_KEY=<bench-only>,",
        "#   DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost, DATABASE_URL=postgres://shop:shop@127.0.0.1:5432/securecart_bench,",
        f"#   REDIS_URL={fs.REDIS_URL}, CELERY_BROKER_URL= (eager), "
        "API_THROTTLE_ANON=API_THROTTLE_USER=100000000/min",
        "# load, per scenario (every request carries X-Forwarded-Proto: https):",
        f"wrk -t{settings['wrk_threads']} -c{level} -d{settings['duration']}s --timeout 30s "
        "-s bench/flash_sale.lua http://127.0.0.1:<port> -- get <path>",
        f"wrk -t{settings['wrk_threads']} -c{level} -d{settings['duration']}s --timeout 30s "
        "-s bench/flash_sale.lua http://127.0.0.1:<port> -- patch <cart ids file> "
        f"{fs.PLENTY_SKUS[0]} {settings['wrk_threads']} -",
        f"wrk -t{settings['wrk_threads']} -c{level} -d{settings['duration']}s --timeout 30s "
        "-s bench/flash_sale.lua http://127.0.0.1:<port> -- add <cart ids file> "
        f"{fs.PLENTY_SKUS[0]} {settings['wrk_threads']} -",
        "wrk -tC -cC -d<limit>s --timeout 30s -s bench/flash_sale.lua http://127.0.0.1:<port> "
        "-- checkout <cart ids file> <shipping code> C <done file>",
        "```",
        "",
        "Setup notes: `securecart.settings.production` (DEBUG off, the full middleware: "
        "request ids, metrics, security headers, CSP; sessions/cache/throttles on "
        "Redis, psycopg pool), gunicorn sync workers "
        f"(**{results['workers']} workers**), HTTPS as behind the load balancer "
        "(`X-Forwarded-Proto: https`). The DRF throttles (anonymous 120/min in "
        "production) are raised through `API_THROTTLE_ANON` / `API_THROTTLE_USER` so "
        "the load generator on one IP is not answered 429; their Redis round trips "
        "still run. Checkout's after-commit hand-offs (fulfilment and the outbox relay, "
        "each one SQS send in AWS) are stubbed: with Celery eager they would run the "
        "fulfilment chain and the confirmation email inside the request. gunicorn's sync workers close the connection after "
        "each response, so wrk reconnects every request (for both apps). Scenarios "
        f"run {settings['duration']} s each (wrk {settings['wrk_threads']} threads), "
        "each scenario between two runs of its baseline and compared with their mean; the cart-line "
        f"PATCH cycles over {PATCH_CARTS} carts holding one line each, with a random "
        "quantity 1-5; add-to-cart POSTs 1 unit to empty carts; checkout runs "
        f"max({settings['checkouts']}, 2 x connections) checkouts, each with its own "
        "cart (1 unit of one of 20 SKUs with plentiful stock) and Idempotency-Key, "
        "one connection per wrk thread. Latencies are wrk's, over every completed "
        "request. Behaviour under faults (Redis frozen or dead, database down): "
        '"Under faults" below, from the same command.',
        "",
        f"### Scenarios at {level} connections, ratio to their baseline",
        "",
        "before = the run recorded in `bench/results_before.json` (same command, "
        "before the speed work); after = this run.",
        "",
        *comparison_table(results, before),
        "",
        "### All measured loads",
        "",
        "errors = any status other than 2xx (3xx never happens: HTTPS header set) plus "
        "wrk socket errors (connect/read/write/timeout); checkout counts per cart "
        "as in the flash sale below. app CPU = gunicorn's (master and workers); "
        "PostgreSQL CPU = its server's processes (backends, WAL writer, WAL sender "
        "to the replica), over the same run.",
        "",
        *load_table(results),
        "",
        *sale_lines(results),
        "",
        "### Memory",
        "",
        rss_line(results, before),
        *probe_lines(results),
        *profile_lines(results, before),
        "",
        "### Latency vs concurrency",
        "",
        "![p50 and p95 latency and throughput against concurrent connections]"
        "(bench/latency_vs_concurrency.png)",
        "",
        f"Whole run: {results['elapsed_seconds']:.0f} s. Server log of the measured "
        f"gunicorn: {log_counts.get('worker_timeouts', '?')} worker timeouts, "
        f"{log_counts.get('errors', '?')} `[ERROR]` lines, "
        f"{log_counts.get('server_errors_500', '?')} responses 500.",
    ]
    return "\n".join(lines)


def probe_verdict(probe: list[dict]) -> str:
    scores = sorted((row["score"] for row in probe), reverse=True)
    if len(scores) > 1 and scores[0] < 1.15 * scores[1]:
        return (
            " The top two are within 15% of each other: on this shared machine that "
            "is within noise, so the choice is weak (`bench/run.py --workers N` "
            "skips the probe)."
        )
    return ""


def write_block(
    body: str,
    path: Path = ROOT / "BENCHMARKS.md",
    *,
    start: str = START,
    end: str = END,
    after: str | None = None,
) -> None:
    """Replace the text between the start and end markers (the bench:run ones by
    default); keep every other section. A new block goes right after the `after`
    marker when the file has it, else on top."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")
    else:
        if after and after in text:
            cut = text.index(after) + len(after)
            cut = text.find("\n", cut) + 1 or len(text)
        else:
            cut = text.find("\n") + 1 if text.startswith("# ") else 0
        head, tail = text[:cut], text[cut:].lstrip("\n")
        text = head + "\n" + block + ("\n" + tail if tail else "")
    path.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
