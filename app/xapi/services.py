"""Record xAPI statements in the outbox, in the transaction of what they describe.

Called by the quiz and certificate hooks (``register_hooks``): an attempt started
(attempted), graded (answered per item with the response and its score, completed, passed or
failed) and a certificate issued (earned). Each takes the session, the object and the running
xAPI context (None: xAPI is off, nothing is written), flushes and never commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.banks.models import Program, QuestionVersion
from app.certificates import services as certificate_services
from app.certificates.models import Certificate
from app.quiz import services as quiz_services
from app.quiz.models import Attempt, AttemptItem
from app.xapi import outbox
from app.xapi.statements import Activity, Actor, Score, build, registration_of, to_json


@dataclass(frozen=True)
class XapiContext:
    """What the hooks need from the running app: the public base URL (the IRIs)."""

    base_url: str


def _actor(session: Session, user_id: int, base_url: str) -> Actor:
    user = session.get(User, user_id)
    return Actor(home_page=base_url, account_id=user_id, name=user.name if user else "")


def module_activity(base_url: str, slug: str, title: str) -> Activity:
    return Activity("module", f"{base_url}/xapi/activities/module/{slug}", title)


def _queue(session: Session, statement: object, verb: str, user_id: int) -> None:
    outbox.queue(session, to_json(statement), verb, user_id)  # type: ignore[arg-type]


def record_attempted(session: Session, attempt: Attempt, ctx: XapiContext | None) -> None:
    """An attempt was created (not resumed): ``attempted`` the module."""
    if ctx is None:
        return
    module = attempt.module
    statement = build(
        base_url=ctx.base_url,
        event_key=f"attempt:{attempt.id}:attempted",
        verb="attempted",
        actor=_actor(session, attempt.user_id, ctx.base_url),
        activity=module_activity(ctx.base_url, module.slug, module.title),
        at=attempt.started_at,
        registration=registration_of(ctx.base_url, attempt.id),
    )
    _queue(session, statement, "attempted", attempt.user_id)


def record_graded(session: Session, attempt: Attempt, ctx: XapiContext | None) -> None:
    """An attempt was graded: ``answered`` per item, ``completed``, then ``passed``/``failed``."""
    if ctx is None:
        return
    module = attempt.module
    actor = _actor(session, attempt.user_id, ctx.base_url)
    parent = module_activity(ctx.base_url, module.slug, module.title)
    registration = registration_of(ctx.base_url, attempt.id)
    at = attempt.submitted_at or attempt.started_at
    items = session.scalars(
        sa.select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt.id)
        .options(selectinload(AttemptItem.question_version).selectinload(QuestionVersion.question))
        .order_by(AttemptItem.position)
    ).all()
    for item in items:
        key = item.question_version.question.key
        statement = build(
            base_url=ctx.base_url,
            event_key=f"attempt:{attempt.id}:item:{item.id}:answered",
            verb="answered",
            actor=actor,
            activity=Activity("question", f"{ctx.base_url}/xapi/activities/question/{key}", key),
            at=item.saved_at or at,
            score=Score(item.score or 0.0, item.max_score),
            success=(item.score or 0.0) >= item.max_score,
            response=None if item.response is None else json.dumps(item.response, sort_keys=True),
            parent=parent,
            registration=registration,
        )
        _queue(session, statement, "answered", attempt.user_id)
    score = Score(attempt.score or 0.0, attempt.max_score)
    outcome = "passed" if attempt.passed else "failed"
    for verb in ("completed", outcome):
        statement = build(
            base_url=ctx.base_url,
            event_key=f"attempt:{attempt.id}:{verb}",
            verb=verb,
            actor=actor,
            activity=parent,
            at=at,
            score=score,
            success=bool(attempt.passed),
            completion=True,
            registration=registration,
        )
        _queue(session, statement, verb, attempt.user_id)


def record_earned(session: Session, certificate: Certificate, ctx: XapiContext | None) -> None:
    """A certificate was issued (first, renewal or re-issue): ``earned`` it."""
    if ctx is None:
        return
    program = session.get(Program, certificate.program_id)
    slug = program.slug if program else str(certificate.program_id)
    statement = build(
        base_url=ctx.base_url,
        event_key=f"certificate:{certificate.id}:earned",
        verb="earned",
        actor=_actor(session, certificate.user_id, ctx.base_url),
        activity=Activity(
            "certificate",
            f"{ctx.base_url}/xapi/activities/certificate/{certificate.id}",
            certificate.program_title,
        ),
        at=certificate.issued_at,
        success=True,
        completion=True,
        parent=Activity("program", f"{ctx.base_url}/xapi/activities/program/{slug}", slug),
    )
    _queue(session, statement, "earned", certificate.user_id)


_context: Callable[[], XapiContext | None] = lambda: None  # noqa: E731


def _on_start(session: Session, attempt: Attempt) -> None:
    record_attempted(session, attempt, _context())


def _on_graded(session: Session, attempt: Attempt) -> None:
    record_graded(session, attempt, _context())


def _on_issued(session: Session, certificate: Certificate) -> None:
    record_earned(session, certificate, _context())


def register_hooks(context: Callable[[], XapiContext | None]) -> None:
    """Add the recording hooks to the quiz and the certificates (once per process).
    ``context`` returns the running app's xAPI context, or None when xAPI is off."""
    global _context
    _context = context
    for hooks, hook in (
        (quiz_services.after_start, _on_start),
        (quiz_services.after_grading, _on_graded),
        (certificate_services.after_issue, _on_issued),
    ):
        if hook not in hooks:
            hooks.append(hook)
