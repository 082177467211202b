"""``flask users …`` commands: clear errors, nothing created on bad input."""

import sqlalchemy as sa

from app.auth.models import Role, User

PASSWORD = "lantern orchard velvet compass 7"


def count(db_session):
    return db_session.scalar(sa.select(sa.func.count()).select_from(User))


def test_users_create_reads_the_password_from_stdin(runner, db_session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.org",
            "--name",
            "New User",
            "--role",
            "instructor",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.role == Role.INSTRUCTOR


def test_unknown_role_exits_non_zero_and_creates_nothing(runner, db_session):
    before = count(db_session)
    result = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--name", "X", "--role", "superuser"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 2
    assert "unknown role" in result.output
    assert count(db_session) == before


def test_duplicate_email_exits_1(runner, db_session):
    args = ["users", "create", "--email", "dup@example.org", "--name", "Dup", "--role", "trainee"]
    assert runner.invoke(args=args, input=PASSWORD + "\n").exit_code == 0
    before = count(db_session)
    result = runner.invoke(args=args, input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count(db_session) == before


def test_weak_password_exits_1(runner, db_session):
    result = runner.invoke(
        args=["users", "create", "--email", "w@example.org", "--name", "W", "--role", "trainee"],
        input="password1234\n",
    )
    assert result.exit_code == 1
    assert "too easy to guess" in result.output


def test_set_role_and_deactivate(runner, db_session):
    runner.invoke(
        args=["users", "create", "--email", "r@example.org", "--name", "R", "--role", "trainee"],
        input=PASSWORD + "\n",
    )
    assert (
        runner.invoke(
            args=["users", "set-role", "--email", "r@example.org", "--role", "admin"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            args=["users", "set-role", "--email", "r@example.org", "--role", "boss"]
        ).exit_code
        == 2
    )
    assert runner.invoke(args=["users", "deactivate", "--email", "r@example.org"]).exit_code == 0
    assert runner.invoke(args=["users", "deactivate", "--email", "none@example.org"]).exit_code == 1
    db_session.expire_all()
    user = db_session.scalar(sa.select(User).where(User.email == "r@example.org"))
    assert user.role == Role.ADMIN
    assert user.is_active is False


def test_demo_setup_is_idempotent(runner, db_session, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    first = runner.invoke(args=["demo", "setup", "--skip-banks"])
    assert first.exit_code == 0, first.output
    n = count(db_session)
    second = runner.invoke(args=["demo", "setup", "--skip-banks"])
    assert second.exit_code == 0
    assert count(db_session) == n
    assert "admin@demo.example" in second.output
    assert PASSWORD in second.output
    db_session.expire_all()
    demo = db_session.scalars(sa.select(User).where(User.email.like("%@demo.example"))).all()
    assert demo and all(u.email_verified_at is not None for u in demo)  # they can log in
