"""Case scenarios authored in the studio: the YAML twin, the workflow, per-step errors."""

from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa

from app.banks import models as bm
from app.banks.loader import load_text
from app.banks.schema import Status
from app.banks.services import import_bank
from app.quiz import presenters
from app.quiz.display import new_display as _display
from app.quiz.models import AttemptItem
from app.quiz.services import start_attempt
from app.studio.models import CaseRevision, RevisionState
from tests import factories
from tests.conftest import login
from tests.studio.test_workflow import post, switch


@pytest.fixture
def two(build, client, db_session):
    """Two instructors, the first one logged in."""
    a = factories.make_user("instructor")
    b = factories.make_user("instructor")
    db_session.commit()
    assert login(client, a.email).status_code == 302
    return a, b


VIGNETTE = "A 45-year-old **runner** with lateral hip pain."


def case_form(key: str, topic_id: int, **over: str) -> dict[str, str]:
    data = {
        "key": key,
        "topic_id": str(topic_id),
        "title": "Lateral hip pain",
        "difficulty": "hard",
        "tags": "hip, runner",
        "vignette": VIGNETTE,
        "new_step_type": "single_choice",
        "steps-0-disclosure": "",
        "steps-0-question-type": "single_choice",
        "steps-0-question-key": f"{key}-s1",
        "steps-0-question-title": "",
        "steps-0-question-stem": "Which muscle is *most* likely?",
        "steps-0-question-options-0-id": "a",
        "steps-0-question-options-0-text": "Gluteus medius",
        "steps-0-question-options-0-correct": "y",
        "steps-0-question-options-0-feedback": "Yes.",
        "steps-0-question-options-1-id": "b",
        "steps-0-question-options-1-text": "Piriformis",
        "steps-0-question-options-1-feedback": "",
        "steps-0-question-shuffle": "y",
        "steps-0-question-explanation": "Referral pattern.",
        "steps-0-question-references": "Travell 1999",
        "steps-0-question-objective": "",
        "steps-0-question-difficulty": "medium",
        "steps-0-question-tags": "",
        "steps-1-disclosure": "She now reports pain when *lying* on that side.",
        "steps-1-question-type": "true_false",
        "steps-1-question-key": f"{key}-s2",
        "steps-1-question-title": "",
        "steps-1-question-stem": "Lying on the side may reproduce the pain.",
        "steps-1-question-tf_answer": "true",
        "steps-1-question-feedback_true": "",
        "steps-1-question-feedback_false": "",
        "steps-1-question-explanation": "",
        "steps-1-question-references": "Travell 1999",
        "steps-1-question-objective": "",
        "steps-1-question-difficulty": "easy",
        "steps-1-question-tags": "",
        "save": "Save draft",
    }
    data.update(over)
    return data


def twin_yaml(key: str, topic: str) -> str:
    return f"""
cases:
  - key: {key}
    topic: {topic}
    status: published
    title: Lateral hip pain
    difficulty: hard
    tags: [hip, runner]
    vignette: "{VIGNETTE}"
    steps:
      - question:
          key: {key}-s1
          type: single_choice
          stem: "Which muscle is *most* likely?"
          explanation: Referral pattern.
          references: [Travell 1999]
          options:
            - {{id: a, text: Gluteus medius, correct: true, feedback: "Yes."}}
            - {{id: b, text: Piriformis}}
      - disclosure: "She now reports pain when *lying* on that side."
        question:
          key: {key}-s2
          type: true_false
          difficulty: easy
          stem: Lying on the side may reproduce the pain.
          references: [Travell 1999]
          answer: true
"""


def _create(client, build, key="cs-1", **over):
    r = post(client, "/studio/cases/new", case_form(key, build.topic.id, **over))
    assert r.status_code == 302, re.findall(r"<li>(.*?)</li>", r.get_data(as_text=True))
    return int(re.search(r"/case-revisions/(\d+)/edit", r.headers["Location"]).group(1))


