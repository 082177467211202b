"""Cohorts: instructors see their own cohorts' trainees only; withdraw and re-enrol keep the
history; the review queue and the cohort view filter by cohort (issue 13)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.certificates.models import Completion
from app.enrolment import services
from app.enrolment.models import Enrolment, EnrolmentState
from app.errors import Conflict, ValidationFailed
from tests import factories


@pytest.fixture
def two_cohorts(programs, db_session):  # type: ignore[no-untyped-def]
    """Cohort A (taught by ``teacher_a``) with trainee ``ann``; cohort B with ``bob``."""
    alpha = programs["alpha-prog"]
    a = services.create_cohort(db_session, None, name="Intake A", program_slug="alpha-prog")
    b = services.create_cohort(db_session, None, name="Intake B", program_slug="alpha-prog")
    teacher_a = factories.make_user("instructor", enrol=False, name="Teacher A")
    teacher_b = factories.make_user("instructor", enrol=False, name="Teacher B")
    services.add_instructor(db_session, None, a, teacher_a)
    services.add_instructor(db_session, None, b, teacher_b)
    ann = factories.make_user("trainee", enrol=False, name="Ann Alpha")
    bob = factories.make_user("trainee", enrol=False, name="Bob Beta")
    services.enrol(db_session, None, ann, alpha, a)
    services.enrol(db_session, None, bob, alpha, b)
    db_session.commit()
    return {"a": a, "b": b, "teacher_a": teacher_a, "ann": ann, "bob": bob}


def test_an_instructor_of_cohort_a_gets_404_on_cohort_b_trainee(client, login_as, two_cohorts):
    from tests.conftest import login

    login(client, two_cohorts["teacher_a"].email)
    assert client.get(f"/progress/{two_cohorts['ann'].id}").status_code == 200
    assert client.get(f"/progress/{two_cohorts['bob'].id}").status_code == 404
    page = client.get("/cohort").get_data(as_text=True)
    assert "Ann Alpha" in page and "Bob Beta" not in page
    csv = client.get("/cohort.csv").get_data(as_text=True)
    assert "Ann Alpha" in csv and "Bob Beta" not in csv
    # Naming the other cohort is a 404, not an empty list.
    assert client.get(f"/cohort?cohort={two_cohorts['b'].id}").status_code == 404
    assert client.get(f"/cohort?cohort={two_cohorts['a'].id}").status_code == 200


def test_an_instructor_without_cohorts_sees_nobody(client, login_as, two_cohorts):
    login_as("instructor", enrol=False)
    assert client.get(f"/progress/{two_cohorts['ann'].id}").status_code == 404
    assert "Ann Alpha" not in client.get("/cohort").get_data(as_text=True)


def test_an_admin_sees_all_and_filters_by_cohort(client, login_as, two_cohorts):
    login_as("admin")
    assert client.get(f"/progress/{two_cohorts['bob'].id}").status_code == 200
    everyone = client.get("/cohort").get_data(as_text=True)
    assert "Ann Alpha" in everyone and "Bob Beta" in everyone
    only_b = client.get(f"/cohort?cohort={two_cohorts['b'].id}").get_data(as_text=True)
    assert "Bob Beta" in only_b and "Ann Alpha" not in only_b
    assert client.get("/cohort?cohort=999999").status_code == 404


def test_the_review_queue_filters_by_cohort(client, login_as, two_cohorts, db_session):
    for trainee in (two_cohorts["ann"], two_cohorts["bob"]):
        db_session.add(Completion(user_id=trainee.id, program_id=two_cohorts["a"].program_id))
    db_session.commit()
    login_as("admin")
    everyone = client.get("/admin/completions").get_data(as_text=True)
    assert "Ann Alpha" in everyone and "Bob Beta" in everyone
    only_a = client.get(f"/admin/completions?cohort={two_cohorts['a'].id}").get_data(as_text=True)
    assert "Ann Alpha" in only_a and "Bob Beta" not in only_a
    assert client.get("/admin/completions?cohort=999999").status_code == 404


def test_withdraw_then_re_enrol_keeps_the_history(programs, db_session):
    trainee = factories.make_user("trainee", enrol=False)
    admin = factories.make_user("admin")
    alpha = programs["alpha-prog"]
    first = services.enrol(db_session, admin, trainee, alpha)
    with pytest.raises(Conflict):
        services.enrol(db_session, admin, trainee, alpha)  # already active
    services.withdraw(db_session, trainee, first)
    with pytest.raises(Conflict):
        services.withdraw(db_session, trainee, first)  # already withdrawn
    second = services.enrol(db_session, admin, trainee, alpha)
    db_session.commit()
    rows = db_session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == trainee.id).order_by(Enrolment.id)
    ).all()
    assert [r.id for r in rows] == [first.id, second.id]
    assert rows[0].state == EnrolmentState.WITHDRAWN and rows[0].withdrawn_at is not None
    assert rows[0].withdrawn_by_id == trainee.id and rows[0].enrolled_by_id == admin.id
    assert rows[1].state == EnrolmentState.ACTIVE and rows[1].withdrawn_at is None
    actions = db_session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == str(trainee.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["enrolment.enrol", "enrolment.withdraw", "enrolment.enrol"]


def test_the_database_refuses_two_active_enrolments(programs, db_session):
    trainee = factories.make_user("trainee", enrol=False)
    alpha = programs["alpha-prog"]
    services.enrol(db_session, None, trainee, alpha)
    db_session.add(Enrolment(user_id=trainee.id, program_id=alpha.id))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_only_active_trainees_are_enrolled_and_cohorts_match_their_program(programs, db_session):
    beta_cohort = services.create_cohort(db_session, None, name="B1", program_slug="beta-prog")
    instructor = factories.make_user("instructor", enrol=False)
    trainee = factories.make_user("trainee", enrol=False)
    with pytest.raises(ValidationFailed):
        services.enrol(db_session, None, instructor, programs["alpha-prog"])
    with pytest.raises(ValidationFailed):
        services.enrol(db_session, None, trainee, programs["alpha-prog"], beta_cohort)
    with pytest.raises(Conflict):
        services.create_cohort(db_session, None, name="B1", program_slug="alpha-prog")
    with pytest.raises(ValidationFailed):
        services.create_cohort(
            db_session,
            None,
            name="Backwards",
            program_slug="alpha-prog",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 4, 1),
        )
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0


def test_removing_an_instructor_ends_their_view(client, two_cohorts, db_session, runner):
    from tests.conftest import login

    teacher = two_cohorts["teacher_a"]
    login(client, teacher.email)
    assert client.get(f"/progress/{two_cohorts['ann'].id}").status_code == 200
    result = runner.invoke(
        args=["cohorts", "remove-instructor", "--cohort", "Intake A", "--email", teacher.email]
    )
    assert result.exit_code == 0, result.output
    assert client.get(f"/progress/{two_cohorts['ann'].id}").status_code == 404
    again = runner.invoke(
        args=["cohorts", "remove-instructor", "--cohort", "Intake A", "--email", teacher.email]
    )
    assert again.exit_code == 1 and "does not teach" in again.output


def test_an_admin_adds_and_removes_an_instructor_on_the_cohort_page(
    client, login_as, two_cohorts, db_session
):
    from tests.conftest import csrf_token_from

    login_as("admin")
    cohort = two_cohorts["b"]
    page = client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    teacher = two_cohorts["teacher_a"]
    added = client.post(
        f"/admin/cohorts/{cohort.id}/instructors",
        data={"csrf_token": token, "email": teacher.email},
    )
    assert added.status_code == 302
    db_session.expire_all()
    assert teacher.id in {u.id for u in db_session.get(type(cohort), cohort.id).instructors}
    removed = client.post(
        f"/admin/cohorts/{cohort.id}/instructors/{teacher.id}/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 302
    db_session.expire_all()
    assert teacher.id not in {u.id for u in db_session.get(type(cohort), cohort.id).instructors}
