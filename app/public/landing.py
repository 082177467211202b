"""What the landing page shows a visitor: the configured programs (with their CE hours) and one
sample question.

The sample is a published, practice-use, single-choice question that is not a case step: a
practice item shows its key on "Check answer" anyway, so showing it here reveals nothing an exam
draws from (secure exam items, ``use: exam``, are never chosen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from markupsafe import Markup

from app.banks.models import Module, Program, Question, QuestionVersion
from app.extensions import db
from app.questions.base import Status, Use
from app.text import render_markdown

SAMPLE_TYPE = "single_choice"


@dataclass(frozen=True)
class ProgramSummary:
    title: str
    description: str
    ce_hours: float
    validity_months: int
    module_count: int
    exam_count: int


@dataclass(frozen=True)
class SampleOption:
    html: Markup
    correct: bool
    feedback: str


@dataclass(frozen=True)
class SampleQuestion:
    key: str
    topic: str
    stem_html: Markup
    options: tuple[SampleOption, ...]
    explanation_html: Markup


@dataclass(frozen=True)
class Landing:
    programs: tuple[ProgramSummary, ...]
    sample: SampleQuestion | None


def program_summaries() -> tuple[ProgramSummary, ...]:
    """Every configured program, with the number of its modules that are exams."""
    programs = db.session.scalars(sa.select(Program).order_by(Program.id)).all()
    modes = dict(db.session.execute(sa.select(Module.slug, Module.mode)).all())
    return tuple(
        ProgramSummary(
            title=p.title,
            description=p.description,
            ce_hours=p.ce_hours,
            validity_months=p.validity_months,
            module_count=len(p.module_slugs),
            exam_count=sum(
                1 for s in p.module_slugs if getattr(modes.get(s), "value", "") == "exam"
            ),
        )
        for p in programs
    )


def sample_question() -> SampleQuestion | None:
    """The first published practice single-choice question outside a case (stable order)."""
    version = db.session.scalar(
        sa.select(QuestionVersion)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(
            Question.status == Status.PUBLISHED,
            Question.case_id.is_(None),
            QuestionVersion.use == Use.PRACTICE,
            QuestionVersion.type == SAMPLE_TYPE,
        )
        .order_by(Question.id)
        .limit(1)
    )
    if version is None:
        return None
    return _sample(version)


def _sample(version: QuestionVersion) -> SampleQuestion:
    content: dict[str, Any] = version.content
    question = version.question
    return SampleQuestion(
        key=question.key,
        topic=question.topic.title,
        stem_html=render_markdown(content["stem"]),
        options=tuple(
            SampleOption(
                html=render_markdown(o["text"]),
                correct=bool(o.get("correct")),
                feedback=o.get("feedback", ""),
            )
            for o in content.get("options", [])
        ),
        explanation_html=render_markdown(content.get("explanation", "")),
    )


def landing_page() -> Landing:
    """The landing page's data (three queries)."""
    return Landing(programs=program_summaries(), sample=sample_question())


def init_public(app: Flask) -> None:
    """``landing_page()`` in templates (index.html calls it; the auth layer cannot read banks)."""
    app.add_template_global(landing_page)
