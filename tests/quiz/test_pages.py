"""The trainee's HTML pages of the quiz engine: modules, taking every type, summary, result.

Uses the engine tests' bank (tests/quiz/bank.py, the ``bank`` fixture): every question type, a
two-step case, and modules for each review policy. ``ZZKEYZZ`` is planted in keys, feedback,
explanations and references.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.quiz.models import Attempt, AttemptItem, AttemptStatus
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.quiz.bank import SENTINEL
from tests.quiz.helpers import key_of

pytestmark = pytest.mark.usefixtures("bank")

TYPE_MARKERS = {
    "single_choice": 'type="radio" name="choice"',
    "multiple_response": 'type="checkbox" name="choices"',
    "true_false": 'type="radio" name="value"',
    "matching": 'name="pair-',
    "ordering": 'name="pos-',
    "numeric": 'inputmode="decimal"',
    "hotspot": 'name="region"',
    "short_answer": 'type="text" name="text"',
    "script_concordance": "If you were thinking of",
}


# ---------------------------------------------------------------- helpers


def start(client, slug: str) -> int:
    token = csrf_token_from(client.get(f"/modules/{slug}").get_data(as_text=True))
    response = client.post(f"/modules/{slug}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    match = re.search(r"/attempts/(\d+)/items/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def items_of(db_session, attempt_id: int) -> list[AttemptItem]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            sa.select(AttemptItem)
            .where(AttemptItem.attempt_id == attempt_id)
            .order_by(AttemptItem.position)
        )
    )


def item_type(item: AttemptItem) -> str:
    return item.question_version.type.value


def page(client, attempt_id: int, position: int) -> str:
    response = client.get(f"/attempts/{attempt_id}/items/{position}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def seq_in(html: str) -> int:
    match = re.search(r'name="seq" value="(\d+)"', html)
    assert match
    return int(match.group(1))


def fields_for(kind: str, response: dict[str, Any]) -> dict[str, Any]:
    """The form fields a trainee fills in to give ``response`` (in opaque ids)."""
    if kind == "single_choice":
        return {"choice": response["choice"]}
    if kind == "multiple_response":
        return {"choices": response["choices"]}
    if kind == "true_false":
        return {"value": "true" if response["value"] else "false"}
    if kind == "matching":
        return {f"pair-{p}": a for p, a in response["pairs"].items()}
    if kind == "ordering":
        return {f"pos-{o}": str(i + 1) for i, o in enumerate(response["order"])}
    if kind == "numeric":
        return {"value": str(response["value"])}
    if kind == "hotspot":
        return {"point_x": str(response["point"]["x"]), "point_y": str(response["point"]["y"])}
    if kind == "short_answer":
        return {"text": response["text"]}
    return {"value": str(response["value"])}


def post_answer(client, attempt_id, position, fields, action="next", seq=None, html=None):
    html = html or page(client, attempt_id, position)
    data = {
        "csrf_token": csrf_token_from(html),
        "seq": str(seq_in(html) if seq is None else seq),
        "action": action,
        **fields,
    }
    return client.post(f"/attempts/{attempt_id}/items/{position}", data=data)


def answer_correctly(client, db_session, attempt_id: int, item: AttemptItem, action="next"):
    fields = fields_for(item_type(item), key_of(db_session, item.id))
    if item_type(item) == "short_answer":
        fields = {"text": "LTR"}  # the other accepted answer: the first holds the sentinel
    return post_answer(client, attempt_id, item.position, fields, action=action)


def session_cookie_text(app, client) -> str:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return ""
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return f"{cookie.value} {data!r}"


def without_nonce(html: str) -> str:
    """The page without what changes per response: the CSP nonce and the (timed) CSRF token."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r'\1"', html)


def assert_no_sentinel(text: str, where: str) -> None:
    assert SENTINEL.lower() not in text.lower(), f"key material leaked in {where}"


# ---------------------------------------------------------------- module pages


def test_module_list_shows_modes_attempts_and_locks(client, login_as):
    login_as("trainee")
    html = client.get("/modules").get_data(as_text=True)
    assert "Module types-exam" in html and "Module types-practice" in html
    assert "Locked" in html and "Pass Module beta-exam first." in html
    assert "2 left" in html  # limited-exam: two attempts


def test_module_page_shows_facts_and_a_start_button(client, login_as):
    login_as("trainee")
    html = client.get("/modules/timed-exam").get_data(as_text=True)
    assert "30 minutes" in html
    assert "9 questions" in html
    assert "Start attempt" in html
    locked = client.get("/modules/locked-exam").get_data(as_text=True)
    assert "Pass Module beta-exam first." in locked
    assert "Start attempt" not in locked
    assert client.get("/modules/no-such-module").status_code == 404