def _trainee_sees(version: bm.CaseVersion) -> list:
    """Per step: the case panel and the item as the quiz presenters give them to a trainee."""
    out = []
    for step in version.steps:
        question = step.question_version.as_question()
        item = AttemptItem(
            id=step.position,
            position=step.position,
            case_step=step.position,
            display=_display(question, random.Random(7)),
        )
        item.case_version = version
        item.response, item.seq, item.flagged, item.locked = None, 0, False, False
        view = presenters.item_view(item, question)
        opaque = {pair[0] for pair in item.display.get("options", [])}
        case = presenters.case_view(item, True)
        case.pop("id")
        out.append((case, _strip(view, opaque)))
    return out


def _strip(value, opaque: set[str]):
    """The view with the per-attempt opaque option ids replaced by their order."""
    text = repr(value)
    for i, token in enumerate(sorted(opaque, key=text.find)):
        text = text.replace(token, f"<opt{i}>")
    return text


def test_case_authored_in_the_form_reaches_a_trainee_like_its_yaml_twin(
    two, client, build, db_session
):
    a, b = two
    # The YAML twin, imported through the bank importer, then rolled back (same keys).
    nested = db_session.begin_nested()
    import_bank(db_session, load_text(twin_yaml("cs-twin", build.topic.slug), name="twin.yaml"))
    db_session.flush()
    imported = db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "cs-twin"))
    twin_hash = imported.current_version.content_hash
    twin_seen = _trainee_sees(imported.current_version)
    twin_steps = [s.question_version.content_hash for s in imported.current_version.steps]
    nested.rollback()
    assert db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "cs-twin")) is None

    rid = _create(client, build, key="cs-twin")
    assert post(client, f"/studio/case-revisions/{rid}/submit", {}).status_code == 302
    switch(client, b)
    r = post(client, f"/studio/case-revisions/{rid}/review", {"approve": "y", "comment": "ok"})
    assert r.status_code == 302
    authored = db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "cs-twin"))
    db_session.refresh(authored)
    assert authored.status == Status.PUBLISHED
    version = authored.current_version
    assert version.content_hash == twin_hash
    assert [s.question_version.content_hash for s in version.steps] == twin_steps
    assert _trainee_sees(version) == twin_seen
    steps = db_session.scalars(sa.select(bm.Question).where(bm.Question.case_id == authored.id))
    assert {q.status for q in steps} == {Status.PUBLISHED}


def test_author_cannot_approve_own_case(two, client, build, db_session):
    a, b = two
    rid = _create(client, build)
    post(client, f"/studio/case-revisions/{rid}/submit", {})
    own = post(client, f"/studio/case-revisions/{rid}/review", {"approve": "y"})
    assert own.status_code == 403
    rev = db_session.get(CaseRevision, rid)
    db_session.refresh(rev)
    assert rev.state == RevisionState.IN_REVIEW and rev.case.status == Status.IN_REVIEW


