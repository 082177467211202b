"""The one revision workflow of everything authored: draft → in review → published.

Services take the session, the acting user and the authored kind (``app.studio.authoring``);
they flush and never commit. Every step is an audit event named by the kind.

Ownership rule (SECURITY.md A6): a draft belongs to its author; only the author edits,
submits, withdraws, discards or deletes it. Any instructor may start a revision of published
content (a new draft version that is theirs). Only an instructor or admin other than the
author may approve a revision or request changes (four eyes). Retiring published content is
open to any instructor. Admins follow the same authorship rules.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.banks.schema import Status
from app.errors import Conflict, NotFound
from app.i18n import gettext as _
from app.studio import authoring
from app.studio.authoring import AuthoredKind
from app.studio.models import OPEN_STATES, ReviewComment, Revision, RevisionState


def begin(session: Session, user: User, kind: AuthoredKind, content: object, version: object):
    """The first revision of new content (its version 1, already written), owned by ``user``."""
    revision = kind.revision_model(
        content_id=content.id,  # type: ignore[attr-defined]
        version_id=version.id,  # type: ignore[attr-defined]
        author_id=user.id,
    )
    session.add(revision)
    session.flush()
    return revision


def own_open(session: Session, user: User, kind: AuthoredKind, revision_id: int) -> Revision:
    """The user's own open revision of this kind (another's, or a missing one → 404)."""
    model = kind.revision_model
    revision = session.scalar(
        sa.select(model).where(model.id == revision_id, model.author_id == user.id)
    )
    if revision is None:
        raise NotFound()
    if not revision.is_open:
        raise Conflict(_("This revision is closed."))
    return revision


def own_draft(session: Session, user: User, kind: AuthoredKind, revision_id: int) -> Revision:
    """The user's own revision, still a draft (in review: withdraw it first)."""
    revision = own_open(session, user, kind, revision_id)
    authoring.next_state(revision.state, "save")
    return revision


def draft_saved(session: Session, user: User, revision: Revision) -> None:
    """Stamp and audit a saved draft (its content was written by the kind's own code)."""
    revision.updated_at = clock.utcnow()
    session.flush()
    _record(
        session,
        user,
        revision,
        "draft.save",
        {"revision": revision.id, "version_no": revision.version.version_no},
    )


def _record(session: Session, user: User, revision: Revision, action: str, details: dict) -> None:
    kind = authoring.kind_of(revision)
    record(session, user, kind.event(action), kind.name, revision.content_id, details)


def start(session: Session, user: User, kind: AuthoredKind, content_id: int) -> Revision:
    """A new draft version of published content; the published one stays the one drawn."""
    row = kind.load(session, content_id)
    if row.status != Status.PUBLISHED or row.current_version is None:
        raise Conflict(kind.say("revise_unpublished"))
    model = kind.revision_model
    open_revision = session.scalar(
        sa.select(model).where(model.content_id == row.id, model.state.in_(OPEN_STATES))
    )
    if open_revision is not None:
        if open_revision.author_id == user.id:
            return open_revision
        raise Conflict(kind.say("revised_by_another"))
    base = row.current_version
    version = kind.copy_version(session, row, user)
    revision = model(
        content_id=row.id, version_id=version.id, base_version_id=base.id, author_id=user.id
    )
    session.add(revision)
    session.flush()
    record(
        session,
        user,
        kind.event("revision.start"),
        kind.name,
        row.id,
        {"version_no": version.version_no},
    )
    return revision


def submit(session: Session, user: User, kind: AuthoredKind, revision_id: int) -> Revision:
    revision = own_open(session, user, kind, revision_id)
    revision.state = authoring.next_state(revision.state, "submit")
    revision.submitted_at = clock.utcnow()
    if revision.content.status == Status.DRAFT:
        kind.set_status(session, revision.content, Status.IN_REVIEW)
    session.flush()
    _record(session, user, revision, "review.submit", {"revision": revision.id})
    return revision


def withdraw(session: Session, user: User, kind: AuthoredKind, revision_id: int) -> Revision:
    revision = own_open(session, user, kind, revision_id)
    revision.state = authoring.next_state(revision.state, "withdraw")
    if revision.content.status == Status.IN_REVIEW:
        kind.set_status(session, revision.content, Status.DRAFT)
    session.flush()
    _record(session, user, revision, "review.withdraw", {"revision": revision.id})
    return revision


def _in_review(session: Session, kind: AuthoredKind, revision_id: int) -> Revision:
    revision = session.get(kind.revision_model, revision_id)
    if revision is None:
        raise NotFound()
    authoring.next_state(revision.state, "approve")
    return revision


def review(
    session: Session, user: User, kind: AuthoredKind, revision_id: int, action: str, comment: str
) -> Revision:
    """Approve (publish: it becomes the version drawn) or request changes (back to draft).

    Only someone other than the author may do either (``authoring.check_reviewer``). Attempts
    keep the version they drew, so publishing never changes an attempt in progress.
    """
    revision = _in_review(session, kind, revision_id)
    authoring.check_reviewer(revision.author_id, user.id, action, kind)
    body = authoring.review_comment(action, comment)
    revision.state = authoring.next_state(revision.state, action)
    revision.reviewer_id = user.id
    if action == "approve":
        revision.decided_at = clock.utcnow()
        kind.publish(session, revision, user)
        kind.set_status(session, revision.content, Status.PUBLISHED)
        details = {"revision": revision.id, "version_no": revision.version.version_no}
    else:
        if revision.content.status == Status.IN_REVIEW:
            kind.set_status(session, revision.content, Status.DRAFT)
        details = {"revision": revision.id}
    revision.comments.append(ReviewComment(author_id=user.id, kind=action, body=body))
    session.flush()
    _record(session, user, revision, f"review.{action}", details)
    return revision


def approve(
    session: Session, user: User, kind: AuthoredKind, revision_id: int, comment: str = ""
) -> Revision:
    return review(session, user, kind, revision_id, "approve", comment)


def request_changes(
    session: Session, user: User, kind: AuthoredKind, revision_id: int, comment: str
) -> Revision:
    return review(session, user, kind, revision_id, "request_changes", comment)


def discard(session: Session, user: User, kind: AuthoredKind, revision_id: int) -> Revision:
    """Discard the user's open revision of published content (the version stays in history)."""
    revision = own_open(session, user, kind, revision_id)
    if revision.base_version_id is None:
        raise Conflict(kind.discard_refusal())
    revision.state = RevisionState.DISCARDED
    revision.decided_at = clock.utcnow()
    session.flush()
    _record(session, user, revision, "revision.discard", {"revision": revision.id})
    return revision


def retire(session: Session, user: User, kind: AuthoredKind, content_id: int) -> object:
    """Stop drawing published content (any instructor may)."""
    row = kind.load(session, content_id)
    if row.status != Status.PUBLISHED:
        raise Conflict(kind.say("retire_unpublished"))
    kind.set_status(session, row, Status.RETIRED)
    session.flush()
    record(session, user, kind.event("retire"), kind.name, row.id, {"key": row.key})
    return row


def revisions_of(session: Session, kind: AuthoredKind, content_id: int) -> list[Revision]:
    model = kind.revision_model
    return list(session.scalars(sa.select(model).where(model.content_id == content_id)))
