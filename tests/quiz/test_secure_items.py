"""Issue 12, secure exam items: an item is ``use: practice`` or ``use: exam``, never both.

Exam items are never drawn where practice happens and never reach a trainee with their key,
not even in the review after the exam; practice modules draw practice items only; the draw
prefers the least exposed items; the bank format, the lint and the exporter say ``use``."""

from __future__ import annotations

import sqlalchemy as sa
import yaml

from app.banks import models as bm
from app.banks.lint import lint_bank
from app.banks.loader import load_text
from app.banks.services import export_bank
from app.quiz.models import AttemptItem
from app.quiz.queries import exposure_counts
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.quiz.bank import SENTINEL, _case, _choice_options, _module, _q
from tests.quiz.test_no_leaks import _right_answer


def _uses(db_session, attempt_id: int) -> set[str]:
    return set(
        db_session.scalars(
            sa.select(bm.QuestionVersion.use)
            .join(AttemptItem, AttemptItem.question_version_id == bm.QuestionVersion.id)
            .where(AttemptItem.attempt_id == attempt_id)
        )
    )


# ---------------------------------------------------------------- the draw


def test_practice_modules_never_draw_an_exam_item_and_exams_never_a_practice_one(
    bank, trainee, db_session
):
    for _ in range(8):
        for slug, use in (
            ("types-practice", "practice"),
            ("beta-practice", "practice"),
            ("case-practice", "practice"),
            ("types-exam", "exam"),
            ("beta-exam", "exam"),
            ("case-exam", "exam"),
        ):
            attempt = trainee.start(slug).json
            assert {u.value for u in _uses(db_session, attempt["id"])} == {use}, slug
            assert trainee.submit(attempt["id"]).status_code == 200


def test_a_case_shares_its_use_with_its_steps(bank, db_session):
    steps = dict(
        db_session.execute(
            sa.select(bm.Question.key, bm.QuestionVersion.use)
            .join(bm.QuestionVersion, bm.QuestionVersion.id == bm.Question.current_version_id)
            .where(bm.Question.case_id.is_not(None))
        ).all()
    )
    assert {k: v.value for k, v in steps.items()} == {
        "case-s1": "exam",
        "case-s2": "exam",
        "pcase-s1": "practice",
        "pcase-s2": "practice",
    }


def test_exposure_counts_distinct_trainees_and_the_draw_prefers_the_least_exposed(
    app, bank, db_session
):
    hard = {f"beta-{i}" for i in ("hard-0", "hard-1", "hard-2")}

    def hard_drawn(attempt_id: int) -> str:
        keys = db_session.scalars(
            sa.select(bm.Question.key)
            .join(bm.QuestionVersion, bm.QuestionVersion.question_id == bm.Question.id)
            .join(AttemptItem, AttemptItem.question_version_id == bm.QuestionVersion.id)
            .where(AttemptItem.attempt_id == attempt_id)
        )
        (key,) = set(keys) & hard
        return key

    drawn = []
    for _ in range(3):  # three trainees, one hard question each: all three are served once
        user = factories.make_user("trainee")
        issued = factories.make_token(user)
        db_session.commit()
        headers = {"Authorization": f"Bearer {issued.secret}"}
        started = app.test_client().post("/api/v1/modules/beta-exam/attempts", headers=headers)
        assert started.status_code == 201
        drawn.append(hard_drawn(started.json["id"]))
    assert sorted(drawn) == sorted(hard)
    ids = dict(db_session.execute(sa.select(bm.Question.key, bm.Question.id)).all())
    counts = exposure_counts(db_session, {ids[k] for k in hard})
    assert counts == {ids[k]: 1 for k in hard}
    # The same trainee served twice counts once.
    easy = exposure_counts(db_session, {ids[f"beta-easy-{i}"] for i in range(3)})
    assert sum(easy.values()) == 6 and max(easy.values()) <= 3


# ---------------------------------------------------------------- no key, ever


def _start_html(client, slug: str) -> int:
    token = csrf_token_from(client.get(f"/modules/{slug}").get_data(as_text=True))
    response = client.post(f"/modules/{slug}/start", data={"csrf_token": token})
    assert response.status_code == 302
    return int(response.headers["Location"].split("/attempts/")[1].split("/")[0])


def test_no_key_of_an_exam_item_reaches_the_trainee_after_submission(app, bank, db_session):
    """Every page and API response a trainee can fetch after submitting exams whose review
    policy is "full": no key text, no correct-option id, no feedback, no explanation."""
    user = factories.make_user("trainee")
    issued = factories.make_token(user)
    db_session.commit()
    browser = app.test_client()
    login(browser, user.email)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {issued.secret}"}
    fetched = []
    for slug in ("types-exam", "case-exam"):
        attempt_id = _start_html(browser, slug)
        items = api.get(f"/api/v1/attempts/{attempt_id}", headers=headers).json["items"]
        for item in items:  # the right answer to each (case steps in order)
            body = {"response": _right_answer(db_session, item), "seq": 0}
            url = f"/api/v1/attempts/{attempt_id}/items/{item['id']}"
            assert api.put(url, json=body, headers=headers).status_code == 200
        fetched.append(api.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers))
        fetched.append(api.get(f"/api/v1/attempts/{attempt_id}", headers=headers))
        for path in [
            f"/attempts/{attempt_id}/result",
            f"/attempts/{attempt_id}/summary",
            *(f"/attempts/{attempt_id}/items/{n}" for n in range(1, len(items) + 1)),
            f"/modules/{slug}",
        ]:
            fetched.append(browser.get(path))
    for path in ("/modules", "/dashboard", "/", "/api/v1/modules", "/api/v1/me/progress"):
        fetched.append(browser.get(path) if not path.startswith("/api") else api.get(path))
        if path.startswith("/api"):
            fetched[-1] = api.get(path, headers=headers)
    assert all(r.status_code < 500 for r in fetched)
    leaks = [
        f"{r.request.path}" for r in fetched if SENTINEL.lower() in r.get_data(as_text=True).lower()
    ]
    assert leaks == []
    review = fetched[1].json  # the API review of types-exam: all right, shown by topic only
    assert review["result"]["by_topic"] == [
        {"topic": "alpha", "title": "Alpha", "score": 9.0, "max_score": 9.0}
    ]
    assert all("feedback" not in i and "result" not in i for i in review["items"])


