"""Assignment and Grade Services: a graded attempt's score goes to the platform's line item.

``remember_line_item`` keeps the AGS claim of a launch; the quiz's ``after_grading`` hook
(``queue_scores``) writes one ``LtiScorePost`` per line item of that person and module, in the
grading transaction; ``send_due`` posts them with pylti1p3next's service connector (OAuth2
client credentials with a JWT signed by the tool's key), records each try (audited) and
retries with backoff; after ``MAX_TRIES`` a post is ``failed`` until an administrator resends it.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask, Response
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.banks.models import Module
from app.errors import DomainError
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.lti.launch import tool_registration
from app.lti.models import LtiGradeLink, LtiPlatform, LtiScorePost
from app.quiz import services as quiz_services
from app.quiz.models import Attempt

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
MAX_TRIES = 8
TIMEOUT_SECONDS = 10
log = logging.getLogger(__name__)
QUEUED_KEY = "lti_scores_queued"  # session.info: score posts queued in this unit of work


def backoff(tries: int) -> timedelta:
    return timedelta(minutes=min(6 * 60, 2 ** max(0, tries - 1)))


def remember_line_item(
    session: Session, platform: LtiPlatform, user_id: int, claims: dict[str, Any], slug: str
) -> LtiGradeLink | None:
    """Keep the launch's line item (when the platform grants the score scope)."""
    ags = claims.get(AGS_CLAIM) or {}
    lineitem, scopes = ags.get("lineitem"), ags.get("scope") or []
    if not slug or not isinstance(lineitem, str) or SCORE_SCOPE not in scopes:
        return None
    link = session.scalar(
        sa.select(LtiGradeLink).where(
            LtiGradeLink.platform_id == platform.id,
            LtiGradeLink.user_id == user_id,
            LtiGradeLink.lineitem == lineitem[:1000],
        )
    )
    if link is None:
        link = LtiGradeLink(platform_id=platform.id, user_id=user_id, lineitem=lineitem[:1000])
        session.add(link)
    link.subject, link.module_slug, link.scopes = str(claims["sub"]), slug, list(scopes)
    session.flush()
    return link


@functools.cache
def _links_query() -> sa.Select:
    """The person's line items for the attempt's module (built once: a statement per submit)."""
    slug = sa.select(Module.slug).where(Module.id == sa.bindparam("module_id"))
    return sa.select(LtiGradeLink).where(
        LtiGradeLink.user_id == sa.bindparam("user_id"),
        LtiGradeLink.module_slug == slug.scalar_subquery(),
    )


def queue_scores(session: Session, attempt: Attempt) -> None:
    """after_grading: one score post per line item of this person and module."""
    links = session.scalars(
        _links_query(), {"user_id": attempt.user_id, "module_id": attempt.module_id}
    ).all()
    queued = session.info.setdefault(QUEUED_KEY, [])
    for link in links:
        score = {
            "given": float(attempt.score or 0.0),
            "maximum": float(attempt.max_score),
            "timestamp": (attempt.submitted_at or clock.utcnow()).isoformat(),
            "passed": bool(attempt.passed),
        }
        post = LtiScorePost(
            grade_link_id=link.id,
            attempt_id=attempt.id,
            score=score,
            status="pending",
            attempts=0,
            next_attempt_at=clock.utcnow(),
            last_error="",
            created_at=clock.utcnow(),
        )
        session.add(post)
        session.flush()
        queued.append(post.id)


def register_hooks() -> None:
    if queue_scores not in quiz_services.after_grading:
        quiz_services.after_grading.append(queue_scores)


