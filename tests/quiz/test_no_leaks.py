"""A2: the sentinel planted in keys, feedback, explanations and references (tests/quiz/bank.py)
appears nowhere a trainee receives before the review policy allows it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import csrf_token_from
from tests.quiz.bank import SENTINEL
from tests.quiz.helpers import key_of


def _leaks(*responses) -> list[str]:
    found = []
    for response in responses:
        text = response.get_data(as_text=True)
        if SENTINEL.lower() in text.lower():
            found.append(f"{response.request.method} {response.request.path}: {text[:300]}")
        for name, value in response.headers.items():
            if SENTINEL.lower() in value.lower():
                found.append(f"header {name}")
    return found


def _right_answer(db_session, item):
    """A full-marks answer; for short answers the other accepted one, since echoing a typed
    answer back to its author is no leak."""
    if item["type"] == "short_answer":
        return {"text": "LTR"}
    return key_of(db_session, item["id"])


def _answer_everything(trainee, attempt, db_session):
    """Answer every item with full marks (case steps in order), collecting the responses."""
    responses = []
    for item in attempt["items"]:
        responses.append(
            trainee.save(attempt["id"], item["id"], _right_answer(db_session, item), 0)
        )
        responses.append(trainee.attempt(attempt["id"]))
    return responses


@pytest.mark.parametrize("slug", ["types-exam", "case-exam", "score-exam", "correctness-exam"])
def test_exam_sends_no_key_before_submission(bank, trainee, db_session, slug):
    listing = trainee.get("/api/v1/modules")
    started = trainee.start(slug)
    resumed = trainee.start(slug)
    responses = [listing, started, resumed]
    responses += _answer_everything(trainee, started.json, db_session)
    assert all(r.status_code == 200 for r in responses[3:])
    assert not _leaks(*responses)

    submitted = trainee.submit(started.json["id"])
    review = trainee.attempt(started.json["id"])
    # Exam items are secure: not even a review policy "full" shows their keys afterwards.
    assert not _leaks(submitted, review)


def test_practice_sends_no_key_before_an_item_is_checked(bank, trainee, db_session):
    started = trainee.start("types-practice")
    attempt = started.json
    responses = [started]
    for item in attempt["items"]:
        responses.append(
            trainee.save(attempt["id"], item["id"], _right_answer(db_session, item), 0)
        )
    responses.append(trainee.attempt(attempt["id"]))
    assert not _leaks(*responses)
    first = next(i for i in attempt["items"] if i["type"] != "short_answer")
    checked = trainee.save(
        attempt["id"], first["id"], key_of(db_session, first["id"]), 1, check=True
    )
    assert _leaks(checked)
    view = trainee.attempt(attempt["id"]).json
    others = [i for i in view["items"] if i["id"] != first["id"]]
    assert SENTINEL.lower() not in json.dumps(others).lower()


def test_practice_case_step_shows_feedback_only_once_answered(bank, trainee, db_session):
    attempt = trainee.start("case-practice").json
    assert not _leaks(trainee.attempt(attempt["id"]))
    step = next(i for i in attempt["items"] if i.get("case", {}).get("step") == 1)
    trainee.save(attempt["id"], step["id"], key_of(db_session, step["id"]), 0)
    view = trainee.attempt(attempt["id"]).json
    shown = {i["id"]: i for i in view["items"]}
    assert "feedback" in shown[step["id"]]
    others = [i for i in view["items"] if i["id"] != step["id"]]
    assert SENTINEL.lower() not in json.dumps(others).lower()


def test_browser_session_cookie_carries_no_key(app, bank, client, login_as, db_session):
    login_as("trainee")
    headers = {"X-CSRFToken": csrf_token_from(client.get("/profile").text)}
    started = client.post("/api/v1/modules/types-exam/attempts", headers=headers)
    attempt = started.json
    responses = [started]
    for item in attempt["items"]:
        url = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}"
        body = {"response": _right_answer(db_session, item), "seq": 0}
        responses.append(client.put(url, json=body, headers=headers))
    responses.append(client.get(f"/api/v1/attempts/{attempt['id']}"))
    assert not _leaks(*responses)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    decoded = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert SENTINEL.lower() not in json.dumps(decoded, default=str).lower()
