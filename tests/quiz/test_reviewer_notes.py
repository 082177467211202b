"""Reviewer notes (issue 14) never reach a trainee: a marker planted in the reviewer notes of
every question, option, case and case step of the engine tests' bank appears in no trainee page
or API response (taking, checking in practice, submitting, the result and review with the
"full" policy) and in no learner export (GIFT, Moodle XML, QTI); it does appear in the studio
and in the native YAML export (a reviewer's format)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from app.banks import models as bm
from app.banks.services import export_bank, import_directory
from tests import factories
from tests.conftest import login
from tests.quiz.bank import write_bank
from tests.quiz.helpers import key_of
from tests.quiz.test_pages import answer_correctly, items_of, page, start, submit
from tests.studio.test_workflow import post

MARKER = "RVWNOTEQQ"


def plant(data: Any) -> Any:
    """Reviewer notes with the marker on every question, option, case and step in ``data``."""
    if isinstance(data, dict):
        out = {k: plant(v) for k, v in data.items()}
        if "stem" in out or "vignette" in out or ("id" in out and "text" in out):
            out["reviewer_notes"] = f"{MARKER} note"
        if "question" in out and isinstance(out["question"], dict):
            out["reviewer_notes"] = f"{MARKER} step note"
        return out
    if isinstance(data, list):
        return [plant(v) for v in data]
    return data


@pytest.fixture
def noted_bank(db_session, tmp_path) -> Path:
    root = tmp_path / "bank"
    write_bank(root)
    for name in ("alpha.yaml", "beta.yaml"):
        path = root / name
        path.write_text(yaml.safe_dump(plant(yaml.safe_load(path.read_text()))))
    assert MARKER in (root / "beta.yaml").read_text()
    import_directory(db_session, root)
    db_session.commit()
    return root


def leaks(*texts: str) -> bool:
    return any(MARKER.lower() in t.lower() for t in texts)


@pytest.mark.parametrize("slug", ["types-exam", "types-practice", "case-exam", "case-practice"])
def test_no_trainee_page_shows_reviewer_notes(noted_bank, client, login_as, db_session, slug):
    login_as("trainee")
    attempt_id = start(client, slug)
    pages = []
    for item in items_of(db_session, attempt_id):
        pages.append(page(client, attempt_id, item.position))
        action = "check" if slug.endswith("practice") else "next"
        response = answer_correctly(client, db_session, attempt_id, item, action=action)
        pages.append(response.get_data(as_text=True))
        pages.append(page(client, attempt_id, item.position))
    pages.append(client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True))
    submitted = submit(client, attempt_id)
    pages.append(client.get(submitted.headers["Location"]).get_data(as_text=True))
    assert not leaks(*pages)
    # The notes are there to find: the checked practice items show their explanations.
    if slug == "types-practice":
        assert "Because" in "".join(pages)


@pytest.mark.parametrize("slug", ["types-exam", "types-practice", "case-practice"])
def test_no_api_response_holds_reviewer_notes(noted_bank, trainee, db_session, slug):
    responses = [trainee.get("/api/v1/modules")]
    started = trainee.start(slug)
    responses.append(started)
    attempt = started.json
    for item in attempt["items"]:
        check = {"check": True} if slug.endswith("practice") else {}
        responses.append(
            trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0, **check)
        )
        responses.append(trainee.attempt(attempt["id"]))
    responses.append(trainee.submit(attempt["id"]))
    responses.append(trainee.attempt(attempt["id"]))
    assert all(r.status_code in (200, 201) for r in responses), [r.status_code for r in responses]
    assert not leaks(
        *(json.dumps(r.json) if r.is_json else r.get_data(as_text=True) for r in responses)
    )


def test_learner_exports_leave_reviewer_notes_out(noted_bank, db_session) -> None:
    for fmt in ("gift", "moodle-xml", "qti"):
        data, _ = export_bank(db_session, fmt)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if isinstance(data, bytes) and text.startswith("PK"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        assert not leaks(text), fmt
    data, _ = export_bank(db_session, "yaml")
    assert leaks(data if isinstance(data, str) else data.decode())


def _edit_page(client, url: str) -> tuple[str, str]:
    """POST ``url`` (revise), follow to the draft's edit page: (its URL, its HTML)."""
    response = post(client, url, {})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    edit = response.headers["Location"]
    return edit, client.get(edit).get_data(as_text=True)


def test_the_studio_shows_and_edits_question_notes(noted_bank, client, db_session):
    user = factories.make_user("instructor")
    db_session.commit()
    assert login(client, user.email).status_code == 302
    qid = db_session.scalar(sa.select(bm.Question.id).where(bm.Question.key == "sc"))
    edit, html = _edit_page(client, f"/studio/questions/{qid}/revise")
    assert f"{MARKER} note" in html, (
        edit,
        html[html.find("<main") :][:3000],
    )  # the question's and each option's notes, editable
    assert 'name="reviewer_notes"' in html and 'name="options-0-reviewer_notes"' in html
    show = edit.removesuffix("/edit")
    assert "Reviewer notes (never shown to a trainee)" in client.get(show).get_data(as_text=True)

    form = {
        "type": "single_choice",
        "title": "",
        "stem": "Stem of sc?",
        "explanation": "Because.",
        "references": "Author 2020. Title.",
        "difficulty": "easy",
        "use": "exam",
        "tags": "",
        "cognitive_level": "application",
        "as_of": "2026-10-01",
        "review_by": "2027-10-01",
        "reviewer_notes": "Checked by the second reviewer.",
        "options-0-id": "a",
        "options-0-text": "Right",
        "options-0-correct": "y",
        "options-0-reviewer_notes": "The key.",
        "options-1-id": "b",
        "options-1-text": "Wrong",
        "shuffle": "y",
        "save": "Save draft",
    }
    assert post(client, edit, form, page=edit).status_code == 302
    db_session.expire_all()
    version = db_session.scalar(
        sa.select(bm.QuestionVersion)
        .where(bm.QuestionVersion.question_id == qid)
        .order_by(bm.QuestionVersion.version_no.desc())
    )
    question = version.as_question()
    assert question.reviewer_notes == "Checked by the second reviewer."
    assert question.options[0].reviewer_notes == "The key."
    assert question.cognitive_level == "application"
    assert str(question.as_of) == "2026-10-01" and str(question.review_by) == "2027-10-01"


def test_the_studio_shows_case_and_step_notes(noted_bank, client, db_session):
    user = factories.make_user("instructor")
    db_session.commit()
    assert login(client, user.email).status_code == 302
    case_id = db_session.scalar(sa.select(bm.Case.id).where(bm.Case.key == "case-one"))
    version = db_session.get(bm.Case, case_id).current_version
    assert version.reviewer_notes == f"{MARKER} note"
    assert [s.reviewer_notes for s in version.steps] == [f"{MARKER} step note"] * 2
    edit, html = _edit_page(client, f"/studio/cases/{case_id}/revise")
    assert html.count(f"{MARKER} step note") == 2 and f"{MARKER} note" in html
    shown = client.get(edit.removesuffix("/edit")).get_data(as_text=True)
    assert "Reviewer notes (never shown to a trainee)" in shown and f"{MARKER} step note" in shown
