"""The orders-per-hour chart: SVG laid out on the server (no JavaScript, strict CSP)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: Any  # the bar's value: an order count, or revenue
    label: str  # "14:00", "30 Nov"
    show_label: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    max_count: Any
    total: Any


def _hour_label(point: dict[str, Any]) -> str:
    return timezone.localtime(point["hour"]).strftime("%H:00")


def chart_build(
    points: list[dict[str, Any]],
    *,
    width: int = 720,
    height: int = 220,
    value: str = "count",
    label: Callable[[dict[str, Any]], str] = _hour_label,
    label_every: int = 3,
) -> Chart:
    """Lay out one bar per point (by default orders per hour, every third hour
    labelled); labels are spaced so they never overlap."""
    plot_top, plot_bottom, left, right = 20, height - 30, 36, 8
    plot_height = plot_bottom - plot_top
    slot = (width - left - right) / max(len(points), 1)
    max_count = max((p[value] for p in points), default=0)
    scale = plot_height / float(max_count) if max_count else 0
    bars = []
    for index, point in enumerate(points):
        bar_height = float(point[value]) * scale
        bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.15, 1),
                y=round(plot_bottom - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                count=point[value],
                label=label(point),
                show_label=index % max(label_every, 1) == 0,
            )
        )
    return Chart(
        width=width,
        height=height,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        bars=bars,
        max_count=max_count,
        total=sum(p[value] for p in points),
    )
