"""Where a request's time goes: cProfile over the store's WSGI handler, in-process.

    .venv/bin/python bench/profiling.py [--requests 300] [--out bench/profile.json]

(named profiling, not profile: cProfile imports the standard library's `profile`.)

The bench's own setup (production settings, bench database and Redis, the app of
`bench.flash_sale:application()` with its /bench/bare view and fulfilment hand-off
stubbed; `bench/run.py` prepares them and runs this at its end). Each scenario
sends N requests through `WSGIHandler` (the full middleware, as gunicorn calls
it; no socket): first timed without the profiler (CPU and wall µs per request), then
under cProfile on the CPU clock. Reported per scenario: the top frames by own time ("tottime")
per request, and the top project frames by cumulative time. cProfile's own
overhead inflates call-heavy code, so read the frames as shares, the wall time
as the cost.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import flash_sale as fs
from bench.common import BENCH_ADDRESS, ROOT

OUT = ROOT / "bench" / "profile.json"
BEFORE = ROOT / "bench" / "results_before.json"  # its "profile" key
TOP = 10
# The profiler's clock: this process's CPU time, so that frames show where the
# Python work goes rather than waits that other load on the machine stretches.
TIMER: tuple = (time.process_time,)
PROJECT = ("securecart/", "shop/", "orders/", "accounts/", "notifications/", "bench/")


def _frame(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name  # a builtin, e.g. <method 'execute' of ...>
    path = filename.replace(str(ROOT) + "/", "")
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif "/lib/python" in path:
        path = "stdlib/" + path.split("/lib/python", 1)[1].split("/", 1)[1]
    return f"{path}:{line} {name}"


class Scenario:
    def __init__(self, name: str, environ: Callable[[int], dict]) -> None:
        self.name = name
        self.environ = environ


def scenarios(count: int) -> list[Scenario]:
    from django.test import RequestFactory

    from orders.models import ShippingMethod
    from shop.models import Product

    factory = RequestFactory()
    https = {"HTTP_X_FORWARDED_PROTO": "https", "SERVER_NAME": "127.0.0.1"}
    slug = (
        Product.objects.filter(category__slug__startswith="apparel", is_active=True)
        .order_by("slug")
        .values_list("slug", flat=True)
        .first()
    )

    shipping = (
        ShippingMethod.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("code", flat=True)
        .first()
    )

    def get(path: str) -> Callable[[int], dict]:
        return lambda i: factory.get(path, **https).environ

    patch_carts = fs.carts_create(skus=[fs.PLENTY_SKUS[0]], count=100)
    empty_carts = fs.carts_create(skus=None, count=count * 2 + 10)
    checkout_carts = fs.carts_create(skus=fs.PLENTY_SKUS, count=count * 2 + 10)

    def patch(i: int) -> dict:
        body = json.dumps({"quantity": i % 5 + 1})
        path = f"/api/v1/carts/{patch_carts[i % 100]}/lines/{fs.PLENTY_SKUS[0]}/"
        return factory.patch(
            path, body, content_type="application/json", **https
        ).environ

    def add(i: int) -> dict:
        body = json.dumps({"sku": fs.PLENTY_SKUS[0], "quantity": 1})
        path = f"/api/v1/carts/{empty_carts.pop()}/lines/"
        return factory.post(
            path, body, content_type="application/json", **https
        ).environ

    def checkout(i: int) -> dict:
        body = json.dumps(
            {
                "cart_id": checkout_carts.pop(),
                "email": f"profile{i}@example.com",
                "shipping_address": BENCH_ADDRESS,
                "shipping_method": shipping,
                "payment_token": "tok_visa",
            }
        )
        return factory.post(
            "/api/v1/checkout/", body, content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"profile-{time.time_ns()}-{i}", **https,
        ).environ  # fmt: skip

    return [
        Scenario("middleware stack (store bare view)", get("/bench/bare")),
        Scenario("cached category page /c/apparel/", get("/c/apparel/")),
        Scenario("product page", get(f"/p/{slug}/")),
        Scenario("GET /api/v1/products/", get("/api/v1/products/")),
        Scenario("GET /api/v1/products/{slug}/", get(f"/api/v1/products/{slug}/")),
        Scenario("PATCH cart line", patch),
        Scenario("POST cart line (add to cart)", add),
        Scenario("checkout", checkout),
    ]


def call(handler, environ: dict) -> int:
    status: list[str] = []

    def start_response(line: str, headers: list, exc_info=None) -> None:
        status.append(line)

    response = handler(environ, start_response)
    for _ in response:
        pass
    response.close()  # request_finished: connections back to the pool
    return int(status[0].split()[0])


def measure(handler, scenario: Scenario, count: int) -> dict:
    for i in range(5):  # warm caches and pools
        code = call(handler, scenario.environ(i))
        if code >= 400:
            raise SystemExit(f"{scenario.name}: warm-up answered {code}")
    environs = [scenario.environ(i) for i in range(count)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for environ in environs:
        call(handler, environ)
    wall_us = (time.perf_counter() - started) / count * 1e6
    cpu_us = (time.process_time() - cpu_started) / count * 1e6
    environs = [scenario.environ(count + i) for i in range(count)]
    profiler = cProfile.Profile(*TIMER)
    profiler.enable()
    for environ in environs:
        call(handler, environ)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = [
        (key, calls, tottime, cumtime)
        for key, (_, calls, tottime, cumtime, _) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    own = sorted(rows, key=lambda r: r[2], reverse=True)[:TOP]
    project = sorted(
        (r for r in rows if any(p in r[0][0] for p in PROJECT)),
        key=lambda r: r[3],
        reverse=True,
    )[:TOP]

    def shape(items):
        return [
            {
                "frame": _frame(key),
                "calls_per_request": calls / count,
                "own_us": tottime / count * 1e6,
                "cumulative_us": cumtime / count * 1e6,
            }
            for key, calls, tottime, cumtime in items
        ]

    profiled_total = sum(r[2] for r in rows) / count * 1e6
    return {
        "scenario": scenario.name,
        "requests": count,
        "wall_us": wall_us,
        "cpu_us": cpu_us,
        "profiled_us": profiled_total,
        "top_own": shape(own),
        "top_project_cumulative": shape(project),
    }


def run(count: int) -> list[dict]:
    fs.django_setup(fs.bench_env())
    handler = fs.application()
    fs.fixtures_ensure()
    results = []
    for scenario in scenarios(count):
        result = measure(handler, scenario, count)
        print(
            f"{scenario.name:40} {result['cpu_us']:8.0f} µs CPU "
            f"{result['wall_us']:8.0f} µs wall per request",
            flush=True,
        )
        results.append(result)
    return results


def middleware_costs(count: int, rounds: int = 5) -> list[dict]:
    """What each middleware adds to the bare view, in-process: CPU µs per request
    of the stack cut after each middleware (its prefix; every prefix is a valid
    stack, as each middleware comes after what it needs), minus the prefix before
    it. Median of `rounds` interleaved rounds of `count` requests."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    full = list(settings.MIDDLEWARE)
    factory = RequestFactory()

    def environ() -> dict:
        return factory.get(
            "/bench/bare", HTTP_X_FORWARDED_PROTO="https", SERVER_NAME="127.0.0.1"
        ).environ

    handlers = []
    for size in range(len(full) + 1):
        settings.MIDDLEWARE = full[:size]
        handlers.append(WSGIHandler())
    settings.MIDDLEWARE = full
    samples: list[list[float]] = [[] for _ in handlers]
    for _ in range(rounds):
        for size, handler in enumerate(handlers):
            for _ in range(20):
                call(handler, environ())
            environs = [environ() for _ in range(count)]
            started = time.process_time()
            for item in environs:
                call(handler, item)
            samples[size].append((time.process_time() - started) / count * 1e6)
    medians = [sorted(values)[len(values) // 2] for values in samples]
    rows = [
        {
            "middleware": "(none: the bare view)",
            "cpu_us": medians[0],
            "cost_us": medians[0],
        }
    ]
    for size, name in enumerate(full, start=1):
        rows.append(
            {
                "middleware": name,
                "cpu_us": medians[size],
                "cost_us": medians[size] - medians[size - 1],
            }
        )
    return rows


def middleware_section(rows: list[dict]) -> str:
    lines = [
        "What each middleware of the production stack adds to the bare view "
        "(`bench/profiling.py`, in-process CPU µs per request; each row is the stack "
        "cut after that middleware minus the stack before it, median of 5 "
        "interleaved rounds; differences of a few µs are noise):",
        "",
        "| middleware | stack up to it, µs/request | its cost, µs/request |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| `{row['middleware']}` | {row['cpu_us']:.0f} | {row['cost_us']:+.0f} |"
        for row in rows
    ]
    return "\n".join(lines)


def _us(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def section(now: list[dict], before: list[dict] | None) -> str:
    """Markdown: per scenario, wall µs/request and top frames, before and now."""
    then = {row["scenario"]: row for row in before or []}
    lines = [
        "Run by `make bench` at its end (alone: `.venv/bin/python bench/profiling.py`). "
        "cProfile over the store's WSGI handler in one process (production "
        "settings, full middleware, the bench database and Redis, no socket): each "
        "scenario's requests first timed without the profiler (this process's CPU "
        "time and wall time per request; the CPU figure hardly depends on what else "
        "the machine runs), "
        "then profiled with cProfile on this process's CPU clock (`time.process_time`). "
        "Frames: own CPU time (tottime) per request; waits on PostgreSQL and Redis "
        "count only for the CPU they use; cProfile inflates "
        "call-heavy Python code, so read the frames as shares.",
        "",
        "| scenario | before CPU µs/request | after CPU µs/request | before wall | after wall |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in now:
        old = then.get(row["scenario"]) or {}
        lines.append(
            f"| {row['scenario']} | {_us(old.get('cpu_us'))} | {_us(row.get('cpu_us'))} "
            f"| {_us(old.get('wall_us'))} | {_us(row.get('wall_us'))} |"
        )
    for row in now:
        for label, data in (("before", then.get(row["scenario"])), ("after", row)):
            if not data:
                continue
            lines += [
                "",
                f"**{row['scenario']}, {label}** ({_us(data.get('cpu_us'))} µs CPU, "
                f"{_us(data['wall_us'])} µs wall per request): top frames by own time",
                "",
                "| frame | calls/request | own µs/request | cumulative µs/request |",
                "|---|---:|---:|---:|",
                *[
                    f"| `{f['frame']}` | {f['calls_per_request']:.1f} "
                    f"| {f['own_us']:.0f} | {f['cumulative_us']:.0f} |"
                    for f in data["top_own"]
                ],
            ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    results = run(args.requests)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(middleware_section(middleware_costs(args.requests)))
    before = json.loads(BEFORE.read_text()).get("profile") if BEFORE.exists() else None
    print(section(results, before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
