"""The `make bench` bookkeeping: BENCHMARKS.md editing and how answers are counted.

No server here (speed lives in bench/); these guard the parts whose mistakes would
silently misreport: another engineer's section lost, a 409 "sold out" counted as an
error (or a real error hidden), a shopper left without an answer not noticed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from bench.common import write_section
from bench.flash_sale import LoadResult, _parse_result, flash_sale_table
from bench.run import END, START, rss_line, worker_shares_mb, write_block

OTHERS = "# Benchmarks\n\n## Checkout\nnumbers A\n\n## Catalog\nnumbers B\n"


def test_write_block_goes_on_top_and_keeps_other_sections(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(OTHERS)

    write_block("## Full run\nfirst", path)
    text = path.read_text()
    assert text.startswith(f"# Benchmarks\n\n{START}\n## Full run\nfirst\n{END}\n")
    assert text.endswith("## Checkout\nnumbers A\n\n## Catalog\nnumbers B\n")

    write_block("## Full run\nsecond", path)
    text = path.read_text()
    assert "first" not in text and text.count(START) == 1 and text.count(END) == 1
    assert "## Checkout\nnumbers A\n\n## Catalog\nnumbers B\n" in text


def test_other_engineers_write_section_leaves_the_block_alone(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(OTHERS)
    write_block("## Full run\nmine\n### Results\nrows", path)

    write_section("Checkout", "numbers C", path)
    write_section("Fulfilment", "numbers D", path)

    text = path.read_text()
    assert f"{START}\n## Full run\nmine\n### Results\nrows\n{END}\n" in text
    assert "numbers A" not in text and "## Checkout\nnumbers C\n" in text
    assert text.rstrip().endswith("## Fulfilment\nnumbers D")


def _load(statuses, *, requests=None, expected=None, socket_errors=0):
    return LoadResult(
        scenario="flash sale", connections=8,
        requests=sum(statuses.values()) if requests is None else requests,
        seconds=1.0, per_sec=1.0, p50_ms=1, p95_ms=1, p99_ms=1, max_ms=1,
        statuses=statuses, socket_errors=socket_errors, expected=expected,
    )  # fmt: skip


def test_sold_out_409s_are_not_errors_but_other_409s_are():
    load = _load(
        {
            "201": 50,
            "409_insufficient_stock": 10,
            "409_stale_cart:insufficient_stock": 430,
            "409_idempotency_in_progress": 3,
            "409_stale_cart:price_changed": 2,
            "500": 5,
        },
        expected=500,
    )
    assert load.out_of_stock == 440
    assert load.errors == 10
    assert load.error_rate == 10 / 500


def test_checkout_counts_carts_without_an_answer_not_socket_reconnects():
    load = _load(
        {"201": 50, "409_insufficient_stock": 440}, expected=500, socket_errors=4
    )
    assert load.errors == 10  # 500 carts, 490 answers


def test_duration_runs_count_socket_errors():
    load = _load({"200": 1000}, socket_errors=7)
    assert load.errors == 7


def test_result_line_from_the_lua_script_is_read():
    output = (
        "Running 5s test\n  10 requests in 1.00s\n"
        "RESULT requests=500 extra=0 p50=91000 p95=328000 p99=388000 max=400000 "
        "connect=0 read=1 write=0 timeout=0 s201=50 s409_stale_cart:insufficient_stock=450\n"
    )
    fields = _parse_result(output)
    assert fields["requests"] == "500" and fields["p95"] == "328000"
    assert fields["s409_stale_cart:insufficient_stock"] == "450"


def test_flash_sale_table_shows_oversold_and_the_stock_row():
    row = {
        "connections": 8, "shoppers": 500, "stock": 50, "per_sec": 72.6,
        "sold_out_after_s": 2.1, "orders_per_sec": 23.4, "p50_ms": 92, "p95_ms": 328,
        "p99_ms": 388, "out_of_stock_409": 450, "other_409": 0, "errors": 0,
        "error_rate": 0.0, "socket_errors": 0,
        "db": {"orders": 50, "oversold": 0, "reserved": 50, "on_hand": 50},
    }  # fmt: skip
    header, rule, line = flash_sale_table([row])
    assert header.count("|") == rule.count("|") == line.count("|")
    assert "| **0** | 50 / 50 |" in line


def test_each_scenario_is_compared_with_its_own_baseline_in_the_same_run():
    from bench import run

    def row(scenario, per_sec, cpu_ms):
        return {"scenario": scenario, "connections": 16, "per_sec": per_sec,
                "cpu_ms": cpu_ms}  # fmt: skip

    results = {
        "settings": {"connections": [16]},
        "baseline_of": run.BASELINE_OF,
        "loads": [
            row(run.HELLO, 4000.0, 0.5),
            row("home / (cached)", 2400.0, 1.0),
            row(run.WRITE, 1200.0, 0.8),
            row(run.PATCH, 600.0, 4.0),
        ],
    }
    ratios = run.ratios(results, 16)
    assert ratios["home / (cached)"] == (2400.0, 0.6, 0.5)
    assert ratios[run.PATCH] == (600.0, 0.5, 0.2)  # writes: to the write ceiling
    assert ratios[run.HELLO][1] == 1.0

    table = run.comparison_table(results, before=results)
    home = next(line for line in table if line.startswith("| home"))
    assert "| 2,400 | 0.60 | 0.50 | 2,400 | 0.60 | 0.50 | ≥ 0.6 |" in home


def test_memory_line_gives_rss_and_pss_uss_per_worker():
    results = {
        "worker_rss_mb": {"store": [91.6, 91.8], "baseline": [46.1]},
        "worker_shares_mb": {
            "store": [{"pss": 53.1, "uss": 36.3}, {"pss": 53.4, "uss": 36.6}],
            "baseline": [{"pss": 20.2, "uss": 8.4}],
        },
    }
    line = rss_line(results, {"worker_rss_mb": {"store": [124.0, 124.2]}})

    assert "store 92, 92 MB (before: 124, 124 MB); baseline app 46 MB" in line
    assert "store 53/36, 53/37 MB; baseline app 20/8 MB." in line
    # results of older runs, without the split, still print
    assert "PSS" not in rss_line({"worker_rss_mb": results["worker_rss_mb"]}, None)


def test_worker_shares_are_read_for_each_child_process():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    try:
        rows = worker_shares_mb(SimpleNamespace(pid=os.getpid()))
    finally:
        child.communicate(b"")
    assert rows, "the child's /proc/<pid>/smaps_rollup was not read"
    assert all(0 < row["uss"] <= row["pss"] for row in rows)


def test_a_bracketed_scenario_is_compared_with_the_mean_of_its_baselines():
    """The machine's speed drifts within a run: a scenario measured between two
    baseline runs is compared with their mean, not with the group's first run."""
    from bench import run

    def load(scenario, per_sec, cpu_ms):
        return LoadResult(scenario=scenario, connections=16, requests=100,
                          seconds=1.0, per_sec=per_sec, p50_ms=1.0, p95_ms=1.0,
                          p99_ms=1.0, max_ms=1.0, cpu_ms=cpu_ms)  # fmt: skip

    first, second = load(run.WRITE, 1000.0, 1.0), load(run.WRITE, 1400.0, 0.6)
    patch = load(run.PATCH, 600.0, 4.0)
    run.bracket(patch, first, second)
    assert (patch.baseline_per_sec, patch.baseline_cpu_ms) == (1200.0, 0.8)
    results = {
        "settings": {"connections": [16]},
        "baseline_of": run.BASELINE_OF,
        "loads": [  # as main() writes them
            {**asdict(row), "errors": row.errors, "error_rate": row.error_rate}
            for row in (first, patch)
        ],
    }
    assert run.ratios(results, 16)[run.PATCH] == (600.0, 0.5, 0.2)
    table = run.load_table(results)
    row = next(line for line in table if line.startswith(f"| {run.PATCH}"))
    assert "| 600 | 0.50 | 4.00 | 0.20 |" in row


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_servers_cpu_is_read_from_its_processes():
    """`with_cpu` counts PostgreSQL's CPU beside gunicorn's: the server is found
    from a backend of ours, and work in a backend shows in its processes' CPU."""
    from django.conf import settings
    from django.db import connection

    from bench.common import database_cpu_seconds, database_server_pid, postmaster_of

    db = settings.DATABASES["default"]
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        postmaster = postmaster_of(cursor.fetchone()[0])
        assert postmaster is not None
        assert database_server_pid(url) == postmaster
        before = database_cpu_seconds(postmaster)
        cursor.execute("SELECT count(*) FROM generate_series(1, 3000000)")
        after = database_cpu_seconds(postmaster)
    assert before is not None and after is not None
    assert after - before >= 0.05, (before, after)
    assert database_cpu_seconds(None) is None
    assert database_server_pid("postgres://nobody@127.0.0.1:1/none") is None
