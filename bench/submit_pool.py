"""Open, answered exams for the benchmark's submit endpoint, run in a child process before
each run of it (untimed): each of the last ``N`` seeded trainees (the world's "submitters")
gets an open attempt of the 50-question exam, started by ``quiz.services.start_attempt`` and
answered, so that a run's seconds hold submits only. A submitter whose attempt is still open
(not submitted in the last run) keeps it. Prints one line of JSON, ``[{"email", "attempt"}]``,
in the submitters' order.

Each item holds the key's answer with probability 0.75 (the rest are left unanswered), drawn
from a generator seeded by the attempt's id: submits grade a realistic spread of scores,
passes and fails alike, the same from run to run.

    python bench/submit_pool.py PREFIX N
"""

from __future__ import annotations

import json
import random
import sys

import sqlalchemy as sa

from app import create_app
from app.auth.models import User
from app.banks.models import Module, QuestionVersion
from app.extensions import db
from app.quiz import scoring
from app.quiz.models import AttemptItem
from app.quiz.services import begin_attempt

ANSWERED = 0.75


def answer(session, attempt) -> None:
    """The key's answer in about ``ANSWERED`` of the attempt's items, in one executemany."""
    rng = random.Random(attempt.id)
    rows = session.execute(
        sa.select(AttemptItem.id, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(AttemptItem.attempt_id == attempt.id)
    ).all()
    values = []
    for item_id, version in rows:
        if rng.random() < ANSWERED:
            question = version.as_question()
            response = scoring.validate_response(question, scoring.key_response(question))
            values.append({"item_id": item_id, "answer": response})
    table = AttemptItem.__table__
    if values:
        session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("item_id"))
            .values(response=sa.bindparam("answer"), seq=1),
            values,
        )


def open_exams(session, emails: list[str], module) -> list[int]:
    """An open exam of ``module`` for each user named (begun, and answered if new), committed
    one by one; the attempts' ids in the order given."""
    opened = []
    for email in emails:
        user = session.scalar(sa.select(User).where(User.email == email))
        attempt, created, _ = begin_attempt(session, user, module)
        if created:
            answer(session, attempt)
        opened.append(attempt.id)
        session.commit()
    return opened


def main() -> None:
    prefix, count = sys.argv[1], int(sys.argv[2])
    app = create_app()
    with app.app_context():
        session = db.session
        emails = session.scalars(
            sa.select(User.email)
            .where(User.email.like(f"{prefix}-trainee%"))
            .order_by(User.id.desc())
            .limit(count)
        ).all()[::-1]
        module = session.scalar(sa.select(Module).where(Module.slug == f"{prefix}-exam"))
        opened = open_exams(session, emails, module)
        print(json.dumps([{"email": e, "attempt": a} for e, a in zip(emails, opened, strict=True)]))


if __name__ == "__main__":
    main()
