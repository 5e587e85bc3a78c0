"""Benchmark: the fulfilment workflow through real Celery workers on moto SQS.

    .venv/bin/python bench/fulfilment.py [--orders 100] [--steady 40] [--rate 2]
        [--engine celery|stepfunctions|both] [--quick]

Setup: PostgreSQL on loopback (database securecart_bench_fulfilment, migrated
here), production settings, Redis cache, moto server in this process (SQS),
`manage.py ensure_queues` under a fresh queue prefix, and 1 then 2
`celery -A securecart worker -P solo -Q fulfilment` processes. Each order runs
the whole chain: fraud check → capture (test gateway) → shipment (built-in
warehouse) → shipped, plus the outbox relay's after-commit publish of each event
(to the `events` queue, which nobody consumes here).

Per worker count, two measurements:
- burst: `--orders` orders are placed with fulfilment held back, then every
  chain is enqueued at once; throughput = orders / (last shipped_at - first
  enqueue). Placed-to-shipped latency under a burst is mostly queueing.
- steady: `--steady` orders are placed through checkout at `--rate` per second
  (fulfilment starts on commit, as in production); latency = shipped_at -
  placed_at, p50/p95.

`--engine stepfunctions` runs the same orders through the Step Functions state
machine executed by moto (`stepfunctions.execute_state_machine`), made by
`manage.py ensure_fulfilment_workflow`, with `manage.py consume_fulfilment`
processes as the workers; `both` measures one engine after the other. moto's
executions are threads in the bench process polling for task tokens: their
timing says nothing about AWS's. `--quick` is 10 + 10 orders, 1 worker.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYTHON,
    ROOT,
    ensure_database,
    free_port,
    machine_facts,
    manage,
    production_env,
)

DATABASE = "securecart_bench_fulfilment"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def worker_command(engine: str, n: int) -> list[str]:
    if engine == "stepfunctions":
        return [PYTHON, "manage.py", "consume_fulfilment", "--wait-seconds", "1"]
    return [
        PYTHON,
        "-m",
        "celery",
        "-A",
        "securecart",
        "worker",
        "-P",
        "solo",
        "-Q",
        "fulfilment",
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench{n}-{uuid.uuid4().hex[:6]}@%h",
    ]


def start_workers(
    count: int, env: dict[str, str], logdir: Path, engine: str = "celery"
) -> list[subprocess.Popen]:
    workers = []
    for n in range(count):
        log_path = logdir / f"worker-{engine}-{count}-{n}.log"
        workers.append(
            subprocess.Popen(
                worker_command(engine, n),
                cwd=ROOT,
                env=env,
                stdout=log_path.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
    # --loglevel WARNING hides "ready."; wait until each has connected instead.
    time.sleep(3)
    for worker in workers:
        if worker.poll() is not None:
            raise RuntimeError(f"worker exited early, see {logdir}")
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100, help="orders per burst")
    parser.add_argument(
        "--steady", type=int, default=40, help="orders at a steady rate"
    )
    parser.add_argument(
        "--rate", type=float, default=2.0, help="steady orders per second"
    )
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--engine", choices=("celery", "stepfunctions", "both"), default="celery"
    )
    parser.add_argument(
        "--quick", action="store_true", help="10 burst + 10 steady orders, 1 worker"
    )
    args = parser.parse_args()
    if args.quick:
        args.orders, args.steady, args.workers = 10, 10, "1"
    engines = ["celery", "stepfunctions"] if args.engine == "both" else [args.engine]

    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    # moto's executions call SQS on the server's own port.
    os.environ["MOTO_PORT"] = str(port)
    prefix = f"benchf{uuid.uuid4().hex[:6]}-"
    env = production_env(
        database=DATABASE,
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        CELERY_BROKER_URL="sqs://",
        SQS_QUEUE_PREFIX=prefix,
        SQS_WAIT_TIME_SECONDS="1",
        SQS_POLLING_INTERVAL="0.1",
        DATABASE_POOL_MAX_SIZE="4",
    )
    ensure_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "ensure_queues")
    os.environ.update(env)

    import django

    django.setup()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from django.conf import settings

    import orders.services.checkout as checkout
    import orders.services.placement as placement
    from orders.management.commands.ensure_fulfilment_workflow import (
        moto_executions,
        workflow_ensure,
    )
    from orders.models import Order, ShippingMethod
    from orders.services.fulfilment import fulfilment_start
    from shop.models import Cart, CartLine, Category, Product, Variant

    category, _ = Category.objects.get_or_create(
        slug="bench", defaults={"name": "Bench"}
    )
    product, _ = Product.objects.get_or_create(
        slug="bench-widget",
        defaults={
            "category": category,
            "name": "Bench widget",
            "price": Decimal("20.00"),
        },
    )
    variant, _ = Variant.objects.get_or_create(
        sku="BENCH-1",
        defaults={"product": product, "name": "Default", "price": Decimal("20.00")},
    )
    Variant.objects.filter(pk=variant.pk).update(stock_on_hand=10**7, stock_reserved=0)
    method, _ = ShippingMethod.objects.get_or_create(
        code="bench", defaults={"name": "Bench", "price": Decimal("0.00")}
    )
    address = checkout.Address(
        name="Bench", line1="1 Load St", city="London", postal_code="N1", country="GB"
    )

    def place(n: int) -> int:
        cart = Cart.objects.create()
        CartLine.objects.create(
            cart=cart, variant=variant, quantity=1, unit_price=variant.price
        )
        result = checkout.checkout_submit(
            idempotency_key=uuid.uuid4().hex,
            cart_token=cart.token,
            user=None,
            email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
            address=address,
            shipping_method=method.code,
            payment_token=f"tok_visa_{uuid.uuid4().hex}",
        )
        assert result.placed, result.error
        return result.order.pk

    def wait_shipped(ids: list[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while Order.objects.filter(pk__in=ids, status="shipped").count() < len(ids):
            if time.monotonic() > deadline:
                stuck = Order.objects.filter(pk__in=ids).exclude(status="shipped")
                raise RuntimeError(
                    f"{stuck.count()} orders not shipped: "
                    f"{list(stuck.values_list('status', flat=True)[:5])}"
                )
            time.sleep(0.25)

    moto_executions(env["AWS_ENDPOINT_URL"])
    _, state_machine_arn = workflow_ensure()
    engine_env = {
        "celery": env,
        "stepfunctions": {
            **env,
            "FULFILMENT_ENGINE": "stepfunctions",
            "FULFILMENT_STATE_MACHINE_ARN": state_machine_arn,
        },
    }
    settings.FULFILMENT_STATE_MACHINE_ARN = state_machine_arn
    logdir = Path(tempfile.mkdtemp(prefix="bench-fulfilment-"))
    results = []
    runs = [(e, int(n)) for e in engines for n in args.workers.split(",")]
    try:
        for engine, count in runs:
            settings.FULFILMENT_ENGINE = engine
            workers = start_workers(count, engine_env[engine], logdir, engine)
            try:
                # burst: place with fulfilment held back, then enqueue every chain
                real_start = placement.fulfilment_start
                placement.fulfilment_start = lambda *, order_id: None
                try:
                    burst = [place(n) for n in range(args.orders)]
                finally:
                    placement.fulfilment_start = real_start
                t0 = time.time()
                for order_id in burst:
                    fulfilment_start(order_id=order_id)
                enqueue_s = time.time() - t0
                wait_shipped(burst, 600)
                last = max(
                    Order.objects.filter(pk__in=burst).values_list(
                        "shipped_at", flat=True
                    )
                ).timestamp()
                burst_rate = len(burst) / (last - t0)

                # steady: real checkouts at a fixed rate, fulfilment on commit
                steady: list[int] = []
                started = time.monotonic()
                for n in range(args.steady):
                    time.sleep(max(0.0, started + n / args.rate - time.monotonic()))
                    steady.append(place(n))
                wait_shipped(steady, 300)
                latencies = [
                    (shipped - placed).total_seconds() * 1000
                    for placed, shipped in Order.objects.filter(
                        pk__in=steady
                    ).values_list("placed_at", "shipped_at")
                ]
            finally:
                stop_workers(workers)
            results.append(
                {
                    "engine": engine,
                    "workers": count,
                    "burst_orders": len(burst),
                    "burst_orders_per_s": round(burst_rate, 1),
                    "burst_enqueue_s": round(enqueue_s, 1),
                    "steady_orders": len(steady),
                    "steady_rate_per_s": args.rate,
                    "placed_to_shipped_ms": {
                        "p50": round(statistics.median(latencies)),
                        "p95": round(percentile(latencies, 95)),
                        "max": round(max(latencies)),
                    },
                }
            )
            print(json.dumps(results[-1]), flush=True)
    finally:
        moto.stop()
    print(
        json.dumps(
            {
                "machine": machine_facts(),
                "load_average": os.getloadavg(),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
