"""The dashboard's first screen and charts: cards, readable labels, levels, history series."""

from __future__ import annotations

import re

import pytest

from tests.progress.bank import take

pytestmark = pytest.mark.usefixtures("program")


def _card(html: str, name: str) -> str:
    start = html.index(f'data-testid="card-{name}"')
    return html[start : html.index("</div>", start)]


def test_cards_answer_how_am_i_doing_and_what_next(client, login_as, db_session, frozen_clock):
    user = login_as("trainee")
    take(db_session, user, "m3-exam", right=True)
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.index('data-testid="dashboard-cards"') < html.index('id="program-heading"')
    assert "1 of 3" in _card(html, "program") and "modules passed" in _card(html, "program")
    assert "1 of 3" in _card(html, "exams")
    assert "Start Module one exam." in _card(html, "next")
    assert 'data-testid="practice-due"' in _card(html, "reviews")


def test_labels_are_readable_names_and_levels_are_not_all_red(
    client, login_as, db_session, frozen_clock
):
    user = login_as("trainee")
    take(db_session, user, "m1-exam", right=False)  # anatomy: 4 answers, none right
    take(db_session, user, "m3-exam", right=True)  # safety: 2 answers, both right
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    levels = dict(re.findall(r'data-topic="([^"]+)" data-level="([^"]+)"', html))
    assert levels == {"anatomy": "needs_work", "safety": "in_progress"}
    assert "chart-bar-needs_work" in html and "chart-bar-in_progress" in html
    assert "chart-bar-weak" not in html  # the old all-red class is gone
    # Objectives are named by their text, never by their slug as a label.
    chart = html[html.index('data-testid="objective-chart"') :]
    chart = chart[: chart.index("</svg>")]
    labels = re.findall(r'class="chart-label"><title>([^<]+)</title>', chart)
    assert labels and all(label.startswith("Objective text of ") for label in labels)
    assert re.search(r'data-objective="anat-a"[^>]*><th scope="row">Objective text of anat-a', html)
    assert ">anat-a<" not in html


def test_history_has_dates_one_series_per_module_and_the_pass_line(
    client, login_as, db_session, frozen_clock
):
    user = login_as("trainee")
    take(db_session, user, "m1-exam", right=False)
    frozen_clock.advance(days=3)
    take(db_session, user, "m3-exam", right=True)
    db_session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    chart = html[
        html.index('data-testid="history-chart"') : html.index(
            "</svg>", html.index('data-testid="history-chart"')
        )
    ]
    assert set(re.findall(r'data-series="([^"]+)"', chart)) == {"m1-exam", "m3-exam"}
    assert "Jan 15, 2026" in chart and "Jan 18, 2026" in chart  # dated x axis
    assert 'class="chart-pass"' in chart and "Pass mark" in chart
    # Told apart by more than colour: a different marker and a legend naming each module.
    assert "<circle" in chart and "<polygon" in chart
    legend = html[html.index('data-testid="history-chart-legend"') :]
    legend = legend[: legend.index("</ul>")]
    assert "Module one exam" in legend and "Module three exam" in legend
