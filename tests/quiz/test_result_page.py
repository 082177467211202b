"""The result page: summary, right/wrong grid, breakdown, review filters, printable version,
and what a secure or score-only exam never shows."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.banks import models as bm
from app.banks.schema import Use
from app.quiz import versions
from tests.quiz.test_pages import (
    answer_correctly,
    assert_no_sentinel,
    items_of,
    start,
    submit,
)

pytestmark = pytest.mark.usefixtures("bank")


def _hidden_positions(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<li class="review-item" id="q(\d+)"[^>]* hidden>', html)}


def _review_positions(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<li class="review-item" id="q(\d+)"', html)}


def _closed_practice(client, db_session, right: int = 4, flag: tuple[int, ...] = ()) -> int:
    attempt_id = start(client, "types-practice")
    items = items_of(db_session, attempt_id)
    for item in items[:right]:
        answer_correctly(client, db_session, attempt_id, item)
    submit(client, attempt_id)
    for item in items_of(db_session, attempt_id):
        item.flagged = item.position in flag
    db_session.commit()
    return attempt_id


def test_summary_grid_and_breakdown(client, login_as, db_session):
    login_as("trainee")
    attempt_id = _closed_practice(client, db_session, right=4)
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    summary = html[html.index('data-testid="result-summary"') :]
    assert summary.index("Not passed") < summary.index("4 / 9") < summary.index("(44 %)")
    grid = re.findall(r'class="cell cell-(\w+)[^"]*" data-state="(\w+)"', html)
    assert len(grid) == 9 and [s for _, s in grid].count("correct") == 4
    assert "Question 5: Incorrect" in html and "Question 1: Correct" in html
    # The summary comes first, the review after it, collapsed.
    assert html.index('data-testid="result-grid"') < html.index("Score by topic")
    assert html.index("Score by topic") < html.index('id="review-heading"')
    assert "<details>" in html and "<details open>" not in html
    assert re.search(r"4 / 9 \(44 %\).*?Below the pass mark", html, re.S)


def test_incorrect_and_flagged_filters_work_without_javascript(client, login_as, db_session):
    login_as("trainee")
    attempt_id = _closed_practice(client, db_session, right=4, flag=(2, 7))
    url = f"/attempts/{attempt_id}/result"
    everything = client.get(url).get_data(as_text=True)
    assert _review_positions(everything) == set(range(1, 10)) and not _hidden_positions(everything)
    assert "All (9)" in everything and "Incorrect (5)" in everything and "Flagged (2)" in everything

    wrong = client.get(url + "?show=incorrect").get_data(as_text=True)
    assert _hidden_positions(wrong) == {1, 2, 3, 4}  # the correct ones
    assert 'data-filter="incorrect" aria-current="true"' in wrong
    # A grid cell of a question the filter hides links to the unfiltered review.
    assert f'href="{url}?show=all#q1"' in wrong and 'href="#q5"' in wrong

    flagged = client.get(url + "?show=flagged").get_data(as_text=True)
    assert _hidden_positions(flagged) == set(range(1, 10)) - {2, 7}


def test_flagged_filter_with_nothing_flagged_says_so(client, login_as, db_session):
    login_as("trainee")
    attempt_id = _closed_practice(client, db_session)
    html = client.get(f"/attempts/{attempt_id}/result?show=flagged").get_data(as_text=True)
    assert '<p class="review-empty" data-review-empty>No question matches' in html


def test_an_unknown_filter_is_a_clear_400_showing_everything(client, login_as, db_session):
    login_as("trainee")
    attempt_id = _closed_practice(client, db_session)
    response = client.get(f"/attempts/{attempt_id}/result?show=%3Cscript%3E")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That review filter does not exist" in html and "<script>" not in html
    assert not _hidden_positions(html) and len(_review_positions(html)) == 9


def test_printable_version_has_no_navigation_and_everything_expanded(client, login_as, db_session):
    login_as("trainee")
    attempt_id = _closed_practice(client, db_session, flag=(3,))
    html = client.get(f"/attempts/{attempt_id}/result?print=1&show=flagged").get_data(as_text=True)
    assert 'class="site-header"' not in html and 'class="site-footer"' not in html
    assert 'class="print-view"' in html and "data-review-filters" not in html
    assert html.count("<details open>") == 9 and "<details>" not in html
    assert not _hidden_positions(html)  # the filter does not apply to the printout
    normal = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'class="site-header"' in normal and "?print=1" in normal


@pytest.mark.parametrize("slug", ["types-exam", "correctness-exam", "score-exam"])
def test_a_secure_exam_result_never_shows_items_or_their_correctness(
    client, login_as, db_session, slug
):
    login_as("trainee")
    attempt_id = start(client, slug)
    items = items_of(db_session, attempt_id)
    for item in items[:4]:
        answer_correctly(client, db_session, attempt_id, item)
    items[0].flagged = True
    db_session.commit()
    submit(client, attempt_id)
    for query in ("", "?show=incorrect", "?show=flagged", "?print=1", "?show=bad"):
        html = client.get(f"/attempts/{attempt_id}/result{query}").get_data(as_text=True)
        assert_no_sentinel(html, f"{slug} result{query}")
        assert "data-state=" not in html and "review-item" not in html
        assert "Question 1" not in html and 'data-testid="result-grid"' not in html
        assert "Score by topic" in html  # the result by topic and objective instead
        assert "4 / 9" in html


def _as_old_practice_items(db_session, attempt_id: int) -> None:
    """An exam attempt drawn before items had a ``use``: its items are practice items.

    The app never changes a version (``app/quiz/versions.py``): the worker's decoded copies
    are dropped, as a restart after the migration that added ``use`` would have."""
    ids = [i.question_version_id for i in items_of(db_session, attempt_id)]
    db_session.execute(
        sa.update(bm.QuestionVersion).where(bm.QuestionVersion.id.in_(ids)).values(use=Use.PRACTICE)
    )
    db_session.commit()
    versions.forget_all()


def test_correctness_policy_shows_the_grid_but_no_keys(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "correctness-exam")
    _as_old_practice_items(db_session, attempt_id)
    for item in items_of(db_session, attempt_id)[:4]:
        answer_correctly(client, db_session, attempt_id, item)
    submit(client, attempt_id)
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'data-testid="result-grid"' in html and "Question 1: Correct" in html
    assert "Explanation" not in html
    assert_no_sentinel(html, "correctness-policy result")


def test_score_only_policy_shows_no_grid_and_no_breakdown(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "score-exam")
    _as_old_practice_items(db_session, attempt_id)
    submit(client, attempt_id)
    html = client.get(f"/attempts/{attempt_id}/result?show=incorrect").get_data(as_text=True)
    assert "shows the score only" in html and "0 / 9" in html
    assert 'data-testid="result-grid"' not in html and "Score by topic" not in html
    assert "review-item" not in html
    assert_no_sentinel(html, "score-only result")
