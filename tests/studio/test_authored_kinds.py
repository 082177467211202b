"""The registry of authored kinds and the one revision workflow they share."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.errors import Conflict, Forbidden, ValidationFailed
from app.studio import authoring
from app.studio.kinds import CASE, QUESTION
from app.studio.models import RevisionState
from tests.studio.test_cases import _create as create_case
from tests.studio.test_cases import two  # noqa: F401  (fixture)
from tests.studio.test_workflow import _create as create_question
from tests.studio.test_workflow import post, switch


def test_the_built_in_kinds_are_registered():
    assert authoring.get("question") is QUESTION and authoring.get("case") is CASE
    assert {k.name for k in authoring.kinds()} >= {"question", "case"}


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (RevisionState.DRAFT, "save", RevisionState.DRAFT),
        (RevisionState.DRAFT, "submit", RevisionState.IN_REVIEW),
        (RevisionState.IN_REVIEW, "withdraw", RevisionState.DRAFT),
        (RevisionState.IN_REVIEW, "approve", RevisionState.PUBLISHED),
        (RevisionState.IN_REVIEW, "request_changes", RevisionState.DRAFT),
    ],
)
def test_transitions(state, action, after):
    assert authoring.next_state(state, action) == after
    other = RevisionState.IN_REVIEW if state == RevisionState.DRAFT else RevisionState.DRAFT
    with pytest.raises(Conflict):
        authoring.next_state(other, action)
    with pytest.raises(Conflict):
        authoring.next_state(RevisionState.PUBLISHED, action)


def test_four_eyes_and_review_comments():
    with pytest.raises(Forbidden, match="approve your own case"):
        authoring.check_reviewer(7, 7, "approve", CASE)
    with pytest.raises(Forbidden, match="Withdraw your own revision"):
        authoring.check_reviewer(7, 7, "request_changes", QUESTION)
    authoring.check_reviewer(7, 8, "approve", QUESTION)
    with pytest.raises(ValidationFailed):
        authoring.review_comment("request_changes", "  ")
    assert authoring.review_comment("request_changes", " Cite it ") == "Cite it"


def test_audit_event_names_are_those_of_the_two_former_workflows():
    assert [QUESTION.event(a) for a in ("review.submit", "draft.save", "retire")] == [
        "studio.review.submit",
        "studio.draft.save",
        "studio.question.retire",
    ]
    assert [CASE.event(a) for a in ("review.approve", "revision.start", "retire")] == [
        "studio.case.review.approve",
        "studio.case.revision.start",
        "studio.case.retire",
    ]


def test_every_kind_has_its_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for kind in authoring.kinds():
        for action in ("show", "edit", "submit", "withdraw", "discard", "review"):
            assert kind.revision_endpoint(action) in endpoints
        for action in ("revise", "retire", "history"):
            assert kind.content_endpoint(action) in endpoints


def test_a_revision_is_only_reached_under_its_own_kind(two, client, build, db_session):  # noqa: F811
    question_rid = create_question(client, build)
    case_rid = create_case(client, build)
    assert client.get(f"/studio/revisions/{question_rid}").status_code == 200
    assert client.get(f"/studio/case-revisions/{case_rid}").status_code == 200
    assert client.get(f"/studio/case-revisions/{question_rid}").status_code == 404
    assert client.get(f"/studio/revisions/{case_rid}").status_code == 404
    assert client.get(f"/studio/revisions/{case_rid}/edit").status_code == 404
    assert post(client, f"/studio/revisions/{case_rid}/submit", {}).status_code == 404


def test_question_history_is_also_served_at_history(two, client, build, db_session):  # noqa: F811
    a, b = two
    rid = create_question(client, build)
    post(client, f"/studio/revisions/{rid}/submit", {})
    switch(client, b)
    post(client, f"/studio/revisions/{rid}/review", {"approve": "y", "comment": "fine"})
    from app.studio.models import Revision

    qid = db_session.get(Revision, rid).content_id
    for url in (f"/studio/questions/{qid}", f"/studio/questions/{qid}/history"):
        page = client.get(url).get_data(as_text=True)
        assert "current (published, drawn)" in page and "approve: fine" in page
        assert a.name in page
    actions = db_session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id))
    assert [x for x in actions if x.startswith("studio.")] == [
        "studio.question.create",
        "studio.review.submit",
        "studio.review.approve",
    ]
