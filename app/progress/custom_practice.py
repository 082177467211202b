"""Practice of your own choosing (issue 18): a set built by topic, objective, number of questions
and "only previously wrong or flagged", beside the spaced-repetition queue.

Drawn from practice questions only: published, standalone, ``use: practice``, current version,
with a learning objective (the answer reviews that objective's card, like the queue). Secure
exam items never appear, whatever the filters. The set lives in the trainee's session as a list
of question-version ids and a position; answering goes through the same served-item token and
answer route as the queue, so every answer counts once toward mastery and the schedule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks import models as bm
from app.banks.schema import Status, Use
from app.progress.models import PracticeAnswer
from app.quiz.models import Attempt, AttemptItem

MAX_COUNT = 50  # a session's worth; the form refuses more
SESSION_KEY = "practice_set"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def _practice_versions() -> sa.Select:
    """Current versions of published standalone practice questions with an objective."""
    return (
        sa.select(bm.QuestionVersion.id, bm.QuestionVersion.objective, bm.Topic.slug)
        .join(bm.Question, bm.Question.current_version_id == bm.QuestionVersion.id)
        .join(bm.Topic, bm.Topic.id == bm.Question.topic_id)
        .where(
            bm.Question.status == Status.PUBLISHED,
            bm.Question.case_id.is_(None),
            bm.QuestionVersion.use == Use.PRACTICE,
            bm.QuestionVersion.objective.is_not(None),
        )
    )


def choices(session: Session, objective_texts: dict[str, str]) -> tuple[list[Choice], list[Choice]]:
    """(topics, objectives) that have practice questions, by their readable names: a topic's
    title, an objective's text from the modules that declare it (its id when none does)."""
    rows = session.execute(_practice_versions()).all()
    topic_slugs = {slug for _, _, slug in rows}
    titles = dict(
        session.execute(
            sa.select(bm.Topic.slug, bm.Topic.title).where(bm.Topic.slug.in_(topic_slugs))
        )
        .tuples()
        .all()
    )
    topics = sorted((Choice(s, titles.get(s) or s) for s in topic_slugs), key=lambda c: c.label)
    objectives = sorted(
        (Choice(o, objective_texts.get(o) or o) for o in {o for _, o, _ in rows if o}),
        key=lambda c: c.label.lower(),
    )
    return topics, objectives


def missed_question_ids(session: Session, user: User) -> set[int]:
    """Questions the trainee answered wrong (or partly) in practice or in a graded attempt, or
    flagged in an attempt."""
    ids = set(
        session.scalars(
            sa.select(PracticeAnswer.question_id).where(
                PracticeAnswer.user_id == user.id,
                PracticeAnswer.score < PracticeAnswer.max_score,
            )
        )
    )
    ids.update(
        session.scalars(
            sa.select(bm.QuestionVersion.question_id)
            .join(AttemptItem, AttemptItem.question_version_id == bm.QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(
                Attempt.user_id == user.id,
                sa.or_(
                    AttemptItem.flagged.is_(True),
                    sa.and_(
                        AttemptItem.score.is_not(None),
                        AttemptItem.score < AttemptItem.max_score,
                    ),
                ),
            )
        )
    )
    return ids


def build(
    session: Session,
    user: User,
    *,
    topic: str = "",
    objective: str = "",
    count: int = 10,
    only_missed: bool = False,
    rng: random.Random | None = None,
) -> list[int]:
    """Up to ``count`` practice question-version ids matching the filters, in random order."""
    rng = rng or random.SystemRandom()
    stmt = _practice_versions().add_columns(bm.Question.id)
    if topic:
        stmt = stmt.where(bm.Topic.slug == topic)
    if objective:
        stmt = stmt.where(bm.QuestionVersion.objective == objective)
    rows = session.execute(stmt.order_by(bm.QuestionVersion.id)).all()
    if only_missed:
        missed = missed_question_ids(session, user)
        rows = [r for r in rows if r[3] in missed]
    ids = [r[0] for r in rows]
    rng.shuffle(ids)
    return ids[: max(0, min(count, MAX_COUNT))]


def version(session: Session, version_id: int) -> bm.QuestionVersion | None:
    """A version of the set, if it is still a practice item (else None: it is skipped)."""
    found = session.get(bm.QuestionVersion, version_id)
    if found is None or found.use != Use.PRACTICE or not found.objective:
        return None
    return found


# ---------------------------------------------------------------- the set in the session


@dataclass(frozen=True)
class SetState:
    """The versions of the set and how many are answered."""

    versions: list[int]
    done: int

    @property
    def total(self) -> int:
        return len(self.versions)

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @property
    def current(self) -> int | None:
        return None if self.finished else self.versions[self.done]

    def to_session(self) -> dict[str, Any]:
        return {"v": list(self.versions), "n": self.done}

    def advanced(self, answered_version_id: int) -> SetState:
        """The state after answering ``answered_version_id`` (unchanged if it was not the
        current item: an old tab, a replay or a queue item)."""
        if self.current != answered_version_id:
            return self
        return SetState(self.versions, self.done + 1)


def from_session(data: Any) -> SetState | None:
    """The set stored in the session, or None when there is none (or it is malformed)."""
    if not isinstance(data, dict):
        return None
    versions, done = data.get("v"), data.get("n")
    if not isinstance(versions, list) or not all(isinstance(v, int) for v in versions):
        return None
    if not isinstance(done, int) or not 0 <= done <= len(versions) or not versions:
        return None
    return SetState(versions[:MAX_COUNT], done)
