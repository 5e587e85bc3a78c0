"""Flash sale with a capped voucher: N shoppers, each cart holding 1 unit of one SKU
with S units and the same code capped at C uses, all check out at once.

    .venv/bin/python bench/voucher_sale.py [--stock 50] [--cap 30] [--shoppers 500] [--connections 32]

Same load as bench/flash_sale.py (wrk + bench/flash_sale.lua, one POST
/api/v1/checkout/ per cart, own Idempotency-Key). Expected answers: 201 for
min(S, C) shoppers, 409 `voucher_exhausted` once the code is used up, 409
out-of-stock once the units are gone; anything else is an error. Counted in the
database after the round: over-redeemed = max(0, redemptions - C), the voucher's
`used_count` against its redemption rows and the orders carrying the code, and
oversold units as in the flash sale. `make bench` runs one round (bench/run.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import flash_sale as fs

VOUCHER_CODE = "BENCHFLASHCODE"
EXPECTED_409 = (*fs.OUT_OF_STOCK, "voucher_exhausted")


def voucher_reset(*, cap: int):
    """The bench's code, active, capped at `cap`, with no use counted."""
    from decimal import Decimal

    from promotions.models import Voucher, VoucherRedemption

    voucher, _ = Voucher.objects.get_or_create(
        code=VOUCHER_CODE,
        defaults={"kind": "percentage", "value": Decimal("10"), "usage_limit": cap},
    )
    VoucherRedemption.objects.filter(voucher=voucher).delete()
    Voucher.objects.filter(pk=voucher.pk).update(
        usage_limit=cap, used_count=0, is_active=True
    )
    return voucher


def carts_with_code(*, voucher, count: int) -> list[str]:
    from promotions.models import CartVoucher
    from shop.models import Cart

    tokens = fs.carts_create(skus=[fs.FLASH_SKU], count=count)
    carts = Cart.objects.filter(token__in=tokens).values_list("pk", flat=True)
    CartVoucher.objects.bulk_create(
        [CartVoucher(cart_id=pk, voucher=voucher) for pk in carts]
    )
    return tokens


def redemption_outcome(*, voucher, after_order_id: int, cap: int) -> dict[str, int]:
    from orders.models import Order
    from promotions.models import Voucher, VoucherRedemption

    redemptions = VoucherRedemption.objects.filter(voucher=voucher).count()
    return {
        "cap": cap,
        "used_count": Voucher.objects.get(pk=voucher.pk).used_count,
        "redemptions": redemptions,
        "orders_with_code": Order.objects.filter(
            pk__gt=after_order_id, voucher_code=VOUCHER_CODE
        ).count(),
        "over_redeemed": max(0, redemptions - cap),
    }


def voucher_sale_round(
    base: str, *, stock: int, cap: int, shoppers: int, connections: int, shipping: str
) -> dict:
    fs.stock_set(sku=fs.FLASH_SKU, on_hand=stock)
    voucher = voucher_reset(cap=cap)
    tokens = carts_with_code(voucher=voucher, count=shoppers)
    before = fs.last_order_id()
    load = fs.wrk_lua(
        base, scenario="flash sale with a capped voucher", mode="checkout",
        arg=shipping, connections=connections, threads=connections, ids=tokens,
        duration=max(120, shoppers // 2),
    )  # fmt: skip
    stock_outcome = fs.sale_outcome(
        sku=fs.FLASH_SKU, after_order_id=before, stock=stock
    )
    codes = redemption_outcome(voucher=voucher, after_order_id=before, cap=cap)
    exhausted = load.statuses.get("409_voucher_exhausted", 0)
    errors = load.errors - exhausted  # an expected answer, not an error
    created = load.count("201")
    return {
        "connections": connections,
        "shoppers": shoppers,
        "stock": stock,
        "per_sec": load.per_sec,
        "p50_ms": load.p50_ms,
        "p95_ms": load.p95_ms,
        "p99_ms": load.p99_ms,
        "statuses": load.statuses,
        "socket_errors": load.socket_errors,
        "created_201": created,
        "voucher_exhausted_409": exhausted,
        "out_of_stock_409": load.out_of_stock,
        "errors": errors,
        "db": stock_outcome,
        "voucher": codes,
        "consistent": (
            stock_outcome["oversold"] == 0
            and codes["over_redeemed"] == 0
            and codes["used_count"] == codes["redemptions"]
            and codes["redemptions"] == codes["orders_with_code"] == created
            and stock_outcome["orders"] == created
        ),
    }


def voucher_sale_table(rounds: list[dict]) -> list[str]:
    rows = [
        "| connections | shoppers | stock | cap | orders | code redeemed | used_count "
        "| 409 exhausted | 409 out of stock | errors | p95 ms | over-redeemed "
        "| oversold |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rounds:
        v = r["voucher"]
        rows.append(
            f"| {r['connections']} | {r['shoppers']} | {r['stock']} | {v['cap']} "
            f"| {r['db']['orders']} | {v['redemptions']} | {v['used_count']} "
            f"| {r['voucher_exhausted_409']} | {r['out_of_stock_409']} "
            f"| {r['errors']} | {r['p95_ms']:.0f} | **{v['over_redeemed']}** "
            f"| **{r['db']['oversold']}** |"
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stock", type=int, default=50)
    parser.add_argument("--cap", type=int, default=30)
    parser.add_argument("--shoppers", type=int, default=500)
    parser.add_argument("--connections", default="32")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from bench.common import gunicorn, manage, prepare_database

    env = fs.bench_env()
    prepare_database(env)
    manage(env, "seed_demo")
    fs.django_setup(env)
    fs.fixtures_ensure()
    rounds = []
    with gunicorn("bench.flash_sale:application()", env, workers=args.workers) as base:
        shipping = fs.shipping_method_code(base)
        for connections in map(int, args.connections.split(",")):
            rounds.append(
                voucher_sale_round(
                    base,
                    stock=args.stock,
                    cap=args.cap,
                    shoppers=args.shoppers,
                    connections=connections,
                    shipping=shipping,
                )  # fmt: skip
            )
    for r in rounds:
        print(json.dumps(r))
    print("\n".join(voucher_sale_table(rounds)))
    return 0 if all(r["consistent"] and not r["errors"] for r in rounds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
