"""Builders for studio tests: questions from pydantic models, exam modules, graded attempts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app import clock
from app.banks import models as bm
from app.banks.schema import (
    QUESTION_ADAPTER,
    Mode,
    ReviewPolicy,
    Status,
    content_hash,
    version_content,
)
from app.quiz import exposure
from app.quiz.models import Attempt, AttemptItem, AttemptStatus


def single_choice(key: str, options: int = 4, correct: int = 0, **kw: Any) -> dict[str, Any]:
    return {
        "key": key,
        "type": "single_choice",
        "stem": kw.pop("stem", f"Stem of {key}?"),
        "references": ["Ref 2020"],
        "options": [
            {"id": chr(ord("a") + i), "text": f"Option {i}", "correct": i == correct}
            for i in range(options)
        ],
        **kw,
    }


class Builder:
    def __init__(self, session):
        self.session = session
        self.topic = self._topic("studio-topic")

    def _topic(self, slug: str) -> bm.Topic:
        row = self.session.scalar(sa.select(bm.Topic).where(bm.Topic.slug == slug))
        if row is None:
            row = bm.Topic(slug=slug, title=slug)
            self.session.add(row)
            self.session.flush()
        return row

    def question(
        self, data: dict[str, Any], status: Status = Status.PUBLISHED, author=None
    ) -> bm.QuestionVersion:
        q = QUESTION_ADAPTER.validate_python(data)
        row = bm.Question(key=q.key, topic=self.topic, status=status)
        self.session.add(row)
        self.session.flush()
        version = bm.QuestionVersion(
            question_id=row.id,
            version_no=1,
            type=q.type,
            difficulty=q.difficulty,
            objective=q.objective,
            content=version_content(q),
            content_hash=content_hash(q),
            author_id=author.id if author else None,
        )
        self.session.add(version)
        self.session.flush()
        row.current_version_id = version.id
        self.session.flush()
        return version

    def module(self, slug: str = "studio-exam", mode: Mode = Mode.EXAM, count: int = 5):
        row = bm.Module(
            slug=slug,
            title=slug,
            mode=mode,
            blueprint=[{"topic": self.topic.slug, "difficulty": None, "count": count}],
            case_draws=[],
            objectives=[],
            prerequisites=[],
            review_policy=ReviewPolicy.FULL,
            pass_mark=70.0,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def attempt(
        self,
        user,
        module,
        marks: list[tuple[bm.QuestionVersion, float, Any]],
        *,
        attempt_no: int = 1,
        mode: Mode = Mode.EXAM,
        status: AttemptStatus = AttemptStatus.SUBMITTED,
    ) -> Attempt:
        """``marks``: (version, score, response) per item, in position order."""
        now = clock.utcnow()
        total = sum(score for _, score, _ in marks)
        closed = status != AttemptStatus.IN_PROGRESS
        attempt = Attempt(
            user_id=user.id,
            module_id=module.id,
            attempt_no=attempt_no,
            mode=mode,
            status=status,
            started_at=now,
            submitted_at=now + timedelta(minutes=5) if closed else None,
            score=total if closed else None,
            max_score=float(len(marks)),
            percent=100.0 * total / len(marks) if closed else None,
            passed=None,
            pass_mark=module.pass_mark,
        )
        attempt.items = [
            AttemptItem(
                position=i + 1,
                question_version_id=v.id,
                display={},
                response=response,
                score=score if closed else None,
                max_score=1.0,
            )
            for i, (v, score, response) in enumerate(marks)
        ]
        self.session.add(attempt)
        self.session.flush()
        # What the start records of what it served (the draw's and item analysis's counts).
        exposure.record(self.session, user.id, {v.question_id for v, _, _ in marks})
        return attempt


@pytest.fixture
def build(db_session) -> Builder:
    return Builder(db_session)
