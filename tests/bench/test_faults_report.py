"""The fault bench's bookkeeping: percentiles, per-page summaries, goal verdicts
and where its section goes in BENCHMARKS.md (no server here)."""

from __future__ import annotations

from bench.faults import (
    DB_BLACKHOLED,
    DB_HUNG,
    END,
    NORMAL,
    REDIS_DEAD,
    START,
    Sample,
    goals_met,
    percentile,
    summarize,
    verdict,
    write,
)
from bench.run import END as RUN_END
from bench.run import START as RUN_START
from bench.run import write_block


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile([7.0], 0.95) == 7
    assert percentile([3.0, 1.0, 2.0], 1.0) == 3


def test_summarize_counts_each_page_and_all_of_them_first():
    samples = [
        Sample("home", "200", 10.0),
        Sample("home", "200", 30.0),
        Sample("search", "503", 2000.0, "30"),
        Sample("search", "RemoteDisconnected", 31000.0),
    ]
    summary = summarize(samples)
    assert list(summary) == ["all", "home", "search"]
    assert summary["all"]["requests"] == 4
    assert summary["all"]["statuses"] == {"200": 2, "503": 1, "RemoteDisconnected": 1}
    assert summary["home"]["p50_ms"] == 10 and summary["home"]["max_ms"] == 30
    assert summary["search"]["retry_after"] == ["30"]
    assert summary["home"]["retry_after"] == []
    assert summary["search"]["503_without_retry_after"] == 0
    bare = summarize(
        [Sample("home", "503", 1500.0), Sample("home", "503", 1500.0, "30")]
    )
    assert bare["all"]["503_without_retry_after"] == 1


def _row(statuses, *, p95=10.0, top=10.0, retry=("30",)):
    return {
        "statuses": statuses,
        "p95_ms": p95,
        "max_ms": top,
        "retry_after": list(retry),
        "503_without_retry_after": 0 if retry else statuses.get("503", 0),
    }


def _pages(**rows):
    """{"all": the first row, page: row ...} as summarize() gives them."""
    first = next(iter(rows.values()))
    return {"all": rows.pop("all", first), **rows}


def test_redis_goal_is_every_pages_p95_delta_with_the_normal_answers():
    normal = _pages(home=_row({"200": 50}, p95=5.0), lamp=_row({"200": 50}, p95=9.0))
    fine = _pages(home=_row({"200": 9}, p95=54.0), lamp=_row({"200": 9}, p95=59.0))
    assert verdict(REDIS_DEAD, fine, normal, 0) == "met: worst page p95 +50 ms"
    # one page over the limit is enough, whatever the pages together show
    one_slow = _pages(
        all=_row({"200": 18}, p95=20.0),
        home=_row({"200": 9}, p95=56.0),
        lamp=_row({"200": 9}, p95=10.0),
    )
    assert verdict(REDIS_DEAD, one_slow, normal, 0).startswith("MISSED")
    late = _pages(home=_row({"200": 8, "500": 1}, p95=6.0))
    assert verdict(REDIS_DEAD, late, normal, 0).startswith("MISSED")
    with_404 = _pages(all=_row({"200": 90, "404": 10}), home=_row({"200": 90}))
    framed = _pages(all=_row({"200": 9, "404": 1}), home=_row({"200": 9}))
    assert verdict(REDIS_DEAD, framed, with_404, 0).startswith("met")
    assert verdict(NORMAL, normal, None, 0) == ""


def test_database_goal_is_a_503_with_retry_after_in_time_and_no_worker_timeout():
    fine = _pages(all=_row({"503": 5}, top=1600.0))
    assert verdict(DB_HUNG, fine, None, 0).startswith("met")
    cached = _pages(all=_row({"503": 4, "200": 1}, top=900.0))
    assert verdict(DB_HUNG, cached, None, 0).startswith("met")  # served from cache
    assert verdict(DB_HUNG, fine, None, 1).startswith("MISSED")  # a worker was killed
    slow = _pages(all=_row({"503": 5}, top=2050.0))
    assert verdict(DB_BLACKHOLED, slow, None, 0).startswith("MISSED")
    dropped = _pages(all=_row({"503": 3, "RemoteDisconnected": 2}, top=1500.0))
    assert verdict(DB_BLACKHOLED, dropped, None, 0).startswith("MISSED")
    bare = _pages(all=_row({"503": 5}, top=1500.0, retry=()))
    assert verdict(DB_BLACKHOLED, bare, None, 0).startswith("MISSED")
    # the 404 page needs no database: its 404 is right when normal answers it too
    normal = _pages(all=_row({"200": 50, "404": 10}))
    framed = _pages(all=_row({"503": 4, "404": 1}, top=1600.0))
    assert verdict(DB_BLACKHOLED, framed, normal, 0).startswith("met")
    assert verdict(DB_BLACKHOLED, framed, None, 0).startswith("MISSED")


def test_goals_met_needs_every_fault_state():
    def state(row, timeouts=0):
        return {"pages": _pages(all=row, home=row), "worker_timeouts": timeouts}

    results = {
        "states": {
            NORMAL: state(_row({"200": 50}, p95=5.0)),
            REDIS_DEAD: state(_row({"200": 50}, p95=20.0)),
            DB_HUNG: state(_row({"503": 5}, top=1500.0)),
        }
    }
    assert goals_met(results)
    results["states"][DB_HUNG] = state(_row({"503": 5}, top=1500.0), timeouts=2)
    assert not goals_met(results)


def test_the_fault_section_goes_after_the_run_block_and_is_replaced_in_place(
    tmp_path,
):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Checkout\nnumbers A\n")
    write_block("## Full run\nrun one", path)

    write("## Under faults\nfirst", path)
    text = path.read_text()
    run_block = f"{RUN_START}\n## Full run\nrun one\n{RUN_END}\n"
    assert f"{run_block}\n{START}\n## Under faults\nfirst\n{END}\n" in text
    assert text.endswith("## Checkout\nnumbers A\n")

    write_block("## Full run\nrun two", path)
    write("## Under faults\nsecond", path)
    text = path.read_text()
    assert "first" not in text and "run one" not in text
    assert text.count(START) == 1 and text.count(RUN_START) == 1
    assert text.index(RUN_END) < text.index(START)
    assert "## Checkout\nnumbers A\n" in text