def test_locked_module_cannot_be_started_by_posting(client, login_as, db_session):
    login_as("trainee")
    token = csrf_token_from(client.get("/modules/locked-exam").get_data(as_text=True))
    response = client.post("/modules/locked-exam/start", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Pass Module beta-exam first." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 0


def test_start_twice_resumes_the_same_attempt(client, login_as):
    login_as("trainee")
    first = start(client, "types-exam")
    assert start(client, "types-exam") == first
    assert "Resume attempt" in client.get("/modules/types-exam").get_data(as_text=True)


def test_take_page_gives_quiz_js_its_texts_and_the_body_its_attributes(client, login_as):
    """quiz.js writes the autosave status from the page's (translated) data-msg-* texts."""
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    html = page(client, attempt_id, 1)
    assert f'<body class="exam-room" data-attempt="{attempt_id}" data-mode="exam">' in html
    assert 'data-msg-saving="Saving…"' in html
    assert 'data-msg-saved="Saved at {time}"' in html
    assert 'data-msg-not-saved="Not saved: {message}"' in html


# ---------------------------------------------------------------- taking


@pytest.mark.parametrize("slug", ["types-exam", "types-practice"])
def test_every_type_renders_without_key_material(app, client, login_as, db_session, slug):
    login_as("trainee")
    attempt_id = start(client, slug)
    items = items_of(db_session, attempt_id)
    seen = set()
    for item in items:
        html = page(client, attempt_id, item.position)
        kind = item_type(item)
        seen.add(kind)
        assert TYPE_MARKERS[kind] in html, kind
        assert 'aria-current="step"' in html
        assert_no_sentinel(html, f"take page ({kind})")
        if kind == "hotspot":
            assert "/media/" in html and 'alt="A square diagram"' in html
    assert seen == set(TYPE_MARKERS)
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert_no_sentinel(summary, "summary page")
    assert_no_sentinel(session_cookie_text(app, client), "session cookie")


def test_answering_every_type_by_form_post_saves_and_advances(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    items = items_of(db_session, attempt_id)
    for item in items:
        response = answer_correctly(client, db_session, attempt_id, item)
        assert response.status_code == 302, (item_type(item), response.get_data(as_text=True))
        if item.position < len(items):
            assert response.headers["Location"].endswith(f"/items/{item.position + 1}")
        else:
            assert response.headers["Location"].endswith("/summary")
        html = page(client, attempt_id, item.position)
        assert_no_sentinel(html, "take page after saving")
    saved = items_of(db_session, attempt_id)
    assert all(i.response is not None and i.seq == 1 for i in saved)
    summary = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "9 of 9 questions answered" in summary


def test_saved_answer_is_shown_checked_when_coming_back(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "single_choice")
    choice = key_of(db_session, item.id)["choice"]
    post_answer(client, attempt_id, item.position, {"choice": choice})
    html = page(client, attempt_id, item.position)
    assert re.search(rf'value="{re.escape(choice)}" checked', html)


def test_previous_saves_too(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = items_of(db_session, attempt_id)[1]
    fields = fields_for(item_type(item), key_of(db_session, item.id))
    response = post_answer(client, attempt_id, 2, fields, action="previous")
    assert response.headers["Location"].endswith("/items/1")
    assert items_of(db_session, attempt_id)[1].response is not None


def test_stale_seq_form_post_shows_a_message_and_keeps_the_stored_answer(
    client, login_as, db_session
):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "short_answer")
    html = page(client, attempt_id, item.position)
    first = post_answer(client, attempt_id, item.position, {"text": "first"}, html=html)
    assert first.status_code == 302
    # The same page (seq 0) posted again, e.g. from a second tab.
    stale = post_answer(client, attempt_id, item.position, {"text": "second"}, html=html)
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "changed elsewhere" in body
    assert 'value="first"' in body
    stored = items_of(db_session, attempt_id)[item.position - 1]
    assert stored.response == {"text": "first"} and stored.seq == 1


def test_unreadable_number_is_refused_with_a_message(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "numeric")
    response = post_answer(client, attempt_id, item.position, {"value": "twelve"})
    assert response.status_code == 400
    assert "Enter a number" in response.get_data(as_text=True)
    assert items_of(db_session, attempt_id)[item.position - 1].response is None


def test_hotspot_keyboard_alternative_saves_a_region(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "hotspot")
    html = page(client, attempt_id, item.position)
    regions = re.findall(r'name="region" id="[^"]+" value="([^"]+)"', html)
    assert len(regions) == 2
    post_answer(client, attempt_id, item.position, {"region": regions[0]}, html=html)
    stored = items_of(db_session, attempt_id)[item.position - 1]
    assert "point" in stored.response
    again = page(client, attempt_id, item.position)
    assert re.search(rf'value="{re.escape(regions[0])}" checked', again)


def test_flag_for_review_appears_on_the_summary(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    post_answer(client, attempt_id, 2, {"flagged": "y"}, action="save")
    assert items_of(db_session, attempt_id)[1].flagged
    html = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    flagged = html.split('id="flagged-h"')[1].split("</section>")[0]
    assert "Question 2" in flagged
    unanswered = html.split('id="unanswered-h"')[1].split("</section>")[0]
    assert "Question 1" in unanswered and "Question 9" in unanswered
    assert ", flagged" in page(client, attempt_id, 1)


# ---------------------------------------------------------------- autosave (JSON)


def autosave(client, attempt_id, position, fields, seq):
    html = page(client, attempt_id, position)
    token = csrf_token_from(html)
    return client.post(
        f"/attempts/{attempt_id}/items/{position}/autosave",
        data={"csrf_token": token, "seq": str(seq), **fields},
        headers={"X-CSRFToken": token},
    )


def test_autosave_returns_the_new_seq_and_refuses_a_stale_one(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "short_answer")
    ok = autosave(client, attempt_id, item.position, {"text": "twitch"}, 0)
    assert ok.status_code == 200 and ok.get_json()["seq"] == 1
    stale = autosave(client, attempt_id, item.position, {"text": "other"}, 0)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_save"
    assert items_of(db_session, attempt_id)[item.position - 1].response == {"text": "twitch"}
    assert_no_sentinel(ok.get_data(as_text=True), "autosave response")


def test_autosave_without_a_session_is_refused_and_changes_nothing(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    client.delete_cookie(client.application.config.get("SESSION_COOKIE_NAME", "session"))
    response = client.post(
        f"/attempts/{attempt_id}/items/1/autosave", data={"seq": "0", "text": "x"}
    )
    assert response.status_code in {400, 401}
    assert items_of(db_session, attempt_id)[0].response is None


def test_late_autosave_is_refused_with_the_result_url(client, login_as, db_session, frozen_clock):
    login_as("trainee")
    attempt_id = start(client, "timed-exam")
    item = next(i for i in items_of(db_session, attempt_id) if item_type(i) == "short_answer")
    html = page(client, attempt_id, item.position)
    assert 'id="countdown"' in html and "data-deadline=" in html
    frozen_clock.advance(minutes=31, seconds=30)  # deadline + 90 s: beyond the 60 s grace
    token = csrf_token_from(html)
    response = client.post(
        f"/attempts/{attempt_id}/items/{item.position}/autosave",
        data={"csrf_token": token, "seq": "0", "text": "late"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["result_url"] == f"/attempts/{attempt_id}/result"
    assert items_of(db_session, attempt_id)[item.position - 1].response is None


def test_late_form_save_goes_to_the_result_with_a_clear_message(
    client, login_as, db_session, frozen_clock
):
    login_as("trainee")
    attempt_id = start(client, "timed-exam")
    html = page(client, attempt_id, 1)
    frozen_clock.advance(minutes=30, seconds=59)  # within the grace: accepted
    item = items_of(db_session, attempt_id)[0]
    fields = fields_for(item_type(item), key_of(db_session, item.id))
    assert post_answer(client, attempt_id, 1, fields, html=html).status_code == 302
    frozen_clock.advance(minutes=2)  # now beyond deadline + grace
    item2 = items_of(db_session, attempt_id)[1]
    fields2 = fields_for(item_type(item2), key_of(db_session, item2.id))
    response = post_answer(client, attempt_id, 2, fields2, html=html.replace("/items/1", ""))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "time" in result.lower() and "graded on the answers saved" in result
    attempt = db_session.get(Attempt, attempt_id)
    db_session.refresh(attempt)
    assert attempt.status == AttemptStatus.EXPIRED
    assert attempt.submitted_at == attempt.deadline
    assert items_of(db_session, attempt_id)[1].response is None


# ---------------------------------------------------------------- submit and result


def submit(client, attempt_id, confirm=True):
    html = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html)}
    if confirm:
        data["confirm"] = "y"
    return client.post(f"/attempts/{attempt_id}/submit", data=data)


def test_submit_needs_confirmation_and_a_repeat_gives_the_same_result(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    refused = submit(client, attempt_id, confirm=False)
    assert refused.status_code == 400 and "Tick the box" in refused.get_data(as_text=True)
    assert db_session.get(Attempt, attempt_id).is_open
    token = csrf_token_from(client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True))
    first = client.post(
        f"/attempts/{attempt_id}/submit", data={"csrf_token": token, "confirm": "y"}
    )
    assert first.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    result_one = client.get(first.headers["Location"]).get_data(as_text=True)
    again = client.post(
        f"/attempts/{attempt_id}/submit", data={"csrf_token": token, "confirm": "y"}
    )
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    result_two = client.get(again.headers["Location"]).get_data(as_text=True)
    assert without_nonce(result_two) == without_nonce(result_one)
    # Once closed, the take page leads to the result.
    assert client.get(f"/attempts/{attempt_id}/items/1").headers["Location"].endswith("/result")


def test_submit_ignores_client_scores(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    html = client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    client.post(
        f"/attempts/{attempt_id}/submit",
        data={"csrf_token": csrf_token_from(html), "confirm": "y", "score": "9", "passed": "1"},
    )
    attempt = db_session.get(Attempt, attempt_id)
    db_session.refresh(attempt)
    assert attempt.score == 0 and attempt.passed is False


def test_result_before_submitting_redirects_to_the_summary(client, login_as):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    response = client.get(f"/attempts/{attempt_id}/result")
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/summary")


@pytest.mark.parametrize("slug", ["score-exam", "correctness-exam", "types-exam"])
def test_exam_result_page_shows_topics_not_items_whatever_the_policy(
    app, client, login_as, db_session, slug
):
    login_as("trainee")
    attempt_id = start(client, slug)
    items = items_of(db_session, attempt_id)
    for item in items[:4]:
        answer_correctly(client, db_session, attempt_id, item)
    submit(client, attempt_id)
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "4 / 9" in html and "(44 %)" in html and "Not passed" in html  # 4 of 9 < 60 %
    assert "Pass mark" in html
    assert "Question 1" not in html and "Correct</p>" not in html
    assert 'data-testid="result-grid"' not in html and "data-review" not in html
    assert "Score by topic" in html and '<th scope="row">Alpha</th>' in html
    assert "4 / 9 (44 %)" in html
    assert_no_sentinel(html, f"result page of {slug}")
    for item in items:  # nor any page of one of its items, after submission
        page_html = client.get(f"/attempts/{attempt_id}/items/{item.position}").get_data(
            as_text=True
        )
        assert_no_sentinel(page_html, f"item page of {slug}")
    assert_no_sentinel(session_cookie_text(app, client), "session cookie")


def test_practice_result_page_shows_items_and_keys(app, client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-practice")
    items = items_of(db_session, attempt_id)
    for item in items[:4]:
        answer_correctly(client, db_session, attempt_id, item)
    submit(client, attempt_id)
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Question 1" in html and "Correct</p>" in html
    assert SENTINEL in html and "Explanation" in html and "References" in html
    # Practice shows everything: the grid and the breakdown by topic too.
    assert 'data-testid="result-grid"' in html and "Score by topic" in html


# ---------------------------------------------------------------- case scenarios


def test_case_steps_disclose_in_order_and_lock(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "case-exam")
    items = items_of(db_session, attempt_id)
    steps = [i for i in items if i.case_step is not None]
    assert [s.case_step for s in steps] == [1, 2]
    one, two = steps
    before = page(client, attempt_id, two.position)
    assert "STEPTWOSTEM" not in before and "DISCLOSEDLATER" not in before
    assert "opens once you have answered the step before it" in before
    assert 'name="choice"' not in before
    first = page(client, attempt_id, one.position)
    assert "A patient with neck pain." in first and "DISCLOSEDLATER" not in first
    # Answering step 2 first is refused.
    refused = client.post(
        f"/attempts/{attempt_id}/items/{two.position}",
        data={"csrf_token": csrf_token_from(first), "seq": "0", "choice": "x", "action": "next"},
    )
    assert refused.status_code in {302, 400, 409}
    assert items_of(db_session, attempt_id)[two.position - 1].response is None

    answer_correctly(client, db_session, attempt_id, one)
    after = page(client, attempt_id, two.position)
    assert "A patient with neck pain." in after  # the vignette stays visible
    assert after.index("DISCLOSEDLATER") < after.index("STEPTWOSTEM")
    # The earlier step is collapsed to a one-line summary that opens on demand.
    assert re.search(r'<details class="case-earlier" id="step-1">\s*<summary>', after)
    assert "Your answer:" in after
    assert_no_sentinel(after, "case step page (exam)")
    locked = page(client, attempt_id, one.position)
    assert "This step is answered and locked." in locked
    assert re.search(r'name="choice"[^>]*disabled', locked)


def test_case_practice_shows_feedback_after_each_step(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "case-practice")
    one = next(i for i in items_of(db_session, attempt_id) if i.case_step == 1)
    assert_no_sentinel(page(client, attempt_id, one.position), "case step before answering")
    answer_correctly(client, db_session, attempt_id, one, action="save")
    html = page(client, attempt_id, one.position)
    assert SENTINEL in html and "Explanation" in html


# ---------------------------------------------------------------- practice check


def test_practice_check_shows_feedback_at_once_and_locks(client, login_as, db_session):
    login_as("trainee")
    attempt_id = start(client, "types-practice")
    items = items_of(db_session, attempt_id)
    first = items[0]
    assert "Check answer" in page(client, attempt_id, 1)
    response = answer_correctly(client, db_session, attempt_id, first, action="check")
    assert response.headers["Location"].endswith(f"/items/{first.position}")
    html = page(client, attempt_id, first.position)
    assert "Correct</p>" in html and "Explanation" in html and "References" in html
    assert SENTINEL in html
    assert "Check answer" not in html
    assert items_of(db_session, attempt_id)[0].locked
    assert_no_sentinel(page(client, attempt_id, 2), "an unchecked practice question")


def test_exam_never_offers_check(client, login_as):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    assert "Check answer" not in page(client, attempt_id, 1)


# ---------------------------------------------------------------- someone else's attempt


def test_another_trainee_gets_404_everywhere_with_the_missing_body(
    app, client, login_as, db_session
):
    owner = app.test_client()
    user = factories.make_user("trainee")
    db_session.commit()
    assert login(owner, user.email).status_code == 302
    attempt_id = start(owner, "types-exam")
    html = page(owner, attempt_id, 1)
    login_as("trainee")  # another trainee
    missing = client.get("/attempts/999999/items/1")
    assert missing.status_code == 404
    token = csrf_token_from(client.get("/modules").get_data(as_text=True))
    for url in (
        f"/attempts/{attempt_id}",
        f"/attempts/{attempt_id}/items/1",
        f"/attempts/{attempt_id}/summary",
        f"/attempts/{attempt_id}/result",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        # Same page as a missing attempt (but for the per-response nonce and timed CSRF token).
        assert without_nonce(response.get_data(as_text=True)) == without_nonce(
            missing.get_data(as_text=True)
        ), url
    posts = {
        f"/attempts/{attempt_id}/items/1": {"seq": "0", "choice": "x", "action": "next"},
        f"/attempts/{attempt_id}/items/1/autosave": {"seq": "0", "text": "x"},
        f"/attempts/{attempt_id}/submit": {"confirm": "y"},
    }
    for url, data in posts.items():
        response = client.post(
            url, data={"csrf_token": token, **data}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 404, url
    attempt = db_session.get(Attempt, attempt_id)
    db_session.refresh(attempt)
    assert attempt.is_open
    assert all(i.response is None for i in items_of(db_session, attempt_id))
    assert html  # the owner's page rendered before


def test_take_page_query_count_does_not_grow_with_answers(
    client, login_as, db_session, count_queries
):
    login_as("trainee")
    attempt_id = start(client, "types-exam")
    page(client, attempt_id, 1)  # the worker reads the attempt's versions once (versions.py)
    with count_queries() as before:
        page(client, attempt_id, 1)
    for item in items_of(db_session, attempt_id)[1:]:
        answer_correctly(client, db_session, attempt_id, item, action="save")
    with count_queries() as after:
        page(client, attempt_id, 1)
    assert after.count == before.count


def test_timed_exam_prints_the_deadline_for_readers_without_javascript(
    client, login_as, db_session, frozen_clock
):
    login_as("trainee")
    attempt_id = start(client, "timed-exam")
    html = page(client, attempt_id, 1)
    deadline = frozen_clock.now + timedelta(minutes=30)
    assert f"{deadline:%-I:%M}" in html and "UTC</time>" in html  # no zone known: UTC, said
    assert f'data-now="{frozen_clock.now.isoformat()}"' in html
    # The trainee's zone (the browser's cookie here): the end time in local clock time.
    client.set_cookie("tz", "America/Toronto")
    html = page(client, attempt_id, 1)
    local = deadline.astimezone(ZoneInfo("America/Toronto"))
    shown = re.search(r"<time datetime=[^>]*>([^<]*)</time>", html)
    assert shown and shown.group(1).startswith(f"{local:%-I:%M}"), shown
    assert shown.group(1).endswith(local.tzname())
    assert f'data-now="{frozen_clock.now.isoformat()}"' in html
