"""Flash sale: many shoppers check out one scarce product at the same moment.

    .venv/bin/python bench/flash_sale.py [--stock 50] [--shoppers 500] [--connections 8,16,32,64]

For each concurrency: the variant's stock is set to S (nothing reserved), N fresh
carts each holding 1 unit of it are created with the ORM, and wrk (bench/flash_sale.lua,
one connection per wrk thread) fires one POST /api/v1/checkout/ per cart, each with
its own Idempotency-Key, payment token tok_visa and the shipping method code read
from GET /api/v1/shipping-methods/. Reported: checkouts answered/s, orders/s, p50/p95/
p99, 409s (out of stock: expected once the S units are gone), errors (any other
status, socket errors, missing answers) and oversold units, counted in the database:
max(0, units ordered - S), plus the stock row itself (reserved <= on hand, reserved
== units ordered).

The same server serves the rest of `make bench` (bench/run.py), which imports this
module for the cart and checkout scenarios; run alone it uses the same setup.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    HTTPS,
    ROOT,
    fetch,
    free_port,
    manage,
    parse_wrk,
    prepare_database,
    production_env,
)

LUA = ROOT / "bench" / "flash_sale.lua"
DATABASE = os.environ.get(
    "BENCH_DATABASE", "securecart_bench"
)  # profiling beside a run
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
FLASH_SKU = "BENCH-FLASH-1"
PLENTY_SKUS = [f"BENCH-PLENTY-{i}" for i in range(20)]
PLENTY_STOCK = 1_000_000_000
# 409 codes (bench/flash_sale.lua: code, and for stale_cart the line's reason)
# meaning "sold out": checked before the lock, or under it.
OUT_OF_STOCK = ("insufficient_stock", "stale_cart:insufficient_stock")


def bench_env(**extra: str) -> dict[str, str]:
    """Production settings on the bench database and Redis db 14, throttles raised.

    DRF's throttles (120/min anonymous in production) would answer 429 to a load
    generator on one IP; raised here so their cache round trips are still paid
    but never trip.
    """
    return production_env(
        database=DATABASE,
        redis_url=REDIS_URL,
        API_THROTTLE_ANON="100000000/min",
        API_THROTTLE_USER="100000000/min",
        DEMO_STAFF_PASSWORD="bench-staff-password",
        **extra,
    )


def application():
    """The app plus /bench/bare (bench/bare_urls.py), the after-commit hand-offs
    stubbed: fulfilment and the outbox relay.

    In AWS each hand-off after commit is one SQS SendMessage; with no broker
    (Celery eager) they would run the whole fulfilment chain, and the relay's
    publish plus the order-confirmation email, inside the checkout request, which
    is not what production serves. Same fulfilment stub as bench/checkout.py. The
    outbox rows stay unpublished (the periodic sweep's job).
    """
    from bench.bare_urls import application as bare_application  # sets Django up
    from notifications.services import outbox
    from orders.services import placement as checkout

    checkout.fulfilment_start = lambda *, order_id: None
    outbox.outbox_relay_enqueue = lambda *, event_ids: None
    return bare_application()


# --- database side (in this process, ORM on the bench database) ---------------
def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup(set_prefix=False)


def fixtures_ensure() -> None:
    """A shipping method, the scarce variant and plentiful ones (idempotent)."""
    from orders.models import ShippingMethod
    from shop.models import Category, Product, Variant

    if not ShippingMethod.objects.filter(is_active=True).exists():
        ShippingMethod.objects.create(
            code="standard", name="Standard", price=Decimal("5.00")
        )
    category, _ = Category.objects.get_or_create(
        slug="bench", defaults={"name": "Bench"}
    )
    for sku, slug in [(FLASH_SKU, "bench-flash-sale")] + [
        (sku, f"bench-plenty-{i}") for i, sku in enumerate(PLENTY_SKUS)
    ]:
        product, _ = Product.objects.get_or_create(
            slug=slug,
            defaults={"category": category, "name": slug, "price": Decimal("19.99")},
        )
        Variant.objects.get_or_create(
            sku=sku,
            defaults={
                "product": product,
                "name": "One size",
                "price": Decimal("19.99"),
            },
        )
    Variant.objects.filter(sku__in=PLENTY_SKUS).update(
        stock_on_hand=PLENTY_STOCK, stock_reserved=0
    )


def stock_set(*, sku: str, on_hand: int) -> None:
    from shop.models import Variant

    Variant.objects.filter(sku=sku).update(stock_on_hand=on_hand, stock_reserved=0)


def carts_create(*, skus: list[str] | None, count: int) -> list[str]:
    """`count` new carts, the i-th holding 1 unit of skus[i % len] (or empty)."""
    from shop.models import Cart, CartLine, Variant

    carts = Cart.objects.bulk_create([Cart() for _ in range(count)])
    if skus:
        variants = list(Variant.objects.filter(sku__in=skus).order_by("sku"))
        CartLine.objects.bulk_create(
            CartLine(
                cart=cart,
                variant=variants[i % len(variants)],
                quantity=1,
                unit_price=variants[i % len(variants)].price,
            )
            for i, cart in enumerate(carts)
        )
    tables_maintain()
    return [cart.token for cart in carts]


def tables_maintain() -> None:
    """VACUUM (ANALYZE) the project's tables, as autovacuum keeps them in production.

    A machine's PostgreSQL may run with autovacuum off (this CI's does): then the
    tables the bench fills (tens of thousands of carts and lines) keep the
    statistics of empty tables, and the planner joins every variant to find a
    cart's one line instead of reading it by index (measured: 0.6 ms of
    PostgreSQL per cart read instead of 0.03). Run before each measured write load,
    so each scenario is planned as production would plan it.
    """
    from django.apps import apps
    from django.db import connection

    tables = sorted(
        {model._meta.db_table for model in apps.get_models()}
        & set(connection.introspection.table_names())
    )
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a block
        cursor.execute(
            "VACUUM (ANALYZE) " + ", ".join(map(connection.ops.quote_name, tables))
        )


def last_order_id() -> int:
    from orders.models import Order

    return Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def sale_outcome(*, sku: str, after_order_id: int, stock: int) -> dict[str, int]:
    """Orders and units sold of `sku` since `after_order_id`, and its stock row."""
    from django.db.models import Max, Sum

    from orders.models import OrderLine
    from shop.models import Variant

    lines = OrderLine.objects.filter(sku=sku, order_id__gt=after_order_id)
    totals = lines.aggregate(units=Sum("quantity"), last=Max("order__placed_at"))
    units = totals["units"] or 0
    variant = Variant.objects.get(sku=sku)
    return {
        "orders": lines.values("order_id").distinct().count(),
        "units": units,
        "oversold": max(0, units - stock),
        "on_hand": variant.stock_on_hand,
        "reserved": variant.stock_reserved,
        "last_order_at": totals["last"].timestamp() if totals["last"] else None,
    }


# --- load side (wrk + bench/flash_sale.lua) -------------------------------------
@dataclass
class LoadResult:
    scenario: str
    connections: int
    requests: int
    seconds: float
    per_sec: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0
    socket_detail: dict[str, int] = field(default_factory=dict)
    extra: int = 0
    expected: int | None = None
    # gunicorn's CPU time (master + workers) per request, when measured.
    cpu_ms: float | None = None
    # PostgreSQL's own CPU per request (its server's processes), when measured.
    db_cpu_ms: float | None = None
    # A scenario's baseline, as measured just before and just after it (the mean
    # of the two runs' req/s and CPU per request), when the bench brackets it.
    baseline_per_sec: float | None = None
    baseline_cpu_ms: float | None = None

    @property
    def out_of_stock(self) -> int:
        """409s saying the stock is gone: expected in a flash sale, not errors."""
        return sum(self.statuses.get(f"409_{code}", 0) for code in OUT_OF_STOCK)

    def count(self, prefix: str) -> int:
        return sum(
            n for status, n in self.statuses.items() if status.startswith(prefix)
        )

    @property
    def errors(self) -> int:
        """Any status but 2xx and out-of-stock 409, missing answers, socket errors.

        In checkout mode a socket error is not a lost shopper: the Lua script only
        moves to the next cart on an answer, so wrk sends that cart again (a
        checkout that had gone through answers 4xx then, counted here); every
        cart's one answer is checked through `missing` instead.
        """
        bad = sum(
            n for status, n in self.statuses.items() if not status.startswith("2")
        )
        bad -= self.out_of_stock
        missing = max(0, self.expected - self.requests) if self.expected else 0
        sockets = 0 if self.expected else self.socket_errors
        return bad + missing + self.extra + sockets

    @property
    def error_rate(self) -> float:
        total = self.expected or self.requests
        return self.errors / total if total else 0.0


def _parse_result(text: str) -> dict[str, str]:
    match = re.search(r"^RESULT (.*)$", text, re.M)
    if not match:
        raise RuntimeError(f"no RESULT line in wrk output:\n{text}")
    return dict(item.split("=", 1) for item in match.group(1).split())


def wrk_lua(
    base: str,
    *,
    scenario: str,
    mode: str,
    arg: str,
    connections: int,
    threads: int,
    ids: list[str] | None = None,
    duration: int = 5,
) -> LoadResult:
    """Run wrk with bench/flash_sale.lua; checkout mode ends when every cart is done."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        ids_file = Path(tmp) / "ids.txt"
        done_file = Path(tmp) / "done.txt"
        ids_file.write_text("\n".join(ids or []) + "\n")
        command = [
            wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s",
            "--timeout", "30s", "-s", str(LUA), base,
            "--", mode, str(ids_file) if ids else "-", arg, str(threads), str(done_file),
            str(free_port()),  # nothing listens there: see flash_sale.lua
        ]  # fmt: skip
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        if mode == "checkout":
            # Every wrk thread appends a line once its carts are answered; then
            # SIGINT makes wrk print its summary now instead of at -d.
            while proc.poll() is None:
                done = done_file.read_text().count("\n") if done_file.exists() else 0
                if done >= threads:
                    proc.send_signal(signal.SIGINT)
                    break
                time.sleep(0.02)
        stdout, stderr = proc.communicate(timeout=duration + 60)
    if proc.returncode:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {stderr}\n{stdout}")
    summary = parse_wrk(stdout, base)
    took = re.search(r"requests in ([\d.]+)(us|ms|s|m),", stdout)
    if not took:
        raise RuntimeError(f"cannot read the run time from wrk's output:\n{stdout}")
    seconds = (
        float(took.group(1))
        * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[took.group(2)]
    )
    fields = _parse_result(stdout)
    statuses = {
        key[1:]: int(value) for key, value in fields.items() if key.startswith("s")
    }
    return LoadResult(
        scenario=scenario,
        connections=connections,
        requests=int(fields["requests"]),
        seconds=seconds,
        per_sec=summary.requests_per_sec,
        p50_ms=int(fields["p50"]) / 1000,
        p95_ms=int(fields["p95"]) / 1000,
        p99_ms=int(fields["p99"]) / 1000,
        max_ms=float(fields["max"]) / 1000,
        statuses=statuses,
        socket_errors=sum(
            int(fields[name]) for name in ("connect", "read", "write", "timeout")
        ),
        socket_detail={
            name: int(fields[name]) for name in ("connect", "read", "write", "timeout")
        },
        extra=int(fields["extra"]),
        expected=len(ids) if mode == "checkout" else None,
    )


