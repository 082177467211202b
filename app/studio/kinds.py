"""The built-in authored kinds: standalone questions and case scenarios.

Each is one ``AuthoredKind`` (see ``app.studio.authoring`` and docs/authoring-workflow.md):
the hooks below are everything the one revision workflow needs to know about the kind.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks import models as bm
from app.banks import queries as bank_queries
from app.banks.schema import Status
from app.i18n import lazy_gettext as _l
from app.studio import authoring, queries
from app.studio.authoring import AuthoredKind
from app.studio.models import CaseRevision, QuestionRevision, Revision
from app.studio.presenters import key_view, trainee_view

# ---------------------------------------------------------------- questions


def _copy_question_version(session: Session, row: bm.Question, user: User) -> bm.QuestionVersion:
    current = row.current_version
    version = bm.QuestionVersion(
        question_id=row.id,
        version_no=bank_queries.next_question_version_no(session, row.id),
        type=current.type,
        difficulty=current.difficulty,
        use=current.use,
        objective=current.objective,
        content=dict(current.content),
        content_hash=current.content_hash,
        media_sha256=current.media_sha256,
        author_id=user.id,
    )
    session.add(version)
    session.flush()
    return version


def _set_question_status(session: Session, row: bm.Question, status: Status) -> None:
    row.status = status


def _publish_question(session: Session, revision: Revision, user: User) -> None:
    revision.version.reviewer_id = user.id
    revision.content.current_version_id = revision.version_id


def _question_preview(revision: Revision) -> dict[str, Any]:
    question = revision.version.as_question()
    media = revision.version.media_sha256
    return {
        "question": question,
        "view": trainee_view(question, media),
        "key": key_view(question, media),
    }


QUESTION = authoring.register(
    AuthoredKind(
        name="question",
        revision_model=QuestionRevision,
        load=queries.question,
        copy_version=_copy_question_version,
        set_status=_set_question_status,
        publish=_publish_question,
        versions=queries.versions,
        dump=queries.version_yaml,
        is_used=queries.is_used,
        deletable=True,
        revision_path="revisions",
        history_rules=("/questions/<int:question_id>", "/questions/<int:question_id>/history"),
        content_path="questions",
        id_arg="question_id",
        endpoint_infix="",
        history_endpoint="studio.show_question",
        preview=_question_preview,
        preview_template="studio/_question_preview.html",
        messages=authoring.KindMessages(
            submitted=_l("Sent for review."),
            withdrawn=_l("Withdrawn from review."),
            discarded=_l("Revision discarded."),
            published=_l("Approved and published."),
            retired=_l("Question retired: it is no longer drawn."),
            own_approval=_l("You cannot approve your own question: a second instructor must."),
            revise_unpublished=_l("Only a published question can be revised."),
            revised_by_another=_l(
                "Another instructor is revising this question; review their draft."
            ),
            retire_unpublished=_l("Only a published question can be retired."),
            delete_instead=_l("Delete this new question instead."),
        ),
        audit_prefix="studio.",
    )
)


# ---------------------------------------------------------------- case scenarios


def _copy_case_version(session: Session, row: bm.Case, user: User) -> bm.CaseVersion:
    current = row.current_version
    version = bm.CaseVersion(
        case_id=row.id,
        version_no=bank_queries.next_case_version_no(session, row.id),
        title=current.title,
        vignette=current.vignette,
        difficulty=current.difficulty,
        use=current.use,
        tags=list(current.tags or []),
        reviewer_notes=current.reviewer_notes,
        content_hash=current.content_hash,
    )
    version.steps = [
        bm.CaseStep(
            position=s.position,
            disclosure=s.disclosure,
            reviewer_notes=s.reviewer_notes,
            question_version_id=s.question_version_id,
        )
        for s in current.steps
    ]
    session.add(version)
    session.flush()
    return version


def set_case_status(session: Session, row: bm.Case, status: Status) -> None:
    """A case and the questions of its steps share one status."""
    row.status = status
    for q in session.scalars(sa.select(bm.Question).where(bm.Question.case_id == row.id)):
        q.status = status


def _publish_case(session: Session, revision: Revision, user: User) -> None:
    revision.content.current_version = revision.version
    for step in revision.version.steps:
        step.question_version.question.current_version = step.question_version
        step.question_version.reviewer_id = user.id


def _case_preview(revision: Revision) -> dict[str, Any]:
    steps = [
        (
            step,
            trainee_view(step.question_version.as_question(), step.question_version.media_sha256),
        )
        for step in revision.version.steps
    ]
    return {"steps": steps}


CASE = authoring.register(
    AuthoredKind(
        name="case",
        revision_model=CaseRevision,
        load=queries.case,
        copy_version=_copy_case_version,
        set_status=set_case_status,
        publish=_publish_case,
        versions=queries.case_versions,
        dump=queries.case_yaml,
        deletable=False,
        revision_path="case-revisions",
        history_rules=("/cases/<int:case_id>/history",),
        content_path="cases",
        id_arg="case_id",
        endpoint_infix="case_",
        history_endpoint="studio.case_history",
        preview=_case_preview,
        preview_template="studio/_case_preview.html",
        messages=authoring.KindMessages(
            submitted=_l("Case sent for review."),
            withdrawn=_l("Case withdrawn from review."),
            discarded=_l("Case revision discarded."),
            published=_l("Case approved and published."),
            retired=_l("Case retired: it is no longer drawn."),
            own_approval=_l("You cannot approve your own case: a second instructor must."),
            revise_unpublished=_l("Only a published case can be revised."),
            revised_by_another=_l("Another instructor is revising this case; review their draft."),
            retire_unpublished=_l("Only a published case can be retired."),
            keep_as_draft=_l(
                "A case that was never published cannot be discarded; keep it as a draft."
            ),
        ),
        audit_prefix="studio.case.",
    )
)
