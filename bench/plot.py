"""Plot latency (p50, p95) and throughput against concurrency from bench/results.json.

    .venv/bin/python bench/plot.py [bench/results.json] [bench/latency_vs_concurrency.png]

bench/run.py calls `plot()` at the end of `make bench`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent


def _series(results: dict) -> dict[str, list[dict]]:
    series: dict[str, list[dict]] = {}
    for row in results["loads"]:
        series.setdefault(row["scenario"], []).append(row)
    for row in results.get("flash_sale", []):
        series.setdefault(
            f"flash sale ({row['shoppers']} shoppers, {row['stock']} units)", []
        ).append(row)
    for rows in series.values():
        rows.sort(key=lambda row: row["connections"])
    return series


def plot(results: dict, path: Path) -> None:
    series = _series(results)
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(13, 5.2))
    for index, (name, rows) in enumerate(series.items()):
        color = f"C{index}"
        x = [row["connections"] for row in rows]
        latency.plot(
            x, [r["p95_ms"] for r in rows], "o-", color=color, label=f"{name} p95"
        )
        latency.plot(x, [r["p50_ms"] for r in rows], "s--", color=color, alpha=0.6,
                     label=f"{name} p50")  # fmt: skip
        throughput.plot(x, [r["per_sec"] for r in rows], "o-", color=color, label=name)
    levels = sorted({row["connections"] for rows in series.values() for row in rows})
    for axis in (latency, throughput):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xticks(levels, [str(level) for level in levels])
        axis.set_xlabel("concurrent connections (wrk)")
        axis.grid(True, which="both", alpha=0.3)
    latency.set_ylabel("latency, ms (solid p95, dashed p50)")
    latency.set_title("Latency vs concurrency")
    throughput.set_ylabel("requests answered per second")
    throughput.set_title("Throughput vs concurrency")
    throughput.legend(fontsize=8, loc="best")
    machine = results.get("machine", {})
    figure.suptitle(
        f"SecureCart `make bench`: gunicorn {results.get('workers')} sync workers, "
        f"{machine.get('nproc', '?')} cores shared with other work "
        f"({machine.get('cpu', '')})",
        fontsize=10,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    target = (
        Path(sys.argv[2])
        if len(sys.argv) > 2
        else ROOT / "bench" / "latency_vs_concurrency.png"
    )
    plot(json.loads(source.read_text()), target)
    print(target)


if __name__ == "__main__":
    main()
