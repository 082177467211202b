"""The exam room's page (issue 18): the focused layout, the navigator's state (answered,
flagged, current, ✓/✗ once checked, grouped by case), collapsed case steps, and module pages
that count cases and steps truthfully."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from app.quiz import presenters
from app.quiz.models import Attempt
from tests.quiz.helpers import key_of
from tests.quiz.test_pages import answer_correctly, items_of, page, post_answer, start

pytestmark = pytest.mark.usefixtures("bank")


def nav_items(html: str) -> list[str]:
    return re.findall(r'<li class="quiz-nav-item[^"]*">.*?</li>', html, re.S)


# ---------------------------------------------------------------- counts


def test_module_length_counts_questions_cases_and_the_range_of_steps():
    module = SimpleNamespace(
        blueprint=[{"topic": "a", "count": 12}], case_draws=[{"count": 2}, {"count": 1}]
    )
    # The first draw can take cases of 4, 6 or 7 steps; the second cases of 3 or 5.
    n = presenters.module_length(module, [[4, 6, 7], [3, 5]])
    assert (n["questions"], n["cases"]) == (12, 3)
    assert (n["steps_min"], n["steps_max"]) == (4 + 6 + 3, 6 + 7 + 5)
    assert (n["items_min"], n["items_max"]) == (12 + 13, 12 + 18)
    # A draw with fewer cases than it asks for counts the cases there are.
    short = presenters.module_length(
        SimpleNamespace(blueprint=[], case_draws=[{"count": 3}]), [[5]]
    )
    assert (short["cases"], short["steps_min"], short["steps_max"]) == (3, 5, 5)
    plain = presenters.module_length(SimpleNamespace(blueprint=[{"count": 9}], case_draws=[]))
    assert (plain["questions"], plain["cases"], plain["steps_max"]) == (9, 0, 0)


def test_module_pages_count_cases_and_steps_not_a_case_as_one_question(client, login_as):
    login_as("trainee")
    # case-exam: one standalone question and one case of two steps (tests/quiz/bank.py).
    html = client.get("/modules/case-exam").get_data(as_text=True)
    assert "1 question and 1 case (2 steps)" in html
    assert "2 questions" not in html
    listing = client.get("/modules").get_data(as_text=True)
    card = re.search(
        r"Module case-exam</a></h2>\s*<p class=\"module-meta\">(.*?)</p>", listing, re.S
    )
    assert card and "1 question and 1 case (2 steps)" in card.group(1), card
    assert "9 questions" in client.get("/modules/types-exam").get_data(as_text=True)


def test_an_attempt_has_as_many_items_as_the_module_page_says(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "case-exam")
    assert len(items_of(db_session, attempt_id)) == 1 + 2


# ---------------------------------------------------------------- the room


def test_the_exam_room_has_no_site_menu_and_a_bar_with_progress_flag_and_navigator(
    client, login_as
):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    html = page(client, attempt_id, 2)
    assert 'aria-label="Main"' not in html and "site-footer" not in html
    bar = html[html.index('id="exam-bar"') : html.index("</header>")]
    assert "2 of 9" in bar
    assert re.search(
        r'<input type="checkbox" name="flagged" id="flagged" value="y" form="answer-form"', bar
    )
    assert '<details class="exam-nav" id="exam-nav">' in bar
    items = nav_items(bar)
    assert len(items) == 9
    assert "is-current" in items[1] and 'aria-current="step"' in items[1]
    assert "css/exam.css" in html


def test_the_navigator_shows_answered_and_flagged_and_no_verdict_in_an_exam(
    client, login_as, db_session
):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    first = items_of(db_session, attempt_id)[0]
    answer_correctly(client, db_session, attempt_id, first, action="save")
    html = page(client, attempt_id, 2)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(
        f"/attempts/{attempt_id}/items/2",
        data={"csrf_token": token, "seq": "0", "flagged": "y", "action": "save"},
    )
    items = nav_items(page(client, attempt_id, 3))
    assert "is-answered" in items[0] and "●" in items[0]
    assert "is-flagged" in items[1] and "⚑" in items[1] and "flagged" in items[1]
    # An exam never tells right from wrong while it runs.
    assert not any("is-right" in i or "is-wrong" in i for i in items)
    assert not any("✓" in i or "✗" in i for i in items)
    view = presenters.navigator_view(db_session.get(Attempt, attempt_id))
    assert [v["verdict"] for v in view] == [None] * len(view)


def test_a_checked_practice_answer_shows_its_verdict_in_the_navigator(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-practice")
    first = items_of(db_session, attempt_id)[0]
    answer_correctly(client, db_session, attempt_id, first, action="check")
    db_session.expire_all()
    view = presenters.navigator_view(db_session.get(Attempt, attempt_id))
    assert view[0]["verdict"] is True
    assert view[1]["verdict"] is None  # not checked yet
    nav = nav_items(page(client, attempt_id, 3))
    assert "is-right" in nav[0] and "✓" in nav[0] and "correct" in nav[0]
    assert "is-right" not in nav[1] and "is-wrong" not in nav[1]


def test_a_wrong_checked_practice_answer_is_marked_wrong(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "case-practice")
    step = next(i for i in items_of(db_session, attempt_id) if i.case_step == 1)
    html = page(client, attempt_id, step.position)
    choices = re.findall(r'name="choice" id="[^"]*" value="([^"]+)"', html)
    key = answer_key_choice(db_session, step)
    wrong = next(c for c in choices if c != key)
    post_answer(client, attempt_id, step.position, {"choice": wrong}, action="next")
    nav = nav_items(page(client, attempt_id, step.position + 1))
    marked = [i for i in nav if "is-wrong" in i]
    assert len(marked) == 1 and "✗" in marked[0] and "incorrect" in marked[0]


def answer_key_choice(db_session, item) -> str:
    return key_of(db_session, item.id)["choice"]


# ---------------------------------------------------------------- cases


def test_the_navigator_groups_a_case_under_its_title(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "case-exam")
    html = page(client, attempt_id, 1)
    assert "Case: A case" in html
    groups = re.findall(r'<ol class="quiz-nav-list( is-case)?">(.*?)</ol>', html, re.S)
    assert [bool(flag) for flag, _ in groups] == [False, True]
    assert len(nav_items(groups[1][1])) == 2
    assert "(step 2, question 3)" in groups[1][1] and "not yet open" in groups[1][1]


def test_an_earlier_case_step_is_one_collapsed_line_with_the_answer_and_verdict(
    client, login_as, db_session
):
    login_as("trainee")
    attempt_id = start(client, "case-practice")
    one = next(i for i in items_of(db_session, attempt_id) if i.case_step == 1)
    answer_correctly(client, db_session, attempt_id, one)
    html = page(client, attempt_id, one.position + 1)
    earlier = re.search(r'<details class="case-earlier" id="step-1">(.*?)</details>', html, re.S)
    assert earlier, "step 1 is a collapsed <details>"
    summary = re.search(r"<summary>(.*?)</summary>", earlier.group(1), re.S).group(1)
    assert "Step 1" in summary and "Your answer:" in summary and "✓" in summary
    # Its full text is inside, for on demand; the current step is the anchor the page opens at.
    assert 'class="stem"' in earlier.group(1)
    assert 'id="current-step"' in html
    assert html.index('id="step-1"') < html.index('id="current-step"')


def test_answer_summary_is_short_plain_text_of_the_trainees_answer():
    view = {
        "response": {"choice": "b"},
        "options": [
            {"id": "a", "html": "<p>No</p>"},
            {"id": "b", "html": "<p>Yes, <em>at once</em></p>"},
        ],
    }
    assert presenters.answer_summary(view) == "Yes, at once"
    long = {"response": {"text": "word " * 40}}
    assert len(presenters.answer_summary(long)) <= presenters.SUMMARY_LENGTH
    assert (
        presenters.answer_summary(
            {"response": {"value": True}, "options": [{"id": "true", "html": "True"}]}
        )
        == "True"
    )
    assert presenters.answer_summary({"response": {"value": 12.5}}) == "12.5"
    assert presenters.answer_summary({"response": {"pairs": {}}}) is None
    assert presenters.answer_summary({"response": None}) is None
