"""Reads for the banks: current versions as models, counts, what a module can draw from."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.banks import models as m
from app.banks import pools
from app.banks.schema import Mode, Status


def bank_stats(session: Session) -> dict[str, Any]:
    """Counts of questions (standalone and case steps) by topic, type, difficulty and status."""
    rows = session.execute(
        sa.select(
            m.Topic.slug, m.QuestionVersion.type, m.QuestionVersion.difficulty, m.Question.status
        )
        .join(m.Question, m.Question.topic_id == m.Topic.id)
        .join(m.QuestionVersion, m.QuestionVersion.id == m.Question.current_version_id)
    ).all()
    by = [Counter(), Counter(), Counter(), Counter()]
    for row in rows:
        for counter, value in zip(by, row, strict=True):
            counter[getattr(value, "value", value)] += 1
    return {
        "questions": {
            "total": len(rows),
            "by_topic": dict(by[0]),
            "by_type": dict(by[1]),
            "by_difficulty": dict(by[2]),
            "by_status": dict(by[3]),
        },
        "cases": session.scalar(sa.select(sa.func.count()).select_from(m.Case)) or 0,
        "modules": session.scalar(sa.select(sa.func.count()).select_from(m.Module)) or 0,
        "programs": session.scalar(sa.select(sa.func.count()).select_from(m.Program)) or 0,
        **pool_stats(inventory(session)),
    }


def pool_stats(inv: pools.Inventory) -> dict[str, Any]:
    """The issue-14 fields of ``banks stats --json``: cognitive levels of the exam questions,
    exam and practice pools, answer-key cues (computed as ``banks lint`` computes them)."""
    return {
        "cognitive_level": pools.cognitive_levels(inv),
        "exam_pools": [p.contract() for p in pools.exam_pools(inv)],
        "practice_pools": [p.contract() for p in pools.practice_pools(inv)],
        "cues": pools.cues(inv),
    }


def inventory(session: Session) -> pools.Inventory:
    """The modules and the published current versions of the database, for ``pools``: the
    standalone questions, the cases and their steps' questions (a case's steps count when the
    case is published)."""
    modules = [
        pools.PoolModule(
            row.slug,
            row.mode == Mode.EXAM,
            tuple((r["topic"], r.get("difficulty"), r["count"]) for r in row.blueprint),
            tuple((d.get("topic"), d["count"]) for d in row.case_draws),
        )
        for row in session.scalars(sa.select(m.Module).order_by(m.Module.position, m.Module.id))
    ]
    questions = [
        pools.PoolQuestion(slug, version.as_question())
        for slug, version in session.execute(
            sa.select(m.Topic.slug, m.QuestionVersion)
            .join(m.Question, m.Question.topic_id == m.Topic.id)
            .join(m.QuestionVersion, m.QuestionVersion.id == m.Question.current_version_id)
            .where(m.Question.case_id.is_(None), m.Question.status == Status.PUBLISHED)
            .order_by(m.Question.key)
        )
    ]
    cases = []
    for key, slug, version in session.execute(
        sa.select(m.Case.key, m.Topic.slug, m.CaseVersion)
        .join(m.Topic, m.Topic.id == m.Case.topic_id)
        .join(m.CaseVersion, m.CaseVersion.id == m.Case.current_version_id)
        .where(m.Case.status == Status.PUBLISHED)
        .order_by(m.Case.key)
    ):
        cases.append(pools.PoolCase(key, slug, version.use))
        questions += [
            pools.PoolQuestion(slug, step.question_version.as_question(), case_key=key)
            for step in version.steps
        ]
    return pools.Inventory(modules, questions, cases)


def current_questions(session: Session, topic: str | None = None) -> list[tuple[str, Any]]:
    """(topic slug, QuestionVersion) of every standalone question's current version."""
    stmt = (
        sa.select(m.Topic.slug, m.QuestionVersion)
        .join(m.Question, m.Question.topic_id == m.Topic.id)
        .join(m.QuestionVersion, m.QuestionVersion.id == m.Question.current_version_id)
        .where(m.Question.case_id.is_(None))
        .order_by(m.Question.key)
    )
    if topic:
        stmt = stmt.where(m.Topic.slug == topic)
    return [(slug, version) for slug, version in session.execute(stmt)]


def next_question_version_no(session: Session, question_id: int) -> int:
    """The number a new version of this question gets (versions are numbered from 1)."""
    latest = session.scalar(
        sa.select(sa.func.max(m.QuestionVersion.version_no)).where(
            m.QuestionVersion.question_id == question_id
        )
    )
    return (latest or 0) + 1


def next_case_version_no(session: Session, case_id: int) -> int:
    """The number a new version of this case gets (versions are numbered from 1)."""
    latest = session.scalar(
        sa.select(sa.func.max(m.CaseVersion.version_no)).where(m.CaseVersion.case_id == case_id)
    )
    return (latest or 0) + 1
