"""``flask bench seed`` (app/benchseed): deterministic, consistent, bad arguments refused."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import User
from app.auth.passwords import verify_password
from app.banks.models import Module, Question, QuestionVersion
from app.banks.schema import content_hash
from app.benchseed.seed import BENCH_PASSWORD, SMALL, Params, plan, plan_hash
from app.quiz.models import Attempt, AttemptItem
from app.quiz.services import start_attempt


def test_small_preset_writes_a_consistent_institution(runner, db_session):
    result = runner.invoke(args=["bench", "seed", "--small", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert f"{SMALL['trainees']} trainees" in result.output
    users = db_session.scalars(sa.select(User).where(User.email.like("bench-%"))).all()
    assert len(users) == SMALL["trainees"]
    assert verify_password(users[0].password_hash, BENCH_PASSWORD)
    versions = db_session.scalars(
        sa.select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
    ).all()
    assert len(versions) == SMALL["questions"]
    assert all(v.content_hash == content_hash(v.as_question()) for v in versions)
    items = db_session.scalar(sa.select(sa.func.count()).select_from(AttemptItem))
    assert items == SMALL["attempts"]
    for attempt in db_session.scalars(sa.select(Attempt)):
        scores = [i.score for i in attempt.items]
        assert attempt.score == sum(scores) and attempt.max_score == len(scores)
        assert attempt.passed == (attempt.percent >= attempt.pass_mark)
    # The app works on it: a seeded trainee starts the seeded exam.
    module = db_session.scalar(sa.select(Module).where(Module.slug == "bench-exam"))
    fresh = start_attempt(db_session, users[-1], module)
    assert len(fresh.items) == min(50, SMALL["questions"])


def test_same_seed_same_content_other_seed_other_content():
    params = Params(trainees=3, questions=10, attempts=40, seed=5)
    assert plan_hash(plan(params)) == plan_hash(plan(params))
    other = Params(trainees=3, questions=10, attempts=40, seed=6)
    assert plan_hash(plan(other)) != plan_hash(plan(params))


def test_bad_arguments_are_refused_and_write_nothing(runner, db_session):
    for args in (
        ["--trainees", "0", "--questions", "5", "--attempts", "1"],
        ["--trainees", "2", "--questions", "-1", "--attempts", "1"],
        ["--trainees", "2"],  # the others missing, and not --small
        ["--small", "--prefix", "no spaces"],
        ["--trainees", "x", "--questions", "5", "--attempts", "1"],
    ):
        result = runner.invoke(args=["bench", "seed", *args])
        assert result.exit_code == 2, (args, result.output)
        assert "Error" in result.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert runner.invoke(args=["bench", "seed", "--small"]).exit_code == 0
    again = runner.invoke(args=["bench", "seed", "--small"])  # the prefix is taken
    assert again.exit_code == 2 and "already seeded" in again.output
