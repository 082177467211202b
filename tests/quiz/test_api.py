"""The quiz JSON API: shapes, every question type scored through it, errors, auth, review."""

from __future__ import annotations

import math

import pytest
from openapi_spec_validator import validate

from app.quiz.display import to_display
from app.quiz.models import Attempt, AttemptItem
from tests.conftest import csrf_token_from
from tests.quiz.helpers import key_of, question_of

TYPES = {
    "single_choice",
    "multiple_response",
    "true_false",
    "matching",
    "ordering",
    "numeric",
    "hotspot",
    "short_answer",
    "script_concordance",
}


def _by_type(attempt_json):
    return {item["type"]: item for item in attempt_json["items"]}


def _opaque(db_session, item_id, canonical):
    item = db_session.get(AttemptItem, item_id)
    return to_display(question_of(db_session, item_id), item.display, canonical)


def _region_id(db_session, item_id, real):
    item = db_session.get(AttemptItem, item_id)
    return {r: o for o, r in item.display["regions"]}[real]


def test_openapi_document_lists_the_quiz_endpoints_and_stays_valid(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    for path in (
        "/api/v1/modules",
        "/api/v1/modules/{slug}/attempts",
        "/api/v1/attempts/{attempt_id}",
        "/api/v1/attempts/{attempt_id}/items/{item_id}",
        "/api/v1/attempts/{attempt_id}/submit",
    ):
        assert path in spec["paths"], path
    start = spec["paths"]["/api/v1/modules/{slug}/attempts"]["post"]["responses"]
    assert {"200", "201"} <= set(start)


def test_modules_list_shows_state_per_module(bank, trainee):
    response = trainee.get("/api/v1/modules")
    assert response.status_code == 200
    modules = {m["slug"]: m for m in response.json}
    limited = modules["limited-exam"]
    assert limited["mode"] == "exam"
    assert limited["length"] == 1
    assert limited["attempt_limit"] == 2
    assert limited["attempts_used"] == 0
    assert limited["attempts_left"] == 2
    assert limited["cooldown_until"] is None
    assert limited["best_percent"] is None
    assert modules["timed-exam"]["time_limit_minutes"] == 30
    assert modules["types-practice"]["attempts_left"] is None
    assert "beta-exam" in modules["locked-exam"]["locked_reason"].lower()
    assert modules["beta-exam"]["locked_reason"] is None


def test_modules_list_needs_authentication(client, bank):
    response = client.get("/api/v1/modules")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_start_returns_201_with_items_and_resume_returns_200_with_the_same(bank, trainee):
    first = trainee.start("types-exam")
    assert first.status_code == 201
    body = first.json
    assert body["status"] == "in_progress"
    assert body["deadline"] is None
    assert [i["position"] for i in body["items"]] == list(range(1, 10))
    assert {i["type"] for i in body["items"]} == TYPES
    for item in body["items"]:
        assert item["seq"] == 0
        assert item["stem_html"].startswith("<p>")
    items = _by_type(body)
    for kind in ("single_choice", "multiple_response", "ordering", "matching", "true_false"):
        assert all(set(o) == {"id", "html"} for o in items[kind]["options"]), kind
    assert len(items["matching"]["premises"]) == 4
    assert len(items["matching"]["options"]) == 5
    assert items["numeric"]["unit"] == "mm"
    assert items["hotspot"]["image_url"].startswith("/media/")
    assert {r["label"] for r in items["hotspot"]["regions"]} == {"Left half", "Right half"}
    sct = items["script_concordance"]
    assert sct["hypothesis_html"] and sct["new_information_html"]
    assert [p["value"] for p in sct["scale"]] == [-2, -1, 0, 1, 2]

    again = trainee.start("types-exam")
    assert again.status_code == 200
    assert again.json["id"] == body["id"]
    assert [i["id"] for i in again.json["items"]] == [i["id"] for i in body["items"]]


@pytest.mark.parametrize(
    "slug",
    ["types-exam", "types-practice", "timed-exam", "score-exam", "case-exam", "case-practice"],
)
def test_a_new_attempt_is_shown_exactly_as_it_reads_back(bank, trainee, slug, count_queries):
    """The start answers with the attempt as it wrote it (services.detach_started), not read
    back; only an attempt with case steps is read back. Either way: what a read gives."""
    with count_queries() as start:
        started = trainee.start(slug)
    assert started.status_code == 201
    assert started.json == trainee.attempt(started.json["id"]).json
    read_back = [s for s in start.statements if s.lstrip().startswith("SELECT attempt_items.")]
    assert bool(read_back) == slug.startswith("case-")


def test_timed_exam_gets_a_server_deadline(bank, trainee, frozen_clock):
    body = trainee.start("timed-exam").json
    assert body["deadline"].startswith("2026-01-15T09:30:00")
    assert body["grace_seconds"] == 60


def test_unknown_module_is_a_404_envelope(bank, trainee):
    response = trainee.start("no-such-module")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "module_not_found", "message": "No such module."}}


