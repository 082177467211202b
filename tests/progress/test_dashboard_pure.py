"""Pure dashboard functions: chart geometry, mastery levels, the summary cards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from app.banks.schema import Mode
from app.progress import charts, mastery
from app.progress.presenters import summary_cards
from app.requirements.judge import Judgement
from app.requirements.kinds import Result

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_levels():
    assert mastery.level(0.5, 0) == mastery.NOT_STARTED
    assert mastery.level(0.2, 2) == mastery.IN_PROGRESS  # too few answers to judge
    assert mastery.level(0.74, 3) == mastery.NEEDS_WORK
    assert mastery.level(0.75, 3) == mastery.MASTERED


def test_bar_chart_leaves_out_areas_without_answers_and_puts_labels_above():
    long = "Relate needle depth, patient build and position to the pleura and lung over the thorax"
    chart = charts.bar_chart(
        [("Anatomy", 0.8, 5, "mastered"), ("Safety", 0.5, 0, "not_started"), (long, 0.4, 3, "x")],
        width=560,
        threshold=0.75,
    )
    assert [b.title for b in chart.bars] == ["Anatomy", long]
    assert chart.bars[1].label.endswith("…") and len(chart.bars[1].label) <= charts.LABEL_CHARS
    assert all(b.label_y < b.y for b in chart.bars)
    assert chart.bars[0].width == round(0.8 * chart.plot_width, 1)
    assert chart.threshold_x == round(chart.left + 0.75 * chart.plot_width, 1)
    assert charts.bar_chart([("A", 0.5, 0, "not_started")]).bars == []


def test_shorten_cuts_at_a_word():
    assert charts.shorten("short") == "short"
    assert charts.shorten("alpha beta gamma delta", 12) == "alpha beta…"


def test_history_chart_is_in_time_with_one_series_per_module():
    rows = [
        (T0, 40.0, "m1", "Module one", False, 70.0),
        (T0 + timedelta(days=1), 90.0, "m2", "Module two", True, 70.0),
        (T0 + timedelta(days=4), 80.0, "m1", "Module one", True, 70.0),
    ]
    chart = charts.history_chart(rows, width=640, height=240)
    one, two = chart.series
    assert (one.key, one.label, len(one.points), two.key) == ("m1", "Module one", 2, "m2")
    assert one.marker != two.marker and one.dash != two.dash and one.css != two.css
    # x is proportional to time: day 1 is a quarter of the way from day 0 to day 4.
    x0, x4 = one.points[0].x, one.points[1].x
    assert two.points[0].x == round(x0 + (x4 - x0) / 4, 1)
    assert chart.ticks[0].at == T0 and chart.ticks[-1].at == T0 + timedelta(days=4)
    assert len(chart.pass_lines) == 1
    assert chart.pass_lines[0].y == round(chart.top + chart.plot_height * 0.3, 1)
    assert (
        one.polyline == f"{one.points[0].x},{one.points[0].y} {one.points[1].x},{one.points[1].y}"
    )


def test_history_chart_with_one_attempt_or_none():
    single = charts.history_chart([(T0, 50.0, "m", "M", False, 60.0)])
    assert single.series[0].points[0].x == single.left + single.plot_width / 2
    assert [t.at for t in single.ticks] == [T0]
    assert charts.history_chart([]).empty


def test_marker_points():
    assert charts.marker_points("square", 10, 10, 2) == "8,8 12,8 12,12 8,12"
    assert len(charts.marker_points("triangle", 0, 0).split()) == 3
    assert len(charts.marker_points("diamond", 0, 0).split()) == 4


def _row(mode: Mode, status: str) -> SimpleNamespace:
    return SimpleNamespace(module=SimpleNamespace(mode=mode), status=status)


def test_summary_cards_cover_every_kind_of_requirement():
    hours = Result(
        "hours", "h", "Clinical hours", 50, 44, False, "hours 44 of 50", "Record 6 more hours"
    )
    modules = Result("module", "modules", "Modules passed", 3, 1, False, "2 more", "Pass M2")
    logbook = Result("logbook", "l", "Logbook", 10, 10, True, "", "")
    data = SimpleNamespace(
        modules=[
            _row(Mode.EXAM, "passed"),
            _row(Mode.EXAM, "failed"),
            _row(Mode.PRACTICE, "passed"),
        ],
        modules_passed=2,
        requirements=Judgement(False, (modules, hours, logbook)),
        next_step="Retake M2.",
        other_unmet=[hours],
        practice=SimpleNamespace(due=4, new_available=2),
    )
    cards = summary_cards(data)
    assert (cards.modules_passed, cards.modules_total) == (2, 3)
    assert (cards.exams_passed, cards.exams_total) == (1, 2)
    assert (cards.requirements_met, cards.requirements_total) == (1, 3)
    assert cards.progress == 1 / 3
    assert cards.next_step == "Retake M2."
    assert cards.also == [("Clinical hours", "Record 6 more hours")]
    assert (cards.reviews_due, cards.new_available) == (4, 2)
    data.requirements = None
    assert summary_cards(data).progress == 2 / 3
