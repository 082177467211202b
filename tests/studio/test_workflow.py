"""Authoring and the review workflow through the studio's pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.banks import models as bm
from app.banks.schema import QUESTION_ADAPTER, Status, content_hash
from app.studio.models import Revision, RevisionState
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.studio.conftest import single_choice


def sc_form(key: str, topic_id: int, stem: str = "Which nerve?") -> dict[str, str]:
    return {
        "key": key,
        "topic_id": str(topic_id),
        "type": "single_choice",
        "title": "",
        "stem": stem,
        "explanation": "Because.",
        "references": "Travell 1999",
        "objective": "",
        "difficulty": "medium",
        "tags": "anatomy",
        "options-0-id": "a",
        "options-0-text": "Median",
        "options-0-correct": "y",
        "options-0-feedback": "",
        "options-1-id": "b",
        "options-1-text": "Ulnar",
        "options-1-feedback": "",
        "shuffle": "y",
        "save": "Save draft",
    }


def post(client, url: str, data: dict, page: str | None = None):
    token = csrf_token_from(client.get(page or "/studio/").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def switch(client, user):
    client.post(
        "/logout",
        data={"csrf_token": csrf_token_from(client.get("/studio/").get_data(as_text=True))},
    )
    assert login(client, user.email).status_code == 302


@pytest.fixture
def two(build, client, db_session):
    a = factories.make_user("instructor")
    b = factories.make_user("instructor")
    db_session.commit()
    assert login(client, a.email).status_code == 302
    return a, b


def _create(client, build, key="wf-q1", stem="Which nerve?"):
    r = post(client, "/studio/questions/new", sc_form(key, build.topic.id, stem))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(re.search(r"/revisions/(\d+)/edit", r.headers["Location"]).group(1))


def test_author_cannot_approve_own_question_second_instructor_publishes(
    two, client, build, db_session
):
    a, b = two
    rid = _create(client, build)
    assert post(client, f"/studio/revisions/{rid}/submit", {}).status_code == 302
    rev = db_session.get(Revision, rid)
    db_session.refresh(rev)
    assert rev.state == RevisionState.IN_REVIEW and rev.question.status == Status.IN_REVIEW
    own = post(client, f"/studio/revisions/{rid}/review", {"approve": "y", "comment": "ok"})
    assert own.status_code == 403
    db_session.refresh(rev)
    assert rev.state == RevisionState.IN_REVIEW
    switch(client, b)
    r = post(client, f"/studio/revisions/{rid}/review", {"approve": "y", "comment": "fine"})
    assert r.status_code == 302
    db_session.refresh(rev)
    db_session.refresh(rev.question)
    assert rev.state == RevisionState.PUBLISHED and rev.question.status == Status.PUBLISHED
    assert rev.question.current_version_id == rev.version_id
    assert rev.version.reviewer_id == b.id and rev.version.author_id == a.id
    actions = set(db_session.scalars(sa.select(AuditEvent.action)))
    assert {"studio.question.create", "studio.review.submit", "studio.review.approve"} <= actions


def test_request_changes_returns_the_draft_with_the_comment(two, client, build, db_session):
    a, b = two
    rid = _create(client, build)
    post(client, f"/studio/revisions/{rid}/submit", {})
    switch(client, b)
    empty = post(client, f"/studio/revisions/{rid}/review", {"request_changes": "y", "comment": ""})
    assert empty.status_code == 400
    r = post(
        client, f"/studio/revisions/{rid}/review", {"request_changes": "y", "comment": "Cite it"}
    )
    assert r.status_code == 302
    rev = db_session.get(Revision, rid)
    db_session.refresh(rev)
    assert rev.state == RevisionState.DRAFT
    switch(client, a)
    page = client.get(f"/studio/revisions/{rid}/edit").get_data(as_text=True)
    assert "Cite it" in page


def test_editing_published_question_makes_a_draft_version_attempts_keep_theirs(
    two, client, build, db_session
):
    a, b = two
    published = build.question(single_choice("wf-pub", stem="Old stem"))
    question_id = published.question_id
    module = build.module(slug="wf-exam", count=1)
    trainee = factories.make_user("trainee")
    attempt = build.attempt(trainee, module, [(published, 1.0, {"choice": "a"})])
    db_session.commit()
    r = post(client, f"/studio/questions/{question_id}/revise", {})
    assert r.status_code == 302
    rid = int(re.search(r"/revisions/(\d+)/edit", r.headers["Location"]).group(1))
    form = sc_form("ignored-key", build.topic.id, stem="New stem")
    form.update({"options-1-id": "b", "author_id": str(b.id), "status": "published"})
    assert post(client, f"/studio/revisions/{rid}/edit", form).status_code == 302
    row = db_session.get(bm.Question, question_id)
    db_session.refresh(row)
    assert row.current_version_id == published.id  # still the one drawn
    assert row.key == "wf-pub"  # the key is never changed by a form
    rev = db_session.get(Revision, rid)
    db_session.refresh(rev)
    assert rev.author_id == a.id and rev.version.version_no == 2
    assert rev.version.content["stem"] == "New stem"
    # Instructor B cannot edit A's draft (404), but reviews it.
    post(client, f"/studio/revisions/{rid}/submit", {})
    switch(client, b)
    assert client.get(f"/studio/revisions/{rid}/edit").status_code == 404
    page = client.get(f"/studio/revisions/{rid}").get_data(as_text=True)
    assert "-  Old stem" in page or "- Old stem" in page or "Old stem" in page
    assert post(client, f"/studio/revisions/{rid}/review", {"approve": "y"}).status_code == 302
    db_session.refresh(row)
    assert row.current_version_id == rev.version_id
    item = attempt.items[0]
    db_session.refresh(item)
    assert item.question_version_id == published.id
    history = client.get(f"/studio/questions/{question_id}").get_data(as_text=True)
    assert "+stem: New stem" in history and "-stem: Old stem" in history


def test_instructor_cannot_edit_or_delete_another_instructors_draft(two, client, build, db_session):
    a, b = two
    rid = _create(client, build)
    rev = db_session.get(Revision, rid)
    qid = rev.question_id
    switch(client, b)
    assert client.get(f"/studio/revisions/{rid}/edit").status_code == 404
    edit = post(client, f"/studio/revisions/{rid}/edit", sc_form("x", build.topic.id, "Hacked"))
    assert edit.status_code == 404
    assert post(client, f"/studio/revisions/{rid}/submit", {}).status_code == 404
    assert post(client, f"/studio/questions/{qid}/delete", {}).status_code == 404
    db_session.refresh(rev)
    assert rev.version.content["stem"] == "Which nerve?"
    # The author can delete a never-used draft.
    switch(client, a)
    assert post(client, f"/studio/questions/{qid}/delete", {}).status_code == 302
    assert db_session.get(bm.Question, qid) is None


def test_used_question_is_retired_not_deleted(two, client, build, db_session):
    published = build.question(single_choice("wf-used"))
    db_session.commit()
    qid = published.question_id
    assert post(client, f"/studio/questions/{qid}/delete", {}).status_code in (404, 409)
    assert post(client, f"/studio/questions/{qid}/retire", {}).status_code == 302
    row = db_session.get(bm.Question, qid)
    db_session.refresh(row)
    assert row.status == Status.RETIRED


def test_mass_assignment_fields_are_ignored(two, client, build, db_session):
    a, b = two
    form = sc_form("wf-mass", build.topic.id)
    form.update({"author_id": str(b.id), "status": "published", "reviewer_id": str(b.id)})
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 302
    row = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "wf-mass"))
    assert row.status == Status.DRAFT
    assert row.current_version.author_id == a.id and row.current_version.reviewer_id is None


def test_trainee_gets_403_on_studio_posts(client, login_as, build, db_session):
    login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    r = client.post(
        "/studio/questions/new?type=single_choice",
        data={**sc_form("tr-q", build.topic.id), "csrf_token": token},
    )
    assert r.status_code == 403
    assert db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "tr-q")) is None


def test_form_errors_come_from_the_bank_schema(two, client, build):
    form = sc_form("wf-bad", build.topic.id)
    form.pop("options-0-correct")
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 400
    assert "exactly one correct option" in r.get_data(as_text=True)


def test_row_buttons_add_remove_and_reorder_without_js(two, client, build):
    form = sc_form("wf-rows", build.topic.id)
    form.pop("save")
    r = post(client, "/studio/questions/new", {**form, "action": "add:options"})
    assert r.status_code == 200 and 'name="options-2-text"' in r.get_data(as_text=True)
    r = post(client, "/studio/questions/new", {**form, "action": "down:options:0"})
    html = r.get_data(as_text=True)
    assert html.index('value="Ulnar"') < html.index('value="Median"')
    r = post(client, "/studio/questions/new", {**form, "action": "remove:options:1"})
    assert 'value="Ulnar"' not in r.get_data(as_text=True)


def test_version_content_hash_matches_yaml_twin(two, client, build, db_session):
    _create(client, build, key="wf-twin")
    row = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "wf-twin"))
    twin = QUESTION_ADAPTER.validate_python(
        {
            "key": "wf-twin",
            "type": "single_choice",
            "stem": "Which nerve?",
            "explanation": "Because.",
            "references": ["Travell 1999"],
            "tags": ["anatomy"],
            "options": [
                {"id": "a", "text": "Median", "correct": True},
                {"id": "b", "text": "Ulnar"},
            ],
        }
    )
    assert row.current_version.content_hash == content_hash(twin)
    assert row.current_version.as_question() == twin.model_copy(update={"status": Status.DRAFT})


def test_error_summary_names_the_row_and_field_in_words(two, client, build):
    form = sc_form("wf-rowerr", build.topic.id)
    form["options-1-text"] = ""
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    summary = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "Option 2: text: " in summary
    assert "{" not in summary and "[" not in summary
