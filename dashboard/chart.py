"""The orders-per-hour chart: SVG laid out on the server (no JavaScript, strict CSP)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # "14:00"
    show_label: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    max_count: int
    total: int


def chart_build(
    points: list[dict[str, Any]], *, width: int = 720, height: int = 220
) -> Chart:
    """Lay out one bar per hour; labels every third hour so they never overlap."""
    plot_top, plot_bottom, left, right = 20, height - 30, 36, 8
    plot_height = plot_bottom - plot_top
    slot = (width - left - right) / max(len(points), 1)
    max_count = max((p["count"] for p in points), default=0)
    scale = plot_height / max_count if max_count else 0
    bars = []
    for index, point in enumerate(points):
        bar_height = point["count"] * scale
        hour = timezone.localtime(point["hour"])
        bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.15, 1),
                y=round(plot_bottom - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                count=point["count"],
                label=hour.strftime("%H:00"),
                show_label=index % 3 == 0,
            )
        )
    return Chart(
        width=width,
        height=height,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        bars=bars,
        max_count=max_count,
        total=sum(p["count"] for p in points),
    )