class TimeoutSession(requests.Session):
    """Every call to a platform gives up after ``TIMEOUT_SECONDS``."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


class ToolServiceConnector(ServiceConnector):
    """pylti1p3next leaves the token cache to the tool: one token per sending run."""

    _tokens: dict[str, str]

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return getattr(self, "_tokens", {}).get(scope_key)

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        if not hasattr(self, "_tokens"):
            self._tokens = {}
        self._tokens[scope_key] = access_token


def _post(session: Session, post: LtiScorePost) -> None:
    link = session.get(LtiGradeLink, post.grade_link_id)
    assert link is not None
    platform = session.get(LtiPlatform, link.platform_id)
    assert platform is not None
    connector = ToolServiceConnector(
        tool_registration(session, platform), requests_session=TimeoutSession()
    )
    service = AssignmentsGradesService(connector, {"scope": link.scopes, "lineitem": link.lineitem})
    grade = (
        Grade()
        .set_score_given(post.score["given"])
        .set_score_maximum(post.score["maximum"])
        .set_timestamp(post.score["timestamp"])
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(link.subject)
    )
    service.put_grade(grade)


def send_due(session: Session, ids: list[int] | None = None) -> tuple[int, int]:
    """Post the due scores (or ``ids``); commit after each. Returns (sent, failed tries).
    Posts to a disabled registration are held (left pending, untried) until it is enabled."""
    now = clock.utcnow()
    query = (
        sa.select(LtiScorePost)
        .join(LtiGradeLink, LtiGradeLink.id == LtiScorePost.grade_link_id)
        .join(LtiPlatform, LtiPlatform.id == LtiGradeLink.platform_id)
        .where(
            LtiScorePost.status == "pending",
            LtiScorePost.next_attempt_at <= now,
            LtiPlatform.disabled_at.is_(None),
        )
    )
    if ids is not None:
        query = query.where(LtiScorePost.id.in_(ids))
    sent = failed = 0
    for post in session.scalars(query.order_by(LtiScorePost.id)).all():
        post.attempts += 1
        try:
            _post(session, post)
        except (LtiException, requests.RequestException) as exc:
            failed += 1
            post.last_error = f"{type(exc).__name__}: {exc}"[:500]
            post.status = "failed" if post.attempts >= MAX_TRIES else "pending"
            post.next_attempt_at = clock.utcnow() + backoff(post.attempts)
            record(session, None, "lti.score_failed", "lti_score_post", post.id,
                   {"attempt": post.attempt_id, "error": post.last_error})  # fmt: skip
        else:
            sent += 1
            post.status, post.sent_at, post.last_error = "sent", clock.utcnow(), ""
            record(session, None, "lti.score_sent", "lti_score_post", post.id,
                   {"attempt": post.attempt_id, "score": post.score})  # fmt: skip
        session.commit()
    return sent, failed


class AlreadyAccepted(DomainError):
    code = "lti_score_already_accepted"
    status = 409
    message = _l("The platform has accepted this score already: it is not sent again.")


def _accepted(session: Session, post: LtiScorePost) -> bool:
    """This post, or another of the same attempt to the same line item, was accepted."""
    return post.status == "sent" or (
        session.scalar(
            sa.select(LtiScorePost.id).where(
                LtiScorePost.grade_link_id == post.grade_link_id,
                LtiScorePost.attempt_id == post.attempt_id,
                LtiScorePost.status == "sent",
            )
        )
        is not None
    )


def resend(session: Session, actor: Any, post_id: int) -> LtiScorePost | None:
    """Put a failed (or waiting) post back in line now (audited); None if unknown. Refuses
    AlreadyAccepted when the platform accepted it (or the same attempt's score) already."""
    post = session.get(LtiScorePost, post_id)
    if post is None:
        return None
    if _accepted(session, post):
        raise AlreadyAccepted()
    post.status, post.next_attempt_at = "pending", clock.utcnow()
    record(session, actor, "lti.score_resend", "lti_score_post", post.id, {})
    session.flush()
    return post


def resend_failed(session: Session, actor: Any) -> list[int]:
    """Put every failed post back in line (those whose score was accepted meanwhile are left
    failed); returns their ids. Audited one by one."""
    ids = []
    failed = session.scalars(
        sa.select(LtiScorePost).where(LtiScorePost.status == "failed").order_by(LtiScorePost.id)
    )
    for post in failed.all():
        if not _accepted(session, post):
            post.status, post.next_attempt_at = "pending", clock.utcnow()
            record(session, actor, "lti.score_resend", "lti_score_post", post.id, {"all": True})
            ids.append(post.id)
    session.flush()
    return ids


def failed_posts(
    session: Session, limit: int = 500
) -> list[tuple[LtiScorePost, LtiGradeLink, LtiPlatform]]:
    """Failed posts, newest first, with their line item and platform (one query)."""
    rows = session.execute(
        sa.select(LtiScorePost, LtiGradeLink, LtiPlatform)
        .join(LtiGradeLink, LtiGradeLink.id == LtiScorePost.grade_link_id)
        .join(LtiPlatform, LtiPlatform.id == LtiGradeLink.platform_id)
        .where(LtiScorePost.status == "failed")
        .order_by(LtiScorePost.next_attempt_at.desc(), LtiScorePost.id.desc())
        .limit(limit)
    )
    return [(p, g, pl) for p, g, pl in rows]


def held_count(session: Session) -> int:
    """Pending posts held because their registration is disabled."""
    return (
        session.scalar(
            sa.select(sa.func.count(LtiScorePost.id))
            .join(LtiGradeLink, LtiGradeLink.id == LtiScorePost.grade_link_id)
            .join(LtiPlatform, LtiPlatform.id == LtiGradeLink.platform_id)
            .where(LtiScorePost.status == "pending", LtiPlatform.disabled_at.is_not(None))
        )
        or 0
    )


def init_lti(app: Flask) -> None:
    """Post what a request queued once its response has gone out (as mail and xAPI do)."""

    @app.after_request
    def post_queued_scores(response: Response) -> Response:
        ids = list(db.session.info.pop(QUEUED_KEY, []))
        if ids:
            response.call_on_close(lambda: _send_after_response(app, ids))
        return response


def _send_after_response(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            send_due(db.session, ids)
        except Exception:  # never let a platform break the server; cron retries
            log.exception("posting LTI scores %s after the response failed", ids)
            db.session.rollback()