def shipping_method_code(base: str) -> str:
    status, body = fetch(f"{base}/api/v1/shipping-methods/", headers=HTTPS)
    if status != 200:
        raise RuntimeError(
            f"GET /api/v1/shipping-methods/ answered {status}: {body[:300]}"
        )
    methods = json.loads(body)
    methods = methods.get("results", methods) if isinstance(methods, dict) else methods
    return methods[0]["code"]


def flash_sale_round(
    base: str, *, stock: int, shoppers: int, connections: int, shipping: str
) -> dict:
    """One flash sale on a fresh stock/cart set; returns load and DB outcome."""
    stock_set(sku=FLASH_SKU, on_hand=stock)
    tokens = carts_create(skus=[FLASH_SKU], count=shoppers)
    before = last_order_id()
    started = time.time()
    load = wrk_lua(
        base, scenario="flash sale", mode="checkout", arg=shipping,
        connections=connections, threads=connections, ids=tokens,
        duration=max(120, shoppers // 2),
    )  # fmt: skip
    outcome = sale_outcome(sku=FLASH_SKU, after_order_id=before, stock=stock)
    created = load.count("201")
    # Sold out after: the last order's commit time - the round's start (one clock).
    last = outcome["last_order_at"]
    sold_out = max(last - started, 1e-3) if last else None
    return {
        **asdict(load),
        "errors": load.errors,
        "error_rate": load.error_rate,
        "stock": stock,
        "shoppers": shoppers,
        "created_201": created,
        "out_of_stock_409": load.out_of_stock,
        "other_409": load.count("409") - load.out_of_stock,
        "sold_out_after_s": sold_out,
        "orders_per_sec": outcome["orders"] / sold_out if sold_out else 0.0,
        "db": outcome,
        "consistent": (
            outcome["oversold"] == 0
            and outcome["reserved"] <= outcome["on_hand"]
            and outcome["reserved"] == outcome["units"]
            and outcome["orders"] == created
        ),
    }


def flash_sale_table(rounds: list[dict]) -> list[str]:
    rows = [
        "| connections | shoppers | stock | answered/s | orders | sold out after s "
        "| orders/s | p50 ms | p95 ms | p99 ms | 409 out of stock | other 409 "
        "| errors | error rate | wrk socket errors | oversold | reserved / on hand |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
        "|---:|---|",
    ]
    for r in rounds:
        rows.append(
            f"| {r['connections']} | {r['shoppers']} | {r['stock']} "
            f"| {r['per_sec']:.1f} | {r['db']['orders']} "
            f"| {r['sold_out_after_s'] or 0:.1f} | {r['orders_per_sec']:.1f} "
            f"| {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} "
            f"| {r['out_of_stock_409']} | {r['other_409']} | {r['errors']} "
            f"| {r['error_rate']:.1%} | {r['socket_errors']} "
            f"| **{r['db']['oversold']}** | {r['db']['reserved']} / {r['db']['on_hand']} |"
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stock", type=int, default=50)
    parser.add_argument("--shoppers", type=int, default=500)
    parser.add_argument("--connections", default="8,16,32,64")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from bench.common import gunicorn

    env = bench_env()
    prepare_database(env)
    manage(env, "seed_demo")
    django_setup(env)
    fixtures_ensure()
    rounds = []
    with gunicorn("bench.flash_sale:application()", env, workers=args.workers) as base:
        shipping = shipping_method_code(base)
        for connections in map(int, args.connections.split(",")):
            result = flash_sale_round(
                base, stock=args.stock, shoppers=args.shoppers,
                connections=connections, shipping=shipping,
            )  # fmt: skip
            rounds.append(result)
    for r in rounds:
        print(json.dumps(r))
    print("\n".join(flash_sale_table(rounds)))
    return 0 if all(r["consistent"] for r in rounds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
