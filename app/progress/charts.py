"""Geometry of the dashboard's server-rendered SVG charts. Pure (no Flask, no SQLAlchemy).

The templates draw what these functions compute; every chart also has a data table, so the
SVG is a visual summary (role="img" with a <title> and <desc>), never the only copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0..1
    y: float
    width: float
    answered: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    threshold_x: float | None


def bar_chart(
    rows: list[tuple[str, float, int]],
    *,
    width: int = 640,
    label_width: int = 220,
    bar_height: int = 22,
    gap: int = 8,
    threshold: float | None = None,
) -> BarChart:
    """Horizontal bars for (label, value 0..1, answers) rows."""
    plot = width - label_width - 50
    bars = [
        Bar(
            label=label,
            value=value,
            y=gap + i * (bar_height + gap),
            width=round(max(0.0, min(1.0, value)) * plot, 1),
            answered=answered,
        )
        for i, (label, value, answered) in enumerate(rows)
    ]
    height = gap + len(rows) * (bar_height + gap) + 20
    threshold_x = label_width + threshold * plot if threshold is not None else None
    return BarChart(bars, width, height, label_width, plot, bar_height, threshold_x)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    percent: float
    label: str
    at: datetime
    passed: bool


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    polyline: str
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    pass_y: float | None


def line_chart(
    rows: list[tuple[datetime, float, str, bool]],
    *,
    width: int = 640,
    height: int = 220,
    pass_mark: float | None = None,
) -> LineChart:
    """Scores (0..100) in order of submission, evenly spaced: (when, percent, label, passed)."""
    left, top, right, bottom = 40, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(rows)
    points = []
    for i, (at, percent, label, passed) in enumerate(rows):
        x = left + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2)
        y = top + plot_h * (1 - max(0.0, min(100.0, percent)) / 100)
        points.append(Point(round(x, 1), round(y, 1), percent, label, at, passed))
    polyline = " ".join(f"{p.x},{p.y}" for p in points)
    pass_y = top + plot_h * (1 - pass_mark / 100) if pass_mark is not None else None
    return LineChart(points, polyline, width, height, left, top, plot_w, plot_h, pass_y)
