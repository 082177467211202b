"""The integrity rules (``app.ops.integrity``, ``flask backup check``): silent on a consistent
database, and each one names the row that breaks it."""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import Certificate, Completion
from app.ops import integrity
from app.quiz.models import Attempt, AttemptItem
from tests import factories
from tests.certificates.conftest import certified, settings  # noqa: F401 (fixtures)
from tests.certificates.helpers import make_attempt


def codes(session) -> list[tuple[str, str]]:
    return [(p.code, p.row_id) for p in integrity.check(session)]


def _update(session, model, row_id, **values) -> None:
    session.execute(sa.update(model).where(model.id == row_id).values(**values))
    session.expire_all()


def test_a_certified_trainee_breaks_no_rule(certified, db_session):  # noqa: F811
    assert integrity.check(db_session) == []


def test_attempt_state_rules(certified, db_session):  # noqa: F811
    module = certified.modules[0]
    open_attempt = make_attempt(db_session, certified.trainee, module, open_=True)
    closed = make_attempt(db_session, certified.trainee, module)
    assert codes(db_session) == []

    _update(db_session, Attempt, open_attempt.id, score=0.0)
    _update(db_session, Attempt, closed.id, percent=None)
    assert codes(db_session) == [
        ("open_attempt_graded", str(open_attempt.id)),
        ("closed_attempt_ungraded", str(closed.id)),
    ]
    _update(db_session, Attempt, open_attempt.id, score=None)
    _update(db_session, Attempt, closed.id, percent=90.0, passed=False)  # 90 % ≥ 70 %
    assert codes(db_session) == [("pass_flag_wrong", str(closed.id))]


def test_item_rules(app, db_session, tmp_path):
    from tests.quiz.bank import build_bank

    build_bank(db_session, tmp_path / "bank")
    trainee = factories.make_user("trainee")
    other = factories.make_user("trainee")
    db_session.commit()
    with app.app_context():
        from app.quiz import services

        attempt = services.start_attempt(db_session, trainee, _module(db_session, "beta-exam"))
        services.submit_attempt(db_session, trainee, attempt.id)
        spare = services.start_attempt(db_session, other, _module(db_session, "beta-exam"))
    db_session.flush()
    assert codes(db_session) == []
    item = attempt.items[0]
    _update(db_session, AttemptItem, item.id, score=None)
    assert codes(db_session) == [("closed_attempt_item_unscored", str(item.id))]
    _update(db_session, AttemptItem, item.id, score=0.0)

    _without_foreign_keys(db_session)
    orphan_id = spare.items[0].id
    _update(db_session, AttemptItem, orphan_id, attempt_id=spare.id + 100_000)
    assert codes(db_session) == [("item_without_attempt", str(orphan_id))]


def test_completion_and_certificate_rules(certified, db_session):  # noqa: F811
    someone = factories.make_user("trainee")
    theirs = make_attempt(db_session, someone, certified.modules[0])
    completion = certified.completion
    _update(db_session, Completion, completion.id, attempt_id=theirs.id)
    assert codes(db_session) == [("completion_attempt_wrong", str(completion.id))]
    mine = make_attempt(db_session, certified.trainee, certified.modules[0], open_=True)
    _update(db_session, Completion, completion.id, attempt_id=mine.id)
    assert codes(db_session) == [("completion_attempt_wrong", str(completion.id))]
    _update(db_session, Completion, completion.id, attempt_id=None, status="pending")
    certificate_id = str(certified.certificate.id)
    assert [c for c, _ in codes(db_session)] == ["certificate_completion_wrong"]
    assert codes(db_session)[0][1].replace("-", "") == certificate_id.replace("-", "")

    _without_foreign_keys(db_session)
    _update(db_session, Completion, completion.id, status="approved", attempt_id=987_654)
    assert [c for c, _ in codes(db_session)] == ["completion_attempt_wrong"]
    db_session.execute(sa.delete(Completion).where(Completion.id == completion.id))
    assert [c for c, _ in codes(db_session)] == ["certificate_completion_wrong"]
    assert db_session.get(Certificate, certified.certificate.id) is not None


def test_check_command_lists_each_broken_row_and_exits_1(certified, db_session, runner):  # noqa: F811
    ok = runner.invoke(args=["backup", "check"])
    assert ok.exit_code == 0, ok.output
    assert f"all {len(integrity.RULES)} rules hold" in ok.output
    broken = make_attempt(db_session, certified.trainee, certified.modules[0])
    _update(db_session, Attempt, broken.id, score=None)
    db_session.commit()  # a savepoint: the command's session sees it
    failed = runner.invoke(args=["backup", "check"])
    assert failed.exit_code == 1
    assert f"attempts {broken.id}: submitted or expired without" in failed.output
    assert "1 row(s) in an impossible state" in failed.output


def _module(session, slug):
    from app.banks.models import Module

    return session.scalar(sa.select(Module).where(Module.slug == slug))


def _without_foreign_keys(session) -> None:
    """Let the test write rows a broken copy could hold (the outer transaction is rolled back,
    so nothing is ever committed): deferred to a commit that never comes on SQLite; triggers
    (which carry PostgreSQL's foreign keys) off for this transaction."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
    else:
        session.execute(sa.text("SET LOCAL session_replication_role = replica"))