def test_each_question_type_scores_by_the_rules(bank, trainee, db_session):
    # The practice twins of the nine types: their review shows each item's score.
    attempt = trainee.start("types-practice").json
    items = _by_type(attempt)

    def canonical(kind, response):
        return _opaque(db_session, items[kind]["id"], response)

    answers = {
        "single_choice": (canonical("single_choice", {"choice": "o1"}), 0.0),
        "multiple_response": (
            canonical("multiple_response", {"choices": ["zzkeyzz", "ok1", "o2"]}),
            0.5,
        ),
        "true_false": ({"value": False}, 0.0),
        "matching": (
            canonical("matching", {"pairs": {"p1": "m1", "p2": "m2", "p3": "m4", "p4": "m5"}}),
            0.5,
        ),
        "ordering": (canonical("ordering", {"order": ["i1", "i2", "i4", "i3"]}), 0.5),
        "numeric": ({"value": 21.5}, 1.0),
        "hotspot": ({"region": _region_id(db_session, items["hotspot"]["id"], "zzkeyzz")}, 1.0),
        "short_answer": ({"text": "  ltr "}, 1.0),
        "script_concordance": ({"value": 0}, 2 / 6),
    }
    for kind, (response, _) in answers.items():
        item = items[kind]
        saved = trainee.save(attempt["id"], item["id"], response, item["seq"])
        assert saved.status_code == 200, (kind, saved.json)
        assert saved.json["seq"] == 1
    result = trainee.submit(attempt["id"]).json
    expected = sum(points for _, points in answers.values())
    assert math.isclose(result["score"], expected, abs_tol=1e-6)
    assert result["max_score"] == 9
    assert result["percent"] == round(100 * expected / 9, 2)
    assert result["passed"] is False  # 53.7 % < 60 %

    review = _by_type(trainee.attempt(attempt["id"]).json)
    for kind, (_, points) in answers.items():
        assert math.isclose(review[kind]["feedback"]["score"], points), kind


