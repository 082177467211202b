"""``flask cohorts create|enrol`` and ``users create --enrol/--cohort`` (issue 13 contracts):
bad arguments give a clear error, a non-zero exit code, and change nothing."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import User
from app.enrolment.models import Cohort, Enrolment, EnrolmentState, cohort_instructors
from tests import factories

PASSWORD = "lantern orchard velvet compass 7"


def _counts(db_session) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    return tuple(  # type: ignore[return-value]
        db_session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in (Cohort, Enrolment, User, cohort_instructors)
    )


def test_cohorts_create_with_dates_and_an_instructor(runner, programs, db_session):
    factories.make_user("instructor", enrol=False, email="teach@example.org")
    db_session.commit()
    result = runner.invoke(
        args=[
            "cohorts",
            "create",
            "--name",
            "Spring 2026",
            "--program",
            "alpha-prog",
            "--starts",
            "2026-03-01",
            "--ends",
            "2026-06-30",
            "--instructor",
            "teach@example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    cohort = db_session.scalar(sa.select(Cohort).where(Cohort.name == "Spring 2026"))
    assert cohort.program.slug == "alpha-prog"
    assert (str(cohort.starts_on), str(cohort.ends_on)) == ("2026-03-01", "2026-06-30")
    assert [u.email for u in cohort.instructors] == ["teach@example.org"]


def test_cohorts_create_refuses_bad_arguments_and_changes_nothing(runner, programs, db_session):
    runner.invoke(args=["cohorts", "create", "--name", "Taken", "--program", "alpha-prog"])
    before = _counts(db_session)
    cases = [
        (["--name", "X", "--program", "no-such-program"], 1, "No program"),
        (["--name", "X", "--program", "alpha-prog", "--starts", "March"], 2, "not a date"),
        (
            [
                "--name",
                "X",
                "--program",
                "alpha-prog",
                "--starts",
                "2026-05-01",
                "--ends",
                "2026-04-01",
            ],
            1,
            "ends before it starts",
        ),
        (["--name", "Taken", "--program", "beta-prog"], 1, "already exists"),
        (
            ["--name", "X", "--program", "alpha-prog", "--instructor", "nobody@example.org"],
            1,
            "no user",
        ),
    ]
    for args, code, message in cases:
        result = runner.invoke(args=["cohorts", "create", *args])
        assert result.exit_code == code, (args, result.output)
        assert message in result.output, (args, result.output)
        assert _counts(db_session) == before, args


def test_cohorts_enrol_one_trainee_and_refuse_bad_ones(runner, programs, db_session):
    factories.make_user("trainee", enrol=False, email="ann@example.org")
    factories.make_user("admin", email="boss@example.org")
    db_session.commit()
    runner.invoke(args=["cohorts", "create", "--name", "Spring", "--program", "alpha-prog"])
    ok = runner.invoke(
        args=["cohorts", "enrol", "--cohort", "Spring", "--email", "ann@example.org"]
    )
    assert ok.exit_code == 0, ok.output
    row = db_session.scalar(sa.select(Enrolment))
    assert (row.cohort.name, row.program.slug, row.state) == (
        "Spring",
        "alpha-prog",
        EnrolmentState.ACTIVE,
    )
    before = _counts(db_session)
    for args, code in [
        (["--cohort", "Spring", "--email", "ann@example.org"], 1),  # already enrolled
        (["--cohort", "Nope", "--email", "ann@example.org"], 1),
        (["--cohort", "Spring", "--email", "boss@example.org"], 1),  # not a trainee
        (["--cohort", "Spring"], 2),
        (["--email", "ann@example.org", "--csv", "x.csv"], 2),
    ]:
        result = runner.invoke(args=["cohorts", "enrol", *args])
        assert result.exit_code == code, (args, result.output)
        assert "Error:" in result.output
        assert _counts(db_session) == before, args


def test_cohorts_enrol_csv_is_all_or_nothing(runner, programs, db_session, tmp_path):
    factories.make_user("trainee", enrol=False, email="ann@example.org")
    factories.make_user("trainee", enrol=False, email="bob@example.org")
    db_session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"email,program\nann@example.org,alpha-prog\nbob@example.org,nope\n")
    result = runner.invoke(args=["cohorts", "enrol", "--csv", str(bad)])
    assert result.exit_code == 1
    assert "line 3, column program" in result.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0
    good = tmp_path / "good.csv"
    good.write_bytes(b"email,program\nann@example.org,alpha-prog\nbob@example.org,beta-prog\n")
    result = runner.invoke(args=["cohorts", "enrol", "--csv", str(good)])
    assert result.exit_code == 0, result.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 2
    missing = runner.invoke(args=["cohorts", "enrol", "--csv", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2


def _create(runner, email: str, *extra: str):  # type: ignore[no-untyped-def]
    args = ["users", "create", "--email", email, "--name", "New", "--role", *extra]
    return runner.invoke(args=args, input=PASSWORD + "\n")


def test_users_create_enrols_a_trainee_by_program_or_cohort(runner, programs, db_session):
    runner.invoke(args=["cohorts", "create", "--name", "Beta 1", "--program", "beta-prog"])
    assert _create(runner, "p@example.org", "trainee", "--enrol", "alpha-prog").exit_code == 0
    assert _create(runner, "c@example.org", "trainee", "--cohort", "Beta 1").exit_code == 0
    rows = {
        e.user.email: (e.program.slug, e.cohort.name if e.cohort else None)
        for e in db_session.scalars(sa.select(Enrolment))
    }
    assert rows == {"p@example.org": ("alpha-prog", None), "c@example.org": ("beta-prog", "Beta 1")}


def test_users_create_with_a_bad_enrolment_creates_no_account(runner, programs, db_session):
    before = _counts(db_session)
    refused = [
        (("trainee", "--enrol", "no-such-program"), 1),
        (("trainee", "--cohort", "No such cohort"), 1),
        (("instructor", "--enrol", "alpha-prog"), 2),
    ]
    for extra, code in refused:
        result = _create(runner, "x@example.org", *extra)
        assert result.exit_code == code, (extra, result.output)
        assert "Error:" in result.output
        assert _counts(db_session) == before, extra


def test_demo_setup_enrols_the_demo_trainee_in_a_cohort_of_the_demo_instructor(
    runner, programs, db_session, monkeypatch
):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["demo", "setup", "--skip-banks"])
        assert result.exit_code == 0, result.output
    rows = db_session.scalars(sa.select(Enrolment).order_by(Enrolment.program_id)).all()
    rows = [e for e in rows if e.user.email != "graduate@demo.example"]  # tests/certificates
    assert [(e.user.email, e.program.slug, e.state) for e in rows] == [
        ("trainee@demo.example", "alpha-prog", EnrolmentState.ACTIVE),
        ("trainee@demo.example", "beta-prog", EnrolmentState.ACTIVE),
    ]
    assert {u.email for e in rows for u in e.cohort.instructors} == {"instructor@demo.example"}