def test_by_objective_breakdown_names_the_objective(trainee, db_session, tmp_path):
    from tests.quiz.bank import build_bank

    objective = {"id": "obj-one", "text": "Objective one text", "competency": "technique"}
    questions = [
        _q(f"ob-{i}", "single_choice", objective="obj-one", options=_choice_options([True, False]))
        for i in range(2)
    ]
    module = _module("obj-exam", "exam", [{"topic": "alpha", "count": 11}])
    module["objectives"] = [objective]
    build_bank(db_session, tmp_path / "bank", modules=[module], extra_questions=questions)
    db_session.commit()
    attempt = trainee.start("obj-exam").json
    trainee.submit(attempt["id"])
    result = trainee.attempt(attempt["id"]).json["result"]
    assert result["by_objective"] == [
        {"objective": "obj-one", "text": "Objective one text", "score": 0.0, "max_score": 2.0}
    ]
    assert result["by_topic"] == [
        {"topic": "alpha", "title": "Alpha", "score": 0.0, "max_score": 11.0}
    ]


# ---------------------------------------------------------------- the bank format


def _doc(**sections) -> str:
    return yaml.safe_dump({"topics": [{"id": "t", "title": "T"}], "topic": "t", **sections})


def test_the_retired_practice_only_tag_is_refused_with_what_to_write():
    q = _q(
        "old-tag", "single_choice", tags=["practice-only"], options=_choice_options([True, False])
    )
    case = _case("old-case", "oc", "practice")
    case["tags"] = ["practice-only"]
    bank = load_text(_doc(questions=[q], cases=[case]), "old.yaml")
    messages = [str(p) for p in bank.errors]
    assert len(messages) == 2
    assert messages[0].startswith("old.yaml: question 'old-tag': tags: the 'practice-only' tag")
    assert "write 'use: practice'" in messages[0]
    assert messages[1].startswith("old.yaml: case 'old-case': tags:")
    assert "old-tag" not in bank.questions and "old-case" not in bank.cases


def test_use_defaults_to_exam_and_a_step_cannot_differ_from_its_case():
    q = _q("no-use", "single_choice", options=_choice_options([True, False]))
    bank = load_text(_doc(questions=[q]))
    assert bank.errors == [] and bank.questions["no-use"].question.use.value == "exam"

    case = _case("mixed", "mx", "exam")
    case["steps"][1]["question"]["use"] = "practice"
    bank = load_text(_doc(cases=[case]), "c.yaml")
    (problem,) = bank.errors
    assert "step 2's question says use 'practice' but the case is 'exam'" in str(problem)

    bad = _q("bad-use", "single_choice", use="both", options=_choice_options([True, False]))
    (problem,) = load_text(_doc(questions=[bad]), "b.yaml").errors
    assert problem.key == "bad-use" and problem.field == "use"


def test_the_yaml_export_says_use_and_reads_back(bank, db_session):
    text, skipped = export_bank(db_session, "yaml", "alpha")
    assert skipped == []
    data = yaml.safe_load(text)
    uses = {q["key"]: q["use"] for q in data["questions"]}
    assert uses["sc"] == "exam" and uses["p-sc"] == "practice"
    again = load_text(text)
    assert [p for p in again.errors if p.field != "image"] == []  # the image stays behind
    assert again.questions["p-sc"].question.use.value == "practice"


def test_lint_checks_each_module_against_the_items_of_its_use():
    questions = [
        _q(
            f"e{i}",
            "single_choice",
            use="exam",
            difficulty="easy",
            status="published",
            options=_choice_options([True, False]),
        )
        for i in range(3)
    ] + [
        _q(
            "p0",
            "single_choice",
            use="practice",
            status="published",
            options=_choice_options([True, False]),
        )
    ]
    modules = [
        _module("ex", "exam", [{"topic": "t", "difficulty": "easy", "count": 4}]),
        _module("pr", "practice", [{"topic": "t", "count": 3}]),
        _module("cx", "exam", [{"topic": "t", "count": 1}], cases=[{"count": 1}]),
    ]
    bank = load_text(
        _doc(questions=questions, cases=[_case("pc", "pc", "practice")], modules=modules)
    )
    # The shortfall errors (issue 14 adds pool-depth warnings on the same modules).
    problems = {
        p.key: str(p) for p in lint_bank(bank) if p.kind == "module" and p.severity == "error"
    }
    assert problems == {
        "ex": "modules: module 'ex': blueprint: asks for 4 easy 't' questions; the bank has 3 "
        "published exam questions (1 short)",
        "pr": "modules: module 'pr': blueprint: asks for 3 't' questions; the bank has 1 "
        "published practice questions (2 short)",
        "cx": "modules: module 'cx': cases: asks for 1 cases of topic 'any'; the bank has 0 "
        "published exam cases (1 short)",
    }