def test_the_key_of_every_type_scores_full_marks(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    for item in attempt["items"]:
        saved = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
        assert saved.status_code == 200, saved.json
    result = trainee.submit(attempt["id"]).json
    assert result == {
        "score": 9.0,
        "max_score": 9.0,
        "percent": 100.0,
        "passed": True,
        "status": "submitted",
        "submitted_at": result["submitted_at"],
    }


def test_hotspot_point_inside_and_outside_the_correct_region(bank, trainee):
    attempt = trainee.start("types-practice").json
    item = _by_type(attempt)["hotspot"]
    inside = trainee.save(attempt["id"], item["id"], {"point": {"x": 0.25, "y": 0.5}}, 0)
    assert inside.status_code == 200
    checked = trainee.save(
        attempt["id"], item["id"], {"point": {"x": 0.75, "y": 0.5}}, 1, check=True
    )
    assert checked.json["feedback"]["correct"] is False


MALFORMED = {
    "single_choice": ({"choice": "not-an-option"}, "response.choice"),
    "multiple_response": ({"choices": "abc"}, "response.choices"),
    "true_false": ({"value": "yes"}, "response.value"),
    "matching": ({"pairs": {"nope": "x"}}, "response.pairs"),
    "ordering": ({"order": ["x"]}, "response.order"),
    "numeric": ({"value": "twenty"}, "response.value"),
    "hotspot": ({"point": {"x": 2, "y": 0.5}}, "response.point"),
    "short_answer": ({"text": 42}, "response.text"),
    "script_concordance": ({"value": 3}, "response.value"),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_response_is_a_400_naming_the_field_and_saves_nothing(
    bank, trainee, db_session, kind
):
    attempt = trainee.start("types-exam").json
    item = _by_type(attempt)[kind]
    response, field = MALFORMED[kind]
    refused = trainee.save(attempt["id"], item["id"], response, 0)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "invalid_response"
    assert field in refused.json["error"]["message"]
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.response is None and row.seq == 0


def test_missing_seq_or_non_object_response_is_a_400_naming_the_field(bank, trainee):
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    url = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}"
    missing = trainee.put(url, json={"response": {"value": 1}})
    assert missing.status_code == 400
    assert "seq" in missing.json["error"]["message"]
    not_object = trainee.save(attempt["id"], item["id"], ["a"], 0)
    assert not_object.status_code == 400
    assert "response" in not_object.json["error"]["message"]
    text_seq = trainee.put(url, json={"response": None, "seq": "0"})
    assert text_seq.status_code == 400
    assert "seq" in text_seq.json["error"]["message"]


def test_client_supplied_scores_are_ignored(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    saved = trainee.save(
        attempt["id"], item["id"], None, 0, score=100, is_correct=True, max_score=1
    )
    assert saved.status_code == 200
    result = trainee.submit(
        attempt["id"], json={"score": 9, "passed": True, "percent": 100, "time_spent": 1}
    ).json
    assert result["score"] == 0.0 and result["passed"] is False
    row = db_session.get(Attempt, attempt["id"])
    db_session.refresh(row)
    assert row.score == 0.0 and row.passed is False


def test_repeated_submit_returns_the_same_result(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    first = trainee.submit(attempt["id"])
    second = trainee.submit(attempt["id"])
    assert first.status_code == second.status_code == 200
    assert first.json == second.json
    assert first.json["score"] == 1.0


def test_save_after_submit_is_a_409_attempt_closed(bank, trainee):
    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    trainee.submit(attempt["id"])
    refused = trainee.save(attempt["id"], item["id"], None, 0)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "attempt_closed"


def test_practice_check_locks_the_answer_and_returns_feedback(bank, trainee, db_session):
    attempt = trainee.start("types-practice").json
    item = _by_type(attempt)["single_choice"]
    plain = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    assert "feedback" not in plain.json
    checked = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 1, check=True)
    assert checked.status_code == 200
    feedback = checked.json["feedback"]
    assert feedback["correct"] is True
    assert feedback["key"] == key_of(db_session, item["id"])
    assert "ZZKEYZZ" in feedback["explanation_html"]
    assert feedback["references"]
    assert checked.json["locked"] is True
    again = trainee.save(attempt["id"], item["id"], None, 2)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "item_locked"
    view = _by_type(trainee.attempt(attempt["id"]).json)
    assert view["single_choice"]["feedback"]["correct"] is True
    assert "feedback" not in view["true_false"]


def test_exam_check_does_not_lock_or_reveal(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    item = _by_type(attempt)["single_choice"]
    saved = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0, check=True)
    assert saved.status_code == 200
    assert saved.json["locked"] is False
    assert "feedback" not in saved.json


@pytest.mark.parametrize("slug", ["score-exam", "correctness-exam", "types-exam"])
def test_exam_review_shows_results_by_topic_never_the_items_whatever_the_policy(
    bank, trainee, db_session, slug
):
    attempt = trainee.start(slug).json
    item = attempt["items"][0]
    trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    trainee.submit(attempt["id"])
    review = trainee.attempt(attempt["id"]).json
    assert review["status"] == "submitted"
    assert review["result"]["score"] == 1.0
    assert all("result" not in i and "feedback" not in i for i in review["items"])
    assert review["result"]["by_topic"] == [
        {"topic": "alpha", "title": "Alpha", "score": 1.0, "max_score": 9.0}
    ]
    assert "ZZKEYZZ" not in str(review)


def test_practice_review_after_submission_shows_keys(bank, trainee, db_session):
    attempt = trainee.start("types-practice").json
    item = attempt["items"][0]
    trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    trainee.submit(attempt["id"])
    review = trainee.attempt(attempt["id"]).json
    assert all("feedback" in i for i in review["items"])
    assert "by_topic" not in review["result"]
    assert "ZZKEYZZ" in str(review)


def test_session_cookie_requests_need_the_csrf_header(bank, client, login_as):
    login_as("trainee")
    refused = client.post("/api/v1/modules/types-exam/attempts")
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "csrf_failed"
    token = csrf_token_from(client.get("/profile").text)
    headers = {"X-CSRFToken": token}
    started = client.post("/api/v1/modules/types-exam/attempts", headers=headers)
    assert started.status_code == 201
    attempt = started.json
    item = attempt["items"][0]
    url = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}"
    assert client.put(url, json={"response": None, "seq": 0}).status_code == 400
    saved = client.put(url, json={"response": None, "seq": 0}, headers=headers)
    assert saved.status_code == 200
    assert client.get(f"/api/v1/attempts/{attempt['id']}").status_code == 200
    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    assert submitted.status_code == 200


def test_submit_answers_the_attempt_as_stored_with_each_item_scored(bank, trainee, db_session):
    """The submit answers from the attempt it graded, without reading it back: the answer
    equals the attempt the database keeps, and each item keeps its own score, summed in the
    attempt's (scores written in one statement: ``services._score_items``)."""
    from app.quiz import scoring

    attempt = trainee.start("types-exam").json
    items = attempt["items"]
    for item in items[::2]:
        saved = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
        assert saved.status_code == 200
    result = trainee.submit(attempt["id"])
    assert result.status_code == 200
    db_session.expire_all()
    row = db_session.get(Attempt, attempt["id"])
    stored = {
        "score": row.score,
        "max_score": row.max_score,
        "percent": row.percent,
        "passed": row.passed,
        "status": row.status.value,
    }
    assert {k: result.json[k] for k in stored} == stored
    assert result.json["submitted_at"] == trainee.attempt(attempt["id"]).json["submitted_at"]
    scored = db_session.query(AttemptItem).filter_by(attempt_id=attempt["id"]).all()
    assert len(scored) == len(items) > 1
    for item in scored:
        expected = scoring.score(item.question_version.as_question(), item.response).score
        assert item.score == expected
    assert sum(item.score for item in scored) > 0
    assert math.isclose(sum(item.score for item in scored), row.score)


def test_grading_gives_the_items_a_session_holds_their_new_score(bank, trainee, db_session):
    """The scores go to the database in one statement, not through the ORM: the items the
    grading session already holds get theirs too (the attempt page closing an expired
    attempt holds them)."""
    from app.quiz import scoring, services

    attempt = trainee.start("types-exam").json
    first = attempt["items"][0]
    assert trainee.save(attempt["id"], first["id"], key_of(db_session, first["id"]), 0).json
    db_session.expire_all()
    held = db_session.query(AttemptItem).filter_by(attempt_id=attempt["id"]).all()
    assert all(item.score is None for item in held)
    questions = [item.question_version.as_question() for item in held]
    services.submit_attempt(db_session, trainee.user, attempt["id"])
    scores = [item.score for item in held]  # before the commit, which would reload them
    db_session.commit()
    assert scores == [
        scoring.score(question, item.response).score
        for question, item in zip(questions, held, strict=True)
    ]
    assert sum(scores) == 1.0


def test_a_save_builds_no_schema_per_request(bank, trainee, monkeypatch):
    """The request body's schema is an instance made once (``@blp.arguments(SaveIn())``): given
    the class, webargs made one per request (about 20 µs, and garbage only a collection frees)."""
    import marshmallow

    attempt = trainee.start("types-exam").json
    item = attempt["items"][0]
    assert trainee.save(attempt["id"], item["id"], None, 0).status_code == 200
    made = []
    original = marshmallow.Schema.__init__

    def counting(self, *args, **kwargs):
        made.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "__init__", counting)
    saved = trainee.save(attempt["id"], item["id"], None, 1)
    assert saved.status_code == 200, saved.json
    assert made == []
