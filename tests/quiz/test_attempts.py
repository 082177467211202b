"""Starting and saving: blueprint draw, shuffling, limits, cooldown, prerequisites, seq checks,
ownership (A1), edited questions, case steps."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
import yaml

from app.banks import models as bm
from app.banks.services import import_directory
from app.quiz import services
from app.quiz.models import Attempt, AttemptItem
from tests.quiz.bank import type_questions
from tests.quiz.helpers import key_of


def _keys_and_difficulty(db_session, attempt_id):
    rows = db_session.execute(
        sa.select(bm.Question.key, bm.QuestionVersion.difficulty, AttemptItem.case_step)
        .join(bm.QuestionVersion, bm.QuestionVersion.id == AttemptItem.question_version_id)
        .join(bm.Question, bm.Question.id == bm.QuestionVersion.question_id)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    ).all()
    return [(r.key, r.difficulty.value, r.case_step) for r in rows]


def test_draw_follows_the_blueprint_per_topic_and_difficulty(bank, trainee, db_session):
    attempt = trainee.start("beta-exam").json
    drawn = _keys_and_difficulty(db_session, attempt["id"])
    assert sorted(d for _, d, _ in drawn) == ["easy", "easy", "hard"]
    assert all(key.startswith("beta-") for key, _, _ in drawn)


def test_unseen_questions_are_preferred(bank, trainee, db_session):
    seen_hard: list[str] = []
    seen_easy: set[str] = set()
    for _ in range(3):
        attempt = trainee.start("beta-exam").json
        drawn = _keys_and_difficulty(db_session, attempt["id"])
        hard = [k for k, d, _ in drawn if d == "hard"]
        easy = {k for k, d, _ in drawn if d == "easy"}
        assert hard[0] not in seen_hard  # three hard questions, one per attempt: all different
        seen_hard += hard
        if len(seen_easy) == 2:
            assert easy - seen_easy, "the unseen easy question must be drawn second time"
        seen_easy |= easy
        assert trainee.submit(attempt["id"]).status_code == 200
    assert len(set(seen_hard)) == 3


def test_practice_modules_draw_practice_items_and_exams_exam_items(bank, trainee, db_session):
    practice = trainee.start("beta-practice").json
    keys = {k for k, _, _ in _keys_and_difficulty(db_session, practice["id"])}
    assert keys == {f"beta-p-easy-{i}" for i in range(4)}  # 4 easy drawn from the 4 practice
    trainee.submit(practice["id"])
    for _ in range(4):
        attempt = trainee.start("beta-exam").json
        keys = {k for k, _, _ in _keys_and_difficulty(db_session, attempt["id"])}
        assert keys and not any(k.startswith("beta-p-") for k in keys)
        trainee.submit(attempt["id"])


def test_cases_are_drawn_as_whole_units_in_step_order(bank, trainee, db_session):
    attempt = trainee.start("case-exam").json
    drawn = _keys_and_difficulty(db_session, attempt["id"])
    assert len(drawn) == 3
    steps = [(k, s) for k, _, s in drawn if s is not None]
    assert steps == [("case-s1", 1), ("case-s2", 2)]
    positions = [i["position"] for i in attempt["items"] if "case" in i]
    assert positions[1] == positions[0] + 1


def test_option_order_is_shuffled_and_opaque_ids_differ_between_attempts(bank, trainee, db_session):
    def display(seed: int):
        attempt = services.start_attempt(
            db_session,
            trainee.user,
            db_session.scalar(sa.select(bm.Module).where(bm.Module.slug == "types-practice")),
            random.Random(seed),
        )
        by_key = {i.question_version.as_question().key: i.display for i in attempt.items}
        services.submit_attempt(db_session, trainee.user, attempt.id)
        return by_key

    shown = [display(seed) for seed in range(6)]
    orders = {tuple(real for _, real in d["p-sc"]["options"]) for d in shown}
    assert len(orders) > 1, "single-choice options are shuffled per attempt"
    for d in shown:  # an ordering question is never shown in its key order
        assert [real for _, real in d["p-or"]["options"]] != ["i1", "i2", "i3", "i4"]
    opaque = [{o for o, _ in d["p-sc"]["options"]} for d in shown]
    assert not opaque[0] & opaque[1]
    assert all("zzkeyzz" not in o for ids in opaque for o in ids)


def test_opaque_option_ids_differ_between_api_attempts(bank, trainee):
    first = trainee.start("types-practice").json
    trainee.submit(first["id"])
    second = trainee.start("types-practice").json
    ids = [
        {o["id"] for i in a["items"] if i["type"] != "true_false" for o in i.get("options", [])}
        for a in (first, second)
    ]
    assert len(ids[0]) == len(ids[1]) == 3 + 4 + 5 + 4  # choice, ordering and matching options
    assert not ids[0] & ids[1]


def test_one_open_attempt_per_trainee_and_module(bank, trainee, db_session):
    first = trainee.start("limited-exam")
    second = trainee.start("limited-exam")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"]
    count = db_session.scalar(
        sa.select(sa.func.count()).select_from(Attempt).where(Attempt.user_id == trainee.user.id)
    )
    assert count == 1


def test_attempt_limit_and_cooldown_are_enforced(bank, trainee, frozen_clock):
    first = trainee.start("limited-exam").json
    trainee.submit(first["id"])  # unanswered: failed
    blocked = trainee.start("limited-exam")
    assert blocked.status_code == 409
    assert blocked.json["error"]["code"] == "cooldown_active"
    modules = {m["slug"]: m for m in trainee.get("/api/v1/modules").json}
    assert modules["limited-exam"]["cooldown_until"].startswith("2026-01-16T09:00:00")
    assert modules["limited-exam"]["attempts_left"] == 1

    frozen_clock.advance(hours=24, seconds=1)
    second = trainee.start("limited-exam")
    assert second.status_code == 201
    trainee.submit(second.json["id"])
    frozen_clock.advance(hours=48)
    refused = trainee.start("limited-exam")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "attempt_limit_reached"


def test_prerequisites_lock_the_module_with_the_reason(bank, trainee, db_session):
    refused = trainee.start("locked-exam")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "module_locked"
    assert "Module beta-exam" in refused.json["error"]["message"]

    attempt = trainee.start("beta-exam").json
    for item in attempt["items"]:
        trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    assert trainee.submit(attempt["id"]).json["passed"] is True
    assert trainee.start("locked-exam").status_code == 201


def test_stale_seq_is_refused_without_overwriting(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    item = next(i for i in attempt["items"] if i["type"] == "numeric")
    assert trainee.save(attempt["id"], item["id"], {"value": 20}, 0).json["seq"] == 1
    stale = trainee.save(attempt["id"], item["id"], {"value": 99}, 0)
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "stale_save"
    ahead = trainee.save(attempt["id"], item["id"], {"value": 99}, 5)
    assert ahead.status_code == 409
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.response == {"value": 20.0} and row.seq == 1
    assert trainee.save(attempt["id"], item["id"], {"value": 21}, 1).json["seq"] == 2


def test_replaying_the_same_save_three_times_makes_one_change(bank, trainee, db_session):
    attempt = trainee.start("types-exam").json
    item = next(i for i in attempt["items"] if i["type"] == "numeric")
    replies = [trainee.save(attempt["id"], item["id"], {"value": 20}, 0) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert [r.json["seq"] for r in replies] == [1, 1, 1]
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.seq == 1 and row.response == {"value": 20.0}


def test_another_trainees_attempt_is_a_404_like_a_missing_one(bank, make_trainee, db_session):
    owner, other = make_trainee(), make_trainee()
    attempt = owner.start("types-exam").json
    item = attempt["items"][0]
    owner.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    missing = 10_000_000

    for attempt_id in (attempt["id"], missing):
        view = other.attempt(attempt_id)
        save = other.save(attempt_id, item["id"], None, 1)
        submit = other.submit(attempt_id)
        for response in (view, save, submit):
            assert response.status_code == 404
            assert response.json == {
                "error": {"code": "attempt_not_found", "message": "No such attempt."}
            }
    row = db_session.get(Attempt, attempt["id"])
    db_session.refresh(row)
    assert row.status.value == "in_progress" and row.score is None
    saved = db_session.get(AttemptItem, item["id"])
    db_session.refresh(saved)
    assert saved.seq == 1 and saved.response is not None


def test_an_edited_question_does_not_change_an_attempt_in_progress(
    bank, trainee, db_session, tmp_path
):
    attempt = trainee.start("types-exam").json
    item = next(i for i in attempt["items"] if i["type"] == "single_choice")
    old_key = key_of(db_session, item["id"])

    edited = next(q for q in type_questions() if q["key"] == "sc")
    edited["stem"] = "Edited stem EDITEDSTEM?"
    for option in edited["options"]:
        option["correct"] = option["id"] == "o1"  # the key moves to another option
    folder = tmp_path / "edit"
    folder.mkdir()
    (folder / "alpha.yaml").write_text(yaml.safe_dump({"topic": "alpha", "questions": [edited]}))
    report = import_directory(db_session, folder)
    db_session.commit()
    assert "question sc" in report.updated

    view = trainee.attempt(attempt["id"]).json
    shown = next(i for i in view["items"] if i["id"] == item["id"])
    assert shown["stem_html"] == item["stem_html"]
    assert "EDITEDSTEM" not in str(view)
    trainee.save(attempt["id"], item["id"], old_key, 0)
    result = trainee.submit(attempt["id"]).json
    assert result["score"] == 1.0  # graded with the key the trainee was shown

    fresh = trainee.start("types-exam").json
    assert "EDITEDSTEM" in str(fresh)


def test_case_steps_disclose_one_at_a_time_and_lock_once_answered(bank, trainee, db_session):
    attempt = trainee.start("case-exam").json
    steps = [i for i in attempt["items"] if "case" in i]
    first, second = steps
    assert first["case"]["vignette_html"] == "<p>A patient with neck pain.</p>\n"
    assert second["hidden"] is True
    assert "stem_html" not in second and "options" not in second
    assert second["case"]["vignette_html"] and "disclosure_html" not in second["case"]
    text = str(attempt)
    assert "DISCLOSEDLATER" not in text and "STEPTWOSTEM" not in text

    early = trainee.save(attempt["id"], second["id"], key_of(db_session, second["id"]), 0)
    assert early.status_code == 409
    assert early.json["error"]["code"] == "step_locked"

    answered = trainee.save(attempt["id"], first["id"], key_of(db_session, first["id"]), 0)
    assert answered.status_code == 200 and answered.json["locked"] is True
    assert "feedback" not in answered.json  # exam: nothing until submitted
    relock = trainee.save(attempt["id"], first["id"], None, 1)
    assert relock.status_code == 409
    assert relock.json["error"]["code"] == "step_locked"

    view = trainee.attempt(attempt["id"]).json
    second = next(i for i in view["items"] if i["id"] == second["id"])
    assert "hidden" not in second
    assert "STEPTWOSTEM" in second["stem_html"]
    assert "DISCLOSEDLATER" in second["case"]["disclosure_html"]
    assert "ZZKEYZZ" not in str(view)


def test_deadline_is_set_by_the_server_only_for_timed_exams(bank, trainee, frozen_clock):
    attempt = trainee.start("timed-exam").json
    assert attempt["deadline"] is not None
    expected = frozen_clock.now + timedelta(minutes=30)
    assert attempt["deadline"].startswith(expected.strftime("%Y-%m-%dT%H:%M:%S"))