def test_case_workflow_revision_keeps_the_drawn_version_and_attempts_keep_theirs(
    two, client, build, db_session
):
    a, b = two
    rid = _create(client, build)
    rev = db_session.get(CaseRevision, rid)
    assert rev.state == RevisionState.DRAFT and rev.case.status == Status.DRAFT
    post(client, f"/studio/case-revisions/{rid}/submit", {})
    switch(client, b)
    r = post(client, f"/studio/case-revisions/{rid}/review", {"request_changes": "y"})
    assert r.status_code == 400  # a comment is required to request changes
    r = post(
        client, f"/studio/case-revisions/{rid}/review", {"request_changes": "y", "comment": "Fix"}
    )
    assert r.status_code == 302
    db_session.refresh(rev)
    assert rev.state == RevisionState.DRAFT and rev.case.status == Status.DRAFT
    switch(client, a)
    post(client, f"/studio/case-revisions/{rid}/submit", {})
    switch(client, b)
    post(client, f"/studio/case-revisions/{rid}/review", {"approve": "y"})
    db_session.refresh(rev)
    case = rev.case
    db_session.refresh(case)
    v1 = case.current_version
    assert case.status == Status.PUBLISHED and v1.version_no == 1

    # A trainee draws v1.
    module = build.module("case-practice", count=1)
    module.blueprint, module.case_draws = [], [{"topic": None, "count": 1}]
    trainee = factories.make_user("trainee")
    db_session.flush()
    attempt = start_attempt(db_session, trainee, module)
    assert {i.case_version_id for i in attempt.items} == {v1.id}

    # B revises the published case: a new draft version; v1 stays the one drawn.
    r = post(client, f"/studio/cases/{case.id}/revise", {})
    assert r.status_code == 302
    rid2 = int(re.search(r"/case-revisions/(\d+)/edit", r.headers["Location"]).group(1))
    form = case_form("cs-1", build.topic.id, vignette="A 45-year-old runner, **new** text.")
    r = post(client, f"/studio/case-revisions/{rid2}/edit", form)
    assert r.status_code == 302
    r = post(client, f"/studio/case-revisions/{rid2}/edit", form)  # saving again: same draft
    rev2 = db_session.get(CaseRevision, rid2)
    db_session.refresh(rev2)
    db_session.refresh(case)
    assert rev2.version.version_no == 2 and "new" in rev2.version.vignette
    assert case.current_version_id == v1.id and case.status == Status.PUBLISHED
    assert (
        db_session.scalar(
            sa.select(sa.func.count())
            .select_from(bm.CaseVersion)
            .where(bm.CaseVersion.case_id == case.id)
        )
        == 2
    )
    steps = db_session.scalars(sa.select(bm.Question).where(bm.Question.case_id == case.id))
    assert {q.status for q in steps} == {Status.PUBLISHED}
    post(client, f"/studio/case-revisions/{rid2}/submit", {})
    switch(client, a)
    post(client, f"/studio/case-revisions/{rid2}/review", {"approve": "y"})
    db_session.refresh(case)
    assert case.current_version_id == rev2.version_id
    db_session.refresh(attempt)
    assert {i.case_version_id for i in attempt.items} == {v1.id}  # the attempt keeps its version

    # Retire: no longer drawn.
    r = post(client, f"/studio/cases/{case.id}/retire", {})
    assert r.status_code == 302
    db_session.refresh(case)
    assert case.status == Status.RETIRED


def test_case_validation_errors_name_the_step(two, client, build, db_session):
    r = post(
        client,
        "/studio/cases/new",
        case_form(
            "cs-bad",
            build.topic.id,
            **{"steps-1-question-references": "", "steps-0-question-options-1-text": ""},
        ),
    )
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    summary = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "Step 1: question: Option 2: text: " in summary
    assert "Step 2: question: references (one per line): " in summary
    assert db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "cs-bad")) is None
    # A step without its own key gets one from the case; a key taken elsewhere is refused.
    build.question(
        {"key": "cs-taken", "type": "true_false", "stem": "S", "references": ["R"], "answer": True}
    )
    r = post(
        client,
        "/studio/cases/new",
        case_form("cs-k", build.topic.id, **{"steps-0-question-key": "cs-taken"}),
    )
    assert r.status_code == 422
    assert "Step 1: question: key: “cs-taken” is already the key" in r.get_data(as_text=True)


def test_steps_are_added_reordered_and_removed_without_javascript(two, client, build):
    form = case_form("cs-rows", build.topic.id)
    form.pop("save")
    r = post(
        client, "/studio/cases/new", {**form, "action": "add:steps", "new_step_type": "ordering"}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'name="steps-2-question-items-0-text"' in html
    r = post(client, "/studio/cases/new", {**form, "action": "step:0:add:options"})
    assert 'name="steps-0-question-options-2-text"' in r.get_data(as_text=True)
    r = post(client, "/studio/cases/new", {**form, "action": "down:steps:0"})
    html = r.get_data(as_text=True)
    assert html.index("Lying on the side") < html.index("Which muscle")
    assert 'name="steps-0-question-type" value="true_false"' in html
    r = post(client, "/studio/cases/new", {**form, "action": "remove:steps:0"})
    html = r.get_data(as_text=True)
    assert "Which muscle" not in html and "Lying on the side" in html
