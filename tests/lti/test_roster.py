"""NRPS: an instructor's course roster pulled into a cohort."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.enrolment.models import Enrolment
from app.enrolment.services import create_cohort
from app.lti.models import LtiContext
from tests.lti.platform import INSTRUCTOR, LEARNER, LTI, NRPS
from tests.lti.test_launch import launch, login_initiation
from tests.quiz.conftest import bank  # noqa: F401 (fixture, by name)


@pytest.mark.usefixtures("bank")
def test_the_course_roster_is_pulled_into_a_cohort(app, client, db_session, platform, runner):
    platform.tool_keyset = client.get("/lti/jwks.json").json
    platform.members = [
        {"user_id": "s-1", "name": "Ana Learner", "roles": [LEARNER], "status": "Active"},
        {"user_id": "s-2", "name": "Ben Learner", "roles": [LEARNER], "status": "Active"},
        {"user_id": "s-3", "name": "Gone Learner", "roles": [LEARNER], "status": "Inactive"},
        {"user_id": "t-1", "name": "The Teacher", "roles": [INSTRUCTOR], "status": "Active"},
    ]
    auth = login_initiation(client, platform)
    claims = {
        "sub": "t-1",
        LTI + "roles": [INSTRUCTOR],
        LTI + "context": {"id": "course-1", "title": "Dry needling 101"},
        NRPS: {"context_memberships_url": f"{platform.issuer}/memberships",
               "service_versions": ["2.0"]},
    }  # fmt: skip
    assert (
        launch(client, auth["state"], platform.id_token(auth["nonce"], **claims)).status_code == 302
    )
    context = db_session.scalar(sa.select(LtiContext))
    assert context.title == "Dry needling 101"
    cohort = create_cohort(db_session, None, name="Clinic intake", program_slug="quiz-test")
    db_session.commit()

    result = runner.invoke(args=["lti", "roster-pull", "--context", str(context.id),
                                 "--cohort", str(cohort.id)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Enrolled 2 learner(s)" in result.output and platform.refused == []
    db_session.expire_all()
    enrolled = db_session.scalars(
        sa.select(User.name).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id).order_by(User.name)
    ).all()  # fmt: skip
    assert enrolled == ["Ana Learner", "Ben Learner"]
    assert {
        u.role for u in db_session.scalars(sa.select(User).where(User.name.like("% Learner")))
    } == {Role.TRAINEE}
    again = runner.invoke(args=["lti", "roster-pull", "--context", str(context.id),
                                "--cohort", str(cohort.id)])  # fmt: skip
    assert "Enrolled 0 learner(s)" in again.output  # idempotent
