"""Programs, modules and passed attempts for certificate tests (flush, never commit)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.banks.models import Module, Program
from app.banks.schema import Mode, ReviewPolicy
from app.quiz.models import Attempt, AttemptStatus

_n = itertools.count(1)


def make_module(session: Session, slug: str | None = None, **kw) -> Module:
    n = next(_n)
    module = Module(
        slug=slug or f"module-{n}",
        title=kw.pop("title", f"Module {n}"),
        mode=kw.pop("mode", Mode.EXAM),
        review_policy=kw.pop("review_policy", ReviewPolicy.SCORE),
        pass_mark=kw.pop("pass_mark", 70.0),
        **kw,
    )
    session.add(module)
    session.flush()
    return module


def make_program(
    session: Session, *, modules: int = 2, requires_review: bool = True, renewal: bool = True
) -> tuple[Program, list[Module], Module | None]:
    """A program of ``modules`` exams (the last is the final exam) and a renewal module."""
    n = next(_n)
    mods = [make_module(session, f"p{n}-exam-{i}") for i in range(modules)]
    renewal_module = make_module(session, f"p{n}-renewal") if renewal else None
    program = Program(
        slug=f"program-{n}",
        title="Dry Needling Foundations",
        description="The foundation program in dry needling.",
        module_slugs=[m.slug for m in mods],
        final_exam_slug=mods[-1].slug,
        validity_months=24,
        ce_hours=17.5,
        requires_review=requires_review,
        renewal_module_slug=renewal_module.slug if renewal_module else None,
        serial_prefix="DNF",
    )
    session.add(program)
    session.flush()
    return program, mods, renewal_module


def make_attempt(
    session: Session, user: User, module: Module, *, passed: bool = True, open_: bool = False
) -> Attempt:
    """A graded attempt (or an open one with no items and pass mark 0, which passes)."""
    now = clock.utcnow()
    used = session.scalar(
        sa.select(sa.func.count())
        .select_from(Attempt)
        .where(Attempt.user_id == user.id, Attempt.module_id == module.id)
    )
    attempt_no = int(used or 0) + 1
    attempt = Attempt(
        user_id=user.id,
        module_id=module.id,
        attempt_no=attempt_no,
        mode=Mode.EXAM,
        status=AttemptStatus.IN_PROGRESS if open_ else AttemptStatus.SUBMITTED,
        started_at=now - timedelta(minutes=30),
        submitted_at=None if open_ else now,
        max_score=0.0 if open_ else 10.0,
        score=None if open_ else (9.0 if passed else 3.0),
        percent=None if open_ else (90.0 if passed else 30.0),
        passed=None if open_ else passed,
        pass_mark=0.0 if open_ else 70.0,
    )
    session.add(attempt)
    session.flush()
    return attempt
