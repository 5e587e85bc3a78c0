"""`make bench`: the whole benchmark in one run, side by side with a bare Django view.

    .venv/bin/python bench/run.py [--duration 5] [--connections 8,16,32,64]
                                  [--checkouts 200] [--stock 50] [--shoppers 500]

1. Database `securecart_bench` on 127.0.0.1:5432 (created, migrated, seed_demo, plus
   the bench's own shipping method and SKUs), Redis 127.0.0.1:6379 db 14 (flushed).
2. Worker count: gunicorn with 2, 3 and 4 sync workers, each probed briefly (bare
   view, product API, checkout at 16 connections); the best geometric mean wins.
3. One gunicorn (production settings, `bench.flash_sale:application()`: the app plus
   /bench/bare, fulfilment hand-off stubbed) serves every scenario; at each
   concurrency wrk runs: bare view, cached category page, product list API,
   add-to-cart, checkout (own cart each, plentiful stock) and the flash sale
   (bench/flash_sale.py: N shoppers, one SKU with S units).
4. Writes bench/results.json, bench/latency_vs_concurrency.png (bench/plot.py) and
   the part of BENCHMARKS.md between the `bench:run` markers (other sections kept).

Needs wrk (installed with apt-get when missing and running as root). All traffic
goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import flash_sale as fs
from bench import voucher_sale as vs
from bench.common import (
    HTTPS,
    ROOT,
    fetch,
    gunicorn,
    machine_facts,
    manage,
    prepare_database,
)

APP = "bench.flash_sale:application()"
RESULTS = ROOT / "bench" / "results.json"
PLOT = ROOT / "bench" / "latency_vs_concurrency.png"
START = "<!-- bench:run:start -->"
END = "<!-- bench:run:end -->"
WORKER_CHOICES = (2, 3, 4)
READS = {
    "bare Django view": "/bench/bare",
    "category page (cached)": "/c/kitchen/",
    "product list API (cached)": "/api/v1/products/?category=kitchen",
}
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


def warm(base: str) -> None:
    for path in READS.values():
        status, body = fetch(base + path, headers=HTTPS)
        if status != 200:
            raise SystemExit(f"{path} answered {status}:\n{body[:800]}")


def read_load(base: str, name: str, connections: int, duration: int) -> fs.LoadResult:
    return fs.wrk_lua(
        base, scenario=name, mode="get", arg=READS[name],
        connections=connections, threads=min(WRK_THREADS, connections), duration=duration,
    )  # fmt: skip


def add_to_cart_load(base: str, connections: int, duration: int) -> fs.LoadResult:
    carts = fs.carts_create(skus=None, count=max(64, connections * 4))
    return fs.wrk_lua(
        base, scenario="add to cart", mode="add", arg=fs.PLENTY_SKUS[0], ids=carts,
        connections=connections, threads=min(WRK_THREADS, connections), duration=duration,
    )  # fmt: skip


def checkout_load(
    base: str, connections: int, checkouts: int, shipping: str
) -> fs.LoadResult:
    carts = fs.carts_create(skus=fs.PLENTY_SKUS, count=max(checkouts, 2 * connections))
    return fs.wrk_lua(
        base, scenario="checkout", mode="checkout", arg=shipping, ids=carts,
        connections=connections, threads=connections, duration=max(120, len(carts)),
    )  # fmt: skip


def probe_workers(env: dict[str, str], shipping: str) -> tuple[int, list[dict]]:
    """Short runs at 16 connections with 2, 3 and 4 workers; best geometric mean."""
    rows = []
    for workers in WORKER_CHOICES:
        with gunicorn(APP, env, workers=workers) as base:
            warm(base)
            fs.wrk_lua(base, scenario="warm-up", mode="get", arg=READS["bare Django view"],
                       connections=4, threads=2, duration=1)  # fmt: skip
            bare = read_load(base, "bare Django view", 16, 3)
            api = read_load(base, "product list API (cached)", 16, 3)
            checkout = checkout_load(base, 16, 40, shipping)
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=int, default=5, help="seconds per read/add run"
    )
    parser.add_argument("--connections", default="8,16,32,64")
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
    parser.add_argument("--workers", type=int, default=0, help="skip the probe (2-4)")
    parser.add_argument(
        "--no-write", action="store_true", help="leave BENCHMARKS.md alone"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.connections.split(",")]
    command = " ".join(["bench/run.py", *sys.argv[1:]])

    started = time.monotonic()
    load_before = os.getloadavg()
    ensure_wrk()
    env = fs.bench_env()
    log("preparing database securecart_bench (migrate, collectstatic, seed_demo)")
    prepare_database(env)
    manage(env, "seed_demo")
    import redis

    redis.Redis.from_url(fs.REDIS_URL).flushdb()  # db 14 is the bench's own
    fs.django_setup(env)
    fs.fixtures_ensure()
    machine = facts()
    log(f"machine: {machine['summary']}, load average {load_before}")

    shipping = "standard"
    if args.workers:
        workers, probe = args.workers, []
    else:
        with gunicorn(APP, env, workers=2) as base:
            shipping = fs.shipping_method_code(base)
        workers, probe = probe_workers(env, shipping)
    log(f"serving with {workers} sync workers")

    loads: list[fs.LoadResult] = []
    sales: list[dict] = []
    server_log = ROOT / "var" / "bench-run-gunicorn.log"
    with gunicorn(APP, env, workers=workers, log_path=server_log) as base:
        shipping = fs.shipping_method_code(base)
        warm(base)
        for name in READS:  # warm every worker's cache connection and code paths
            read_load(base, name, 4, 1)
        for connections in levels:
            for name in READS:
                loads.append(read_load(base, name, connections, args.duration))
            loads.append(add_to_cart_load(base, connections, args.duration))
            loads.append(checkout_load(base, connections, args.checkouts, shipping))
            sale = fs.flash_sale_round(
                base, stock=args.stock, shoppers=args.shoppers,
                connections=connections, shipping=shipping,
            )  # fmt: skip
            sales.append(sale)
            for load in loads[-5:]:
                log(f"c={connections:<3} {load.scenario:28} {load.per_sec:8.0f}/s "
                    f"p50 {load.p50_ms:7.1f} p95 {load.p95_ms:7.1f} p99 {load.p99_ms:7.1f} ms "
                    f"errors {load.errors}")  # fmt: skip
            log(f"c={connections:<3} flash sale: {sale['db']['orders']} orders, "
                f"{sale['out_of_stock_409']} sold-out 409s, {sale['errors']} errors, "
                f"oversold {sale['db']['oversold']}, p95 {sale['p95_ms']:.0f} ms")  # fmt: skip
        # Flash sale with a capped voucher (bench/voucher_sale.py), at the top level.
        voucher_sales = [
            vs.voucher_sale_round(
                base, stock=args.stock, cap=args.stock * 3 // 5, shoppers=args.shoppers,
                connections=levels[-1], shipping=shipping,
            )
        ]  # fmt: skip
        log(f"voucher sale: {vs.voucher_sale_table(voucher_sales)[-1]}")

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
        "settings": {
            "duration": args.duration,
            "connections": levels,
            "checkouts": args.checkouts,
            "stock": args.stock,
            "shoppers": args.shoppers,
            "wrk_threads": WRK_THREADS,
        },  # fmt: skip
        "loads": [
            {**asdict(load), "errors": load.errors, "error_rate": load.error_rate}
            for load in loads
        ],  # fmt: skip
        "flash_sale": sales,
        "voucher_sale": voucher_sales,
        "gunicorn_log": gunicorn_log,
        "elapsed_seconds": elapsed,
    }
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    from bench.plot import plot

    plot(results, PLOT)
    body = report(results)
    print(body)
    if not args.no_write:
        write_block(body)
    log(f"done in {elapsed:.0f} s; wrote {RESULTS.name}, {PLOT.name}, BENCHMARKS.md")
    ok = (
        all(sale["consistent"] and not sale["errors"] for sale in sales + voucher_sales)
        and not any(load.errors for load in loads)
        and not gunicorn_log["worker_timeouts"]
    )
    return 0 if ok else 1


def report(results: dict) -> str:
    machine = results["machine"]
    settings = results["settings"]
    levels = settings["connections"]
    loads = results["loads"]
    by = {(row["scenario"], row["connections"]): row for row in loads}
    scenarios = list(dict.fromkeys(row["scenario"] for row in loads))

    lines = [
        "## Full run: `make bench`",
        "",
        "One command serves the app with gunicorn on PostgreSQL + Redis and measures, "
        "in one run and against one server, a bare Django view (the baseline: same "
        "process, settings and middleware, no database or cache work) next to the "
        "cached category page, the product list API, add-to-cart, checkout and a "
        "flash sale. Raw numbers: `bench/results.json`.",
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
        "on that: compare scenarios with the bare view of the same run.",
        "",
        "### Commands",
        "",
        "```",
        "make bench        # = .venv/bin/python " + results["command"],
        "# server (one for the whole run; the worker probe starts one per worker count):",
        f".venv/bin/python -m gunicorn '{APP}' --bind 127.0.0.1:<free port> "
        f"--workers {results['workers']} --worker-class sync --log-level warning",
        "# with DJANGO_SETTINGS_MODULE=securecart.settings.production, DJANGO_SECRET_KEY=<bench-only>,",
        "#   DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost, DATABASE_URL=postgres://shop:shop@127.0.0.1:5432/securecart_bench,",
        f"#   REDIS_URL={fs.REDIS_URL}, CELERY_BROKER_URL= (eager), "
        "API_THROTTLE_ANON=API_THROTTLE_USER=100000000/min",
        "# load, per concurrency C (every request carries X-Forwarded-Proto: https):",
        f"wrk -t{settings['wrk_threads']} -cC -d{settings['duration']}s --timeout 30s "
        "-s bench/flash_sale.lua http://127.0.0.1:<port> -- get <path>",
        f"wrk -t{settings['wrk_threads']} -cC -d{settings['duration']}s --timeout 30s "
        "-s bench/flash_sale.lua http://127.0.0.1:<port> -- add <cart ids file> "
        f"{fs.PLENTY_SKUS[0]} {settings['wrk_threads']} -",
        "wrk -tC -cC -d<limit>s --timeout 30s -s bench/flash_sale.lua http://127.0.0.1:<port> "
        "-- checkout <cart ids file> <shipping code> C <done file>",
        "```",
        "",
        "Setup notes: `securecart.settings.production` (DEBUG off, full middleware, "
        "sessions/cache/throttles on Redis, psycopg pool), gunicorn sync workers "
        f"(**{results['workers']} workers**, chosen by the probe below), HTTPS as "
        "behind the load balancer (`X-Forwarded-Proto: https`). The DRF throttles "
        "(anonymous 120/min in production) are raised through `API_THROTTLE_ANON` / "
        "`API_THROTTLE_USER` so the load generator on one IP is not answered 429; "
        "their Redis round trips still run. The fulfilment hand-off after checkout "
        "commit is stubbed (in AWS it is one SQS send; with no broker it would run "
        "the whole fulfilment chain inside the request). gunicorn's sync workers "
        "close the connection after each response, so wrk reconnects every request. "
        f"Read scenarios and add-to-cart run {settings['duration']} s per concurrency "
        f"(wrk {settings['wrk_threads']} threads); checkout runs max({settings['checkouts']}, "
        "2 x connections) checkouts per concurrency, each with its own cart (1 unit of one of 20 SKUs "
        "with plentiful stock) and Idempotency-Key, one connection per wrk thread. "
        "Latencies are wrk's, over every completed request.",
        "",
        "### Results (requests/s and latency per concurrency)",
        "",
        summary_line(results),
        "",
        "errors = any status other than 2xx (3xx never happens: HTTPS header set) plus "
        "wrk socket errors (connect/read/write/timeout); checkout counts per cart "
        "as in the flash sale below.",
        "",
        "| scenario | conns | req/s | vs bare | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in scenarios:
        for level in levels:
            row = by.get((scenario, level))
            if not row:
                continue
            bare = by[("bare Django view", level)]["per_sec"]
            lines.append(
                f"| {scenario} | {level} | {row['per_sec']:,.0f} | "
                f"{row['per_sec'] / bare:.0%} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | {row['errors']} ({row['error_rate']:.1%}) |"
            )
    sales = results["flash_sale"]
    log_counts = results.get("gunicorn_log", {})
    lines += [
        "",
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
    ]
    lines += vs_report(results.get("voucher_sale") or [], settings)
    if results["worker_probe"]:
        lines += [
            "",
            "### gunicorn workers: 2, 3 or 4 on 2 cores",
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
            f"Chosen: **{results['workers']} workers**. Sync workers each hold one "
            "request at a time; on 2 cores more workers mostly help while a request "
            "waits on PostgreSQL or Redis, and cost memory and context switches."
            + probe_verdict(results["worker_probe"]),
        ]
    lines += [
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


def summary_line(results: dict) -> str:
    """One sentence comparing the scenarios with the bare view at one concurrency."""
    loads = results["loads"]
    levels = results["settings"]["connections"]
    level = 16 if 16 in levels else levels[0]
    at = {row["scenario"]: row for row in loads if row["connections"] == level}
    bare = at["bare Django view"]
    parts = [
        f"{name} {row['per_sec']:,.0f}/s ({row['per_sec'] / bare['per_sec']:.0%}, "
        f"p95 {row['p95_ms']:.0f} ms)"
        for name, row in at.items()
        if name != "bare Django view"
    ]
    return (
        f"At {level} connections the bare view answers {bare['per_sec']:,.0f} req/s "
        f"(p95 {bare['p95_ms']:.0f} ms); relative to it: " + "; ".join(parts) + "."
    )


def write_block(body: str, path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Replace the text between the bench:run markers; keep every other section."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{START}\n{body.rstrip()}\n{END}\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")
    else:
        first_newline = text.find("\n") + 1 if text.startswith("# ") else 0
        head, tail = text[:first_newline], text[first_newline:].lstrip("\n")
        text = head + "\n" + block + ("\n" + tail if tail else "")
    path.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
