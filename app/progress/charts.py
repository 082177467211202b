"""Geometry of the dashboard's server-rendered SVG charts. Pure (no Flask, no SQLAlchemy).

The templates draw what these functions compute; every chart also has a data table, so the
SVG is a visual summary (role="img" with a <title> and <desc>), never the only copy.

- ``bar_chart``: one bar per area *with answers* (an area without answers has no bar: the
  page says "not started" instead of drawing the 50 % prior), its label above it, coloured by
  its mastery level (``mastery.level``), with the weak-area threshold as a line.
- ``history_chart``: scores over time, the x axis in time (dated ticks), one series per
  module told apart by marker shape and dash pattern as well as colour, and a line per pass
  mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LABEL_CHARS = 80
MARKERS = ("circle", "square", "triangle", "diamond")
DASHES = ("", "8 4", "2 4", "10 4 2 4")
SERIES_CLASSES = 6  # chart-series-0 .. chart-series-5 in progress.css


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """At most ``limit`` characters, cut at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return (cut or text[: limit - 1]) + "…"


@dataclass(frozen=True)
class Bar:
    label: str  # shortened for the chart; the full text is in ``title``
    title: str
    value: float  # 0..1
    level: str  # mastery.level: in_progress | needs_work | mastered
    label_y: float
    y: float
    width: float
    answered: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    left: int
    plot_width: int
    bar_height: int
    threshold_x: float | None


def bar_chart(
    rows: list[tuple[str, float, int, str]],
    *,
    width: int = 560,
    bar_height: int = 16,
    label_height: int = 18,
    gap: int = 10,
    threshold: float | None = None,
) -> BarChart:
    """Bars for (label, value 0..1, answers, level) rows that have answers, each label above
    its bar; rows without answers are left out."""
    left, value_width = 4, 48
    plot = width - left - value_width
    step = label_height + bar_height + gap
    answered = [r for r in rows if r[2] > 0]
    bars = [
        Bar(
            label=shorten(label),
            title=label,
            value=value,
            level=level,
            label_y=gap + i * step + label_height - 5,
            y=gap + i * step + label_height,
            width=round(max(0.0, min(1.0, value)) * plot, 1),
            answered=count,
        )
        for i, (label, value, count, level) in enumerate(answered)
    ]
    height = gap + len(bars) * step + 4
    threshold_x = round(left + threshold * plot, 1) if threshold is not None else None
    return BarChart(bars, width, height, left, plot, bar_height, threshold_x)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    percent: float
    at: datetime
    passed: bool


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    index: int
    marker: str  # circle | square | triangle | diamond
    dash: str  # SVG stroke-dasharray ("" solid)
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def css(self) -> str:
        return f"chart-series-{self.index % SERIES_CLASSES}"


@dataclass(frozen=True)
class Tick:
    x: float
    at: datetime


@dataclass(frozen=True)
class PassLine:
    y: float
    percent: float


@dataclass(frozen=True)
class HistoryChart:
    series: list[Series]
    ticks: list[Tick]
    pass_lines: list[PassLine]
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int

    @property
    def empty(self) -> bool:
        return not self.series


def _time_scale(times: list[datetime], left: float, plot_w: float):  # type: ignore[no-untyped-def]
    """at -> x: linear in time; one moment (or none) sits in the middle."""
    start, end = (min(times), max(times)) if times else (None, None)
    span = (end - start).total_seconds() if start and end else 0.0

    def x(at: datetime) -> float:
        if not span or start is None:
            return round(left + plot_w / 2, 1)
        return round(left + plot_w * (at - start).total_seconds() / span, 1)

    return x, start, span


def _ticks(start: datetime | None, span: float, x, count: int) -> list[Tick]:  # type: ignore[no-untyped-def]
    if start is None:
        return []
    if not span:
        return [Tick(x(start), start)]
    return [
        Tick(x(at), at)
        for at in (start + timedelta(seconds=span * i / (count - 1)) for i in range(count))
    ]


def history_chart(
    rows: list[tuple[datetime, float, str, str, bool, float]],
    *,
    width: int = 640,
    height: int = 240,
    ticks: int = 4,
) -> HistoryChart:
    """Scores (0..100) over time from (when, percent, module key, module title, passed, pass
    mark) rows: one series per module in order of first appearance, x proportional to time."""
    left, top, right, bottom = 40, 12, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    x, start, span = _time_scale([r[0] for r in rows], left, plot_w)

    def y(percent: float) -> float:
        return round(top + plot_h * (1 - max(0.0, min(100.0, percent)) / 100), 1)

    grouped: dict[str, list[tuple[datetime, float, str, str, bool, float]]] = {}
    for row in rows:
        grouped.setdefault(row[2], []).append(row)
    series = [
        Series(
            key=key,
            label=members[0][3],
            index=i,
            marker=MARKERS[i % len(MARKERS)],
            dash=DASHES[i % len(DASHES)],
            points=[Point(x(at), y(pct), pct, at, ok) for at, pct, _, _, ok, _ in sorted(members)],
        )
        for i, (key, members) in enumerate(grouped.items())
    ]
    marks = sorted({r[5] for r in rows})
    return HistoryChart(
        series=series,
        ticks=_ticks(start, span, x, ticks),
        pass_lines=[PassLine(y(m), m) for m in marks],
        width=width,
        height=height,
        left=left,
        top=top,
        plot_width=plot_w,
        plot_height=plot_h,
    )


def marker_points(marker: str, x: float, y: float, r: float = 5.0) -> str:
    """The SVG polygon points of a square, triangle or diamond marker centred on (x, y)."""
    if marker == "square":
        corners = [(-r, -r), (r, -r), (r, r), (-r, r)]
    elif marker == "triangle":
        corners = [(0, -r * 1.2), (r * 1.1, r * 0.8), (-r * 1.1, r * 0.8)]
    else:  # diamond
        corners = [(0, -r * 1.3), (r * 1.3, 0), (0, r * 1.3), (-r * 1.3, 0)]
    return " ".join(f"{round(x + dx, 1)},{round(y + dy, 1)}" for dx, dy in corners)
