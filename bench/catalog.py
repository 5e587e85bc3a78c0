"""Benchmark: cached catalog pages and product API vs a bare Django view.

    .venv/bin/python bench/catalog.py [--duration 10] [--connections 16]

Serves the app with gunicorn (2 sync workers) under securecart.settings.production
on PostgreSQL (database `securecart_bench`, created and seeded with seed_demo) and
Redis (db 3), sending `X-Forwarded-Proto: https` as the load balancer would. The bare
view (/bench/bare, bench/bare_urls.py) runs in the same gunicorn with the same
middleware. Results go to BENCHMARKS.md, section "Catalog pages (cached) vs bare view".
Target: every cached page >= 60% of the bare view's req/s.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    HTTPS,
    fetch,
    gunicorn,
    machine_facts,
    manage,
    prepare_database,
    production_env,
    run_wrk,
    server_cpu_seconds,
    write_section,
)

TITLE = "Catalog pages (cached) vs bare view"
NOTES = (
    "Reading: a cached page costs the bare view plus one Redis round trip (redis-py "
    "spends a few tenths of a millisecond of CPU per command, plus the wait) and the "
    "project middleware's work on HTML answers; the product API adds DRF's request "
    "handling (authentication, content negotiation, throttle) although its cached "
    "JSON is read in the same Redis round trip as the throttle counter. Trust the CPU "
    "column more than the req/s medians here: the bare view alone swings several-fold "
    "between rounds with other engineers' jobs. On an idle machine the bare view is "
    "cheaper still, so the fixed cost of the Redis round trip weighs more, not less."
)
TARGET = 0.60
# The target covers the cached category page and the product API; the
# product page is measured for information (it renders per visitor: CSRF token).
TARGETED = {
    "category page /c/kitchen/ (cached)",
    "product list API /api/v1/products/ (cached)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds over all URLs"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="do not edit BENCHMARKS.md"
    )
    args = parser.parse_args()

    # The anonymous API throttle (120/min in production) would answer 429 to wrk;
    # raise it so the throttle's cache work is still measured but never trips.
    env = production_env(
        database="securecart_bench",
        API_THROTTLE_ANON="100000000/min",
        DEMO_STAFF_PASSWORD="bench-staff-password",
    )
    prepare_database(env)
    manage(env, "seed_demo")

    urls = {
        "bare Django view": "/bench/bare",
        "category page /c/kitchen/ (cached)": "/c/kitchen/",
        "product page /p/<slug>/ (cached)": None,
        "product list API /api/v1/products/ (cached)": "/api/v1/products/?category=kitchen",
    }
    results: dict = {}
    cpu_per_request: dict[str, list[float]] = {}
    with gunicorn("bench.bare_urls:application()", env) as base:
        status, body = fetch(f"{base}/api/v1/products/?category=kitchen", headers=HTTPS)
        assert status == 200, (status, body[:500])
        slug = json.loads(body)["results"][0]["slug"]
        urls["product page /p/<slug>/ (cached)"] = f"/p/{slug}/"
        for path in urls.values():
            status, body = fetch(base + path, headers=HTTPS)  # also warms the cache
            if status != 200:
                raise SystemExit(f"{path} answered {status}:\n{body[:800]}")
            run_wrk(
                base + path, duration=2, connections=args.connections, headers=HTTPS
            )
        # Interleave: the shared machine's load drifts, so every round measures the
        # bare view and the pages back to back and ratios are taken per round.
        for round_no in range(1, args.rounds + 1):
            for label, path in urls.items():
                cpu_before = server_cpu_seconds(base)
                result = run_wrk(
                    base + path,
                    duration=args.duration,
                    connections=args.connections,
                    headers=HTTPS,
                )
                cpu_ms = (server_cpu_seconds(base) - cpu_before) * 1000
                cpu_per_request.setdefault(label, []).append(
                    cpu_ms / max(result.requests, 1)
                )
                results.setdefault(label, []).append(result)
                print(
                    f"round {round_no} {label:48} {result.requests_per_sec:9.0f} req/s",
                    flush=True,
                )

    bare_runs = [r.requests_per_sec for r in results["bare Django view"]]
    bare_cpu = median(cpu_per_request["bare Django view"])
    rows = [
        "| URL | req/s (median) | vs bare (median of per-round ratios) | per round | "
        "p50 ms | p99 ms | app CPU ms/req (median) | bare CPU / this CPU |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    failed = []
    for label, runs in results.items():
        rps = [r.requests_per_sec for r in runs]
        ratio = median(r / b for r, b in zip(rps, bare_runs, strict=True))
        if label in TARGETED and ratio < TARGET:
            failed.append(label)
        mid = sorted(runs, key=lambda r: r.requests_per_sec)[len(runs) // 2]
        rows.append(
            f"| {label} | {median(rps):,.0f} | {ratio:.0%} | "
            f"{' / '.join(f'{x:,.0f}' for x in rps)} | "
            f"{mid.latency_p50_ms or 0:.1f} | {mid.latency_p99_ms or 0:.1f} | "
            f"{median(cpu_per_request[label]):.2f} | "
            f"{bare_cpu / median(cpu_per_request[label]):.0%} |"
        )
    verdict = (
        f"The category page and the product API reach the {TARGET:.0%} target."
        if not failed
        else f"Below the {TARGET:.0%} target: {', '.join(failed)}."
    )
    body = "\n".join(
        [
            "Command: `.venv/bin/python bench/catalog.py "
            f"--duration {args.duration} --connections {args.connections} "
            f"--rounds {args.rounds}`",
            "",
            f"Machine: {machine_facts()}. The machine is shared with other engineers' "
            "work (tests, builds) while measuring, so absolute numbers wobble; the "
            "ratio to the bare view, measured in the same run, is what counts.",
            "",
            "Setup: gunicorn, 2 sync workers, `securecart.settings.production` "
            "(DEBUG off, all default middleware incl. sessions, CSRF, WhiteNoise, "
            "security headers), PostgreSQL 127.0.0.1:5432 (psycopg pool), Redis "
            "127.0.0.1:6379 for cache and throttles, `X-Forwarded-Proto: https`, wrk "
            f"with 2 threads and {args.connections} connections, {args.rounds} interleaved "
            f"rounds of {args.duration} s per URL after a 2 s warm-up, demo catalog "
            "from `seed_demo`. The bare view "
            "(/bench/bare, `bench/bare_urls.py`, text/html) runs in the same gunicorn. "
            "Cached answers are read with their catalog generation in one Redis MGET: "
            "a visitor without a session gets the whole cached category page; the "
            "product page is rendered around a cached fragment for every visitor (it "
            "carries a CSRF token), so it is reported but not held to the target; the "
            "API also counts its anonymous throttle (one Redis INCR; limit raised so "
            "it never trips). Per-round numbers show how much the shared machine's "
            "load drifted during the run. `app CPU ms/req` is the gunicorn processes' "
            "CPU time (from /proc) per request served: it hardly depends on the other "
            "load, so its ratio to the bare view is the steadier estimate of what the "
            "pages cost; it leaves out Redis's own CPU and the wait for it.",
            "",
            *rows,
            "",
            verdict,
            "",
            NOTES,
        ]
    )
    print(body)
    if not args.no_write:
        write_section(TITLE, body)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
