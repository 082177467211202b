"""The roster pull button: an instructor of the platform course (or an admin) pulls its roster
(NRPS) into a cohort they teach, and sees what was added, already there, skipped and why; an
instructor of another course, a trainee, bad input: refused, nothing changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.enrolment.models import Cohort, Enrolment
from app.enrolment.services import add_instructor, create_cohort
from app.lti.models import LtiAccount, LtiContext
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.lti.platform import INSTRUCTOR, LEARNER, LTI, NRPS
from tests.lti.test_launch import launch, login_initiation
from tests.quiz.conftest import bank  # noqa: F401 (fixture, by name)
from tests.rowcounts import table_rows, without_audit

MEMBERS = [
    {"user_id": "s-1", "name": "Ana Learner", "roles": [LEARNER], "status": "Active"},
    {"user_id": "s-2", "name": "Ben Learner", "roles": [LEARNER], "status": "Active"},
    {"user_id": "s-3", "name": "Gone Learner", "roles": [LEARNER], "status": "Inactive"},
    {"user_id": "t-1", "name": "The Teacher", "roles": [INSTRUCTOR], "status": "Active"},
]


def instructor_launch(client, platform, sub: str = "t-1", course: str = "course-1"):
    auth = login_initiation(client, platform)
    claims = {
        "sub": sub,
        "name": f"Teacher {sub}",
        LTI + "roles": [INSTRUCTOR],
        LTI + "context": {"id": course, "title": f"Dry needling {course}"},
        NRPS: {"context_memberships_url": f"{platform.issuer}/memberships",
               "service_versions": ["2.0"]},
    }  # fmt: skip
    return launch(client, auth["state"], platform.id_token(auth["nonce"], **claims))


def launched_instructor(client, db_session, platform, sub: str = "t-1", course: str = "course-1"):
    response = instructor_launch(client, platform, sub, course)
    context = db_session.scalar(sa.select(LtiContext).where(LtiContext.context_id == course))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/lti/courses/{context.id}")  # its page
    link = db_session.scalar(sa.select(LtiAccount).where(LtiAccount.subject == sub))
    return db_session.get(User, link.user_id), context


@pytest.fixture
def course(app, client, db_session, platform):
    platform.tool_keyset = client.get("/lti/jwks.json").json
    platform.members = list(MEMBERS)
    teacher, context = launched_instructor(client, db_session, platform)
    cohort = create_cohort(db_session, None, name="Clinic intake", program_slug="quiz-test")
    add_instructor(db_session, None, cohort, teacher)
    db_session.commit()
    return context, cohort


def pull(client, context_id: int, cohort_id: object):
    page = client.get(f"/lti/courses/{context_id}")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(f"/lti/courses/{context_id}",
                       data={"csrf_token": token, "cohort": str(cohort_id)})  # fmt: skip


def enrolled(db_session, cohort: Cohort) -> list[str]:
    db_session.expire_all()
    return list(db_session.scalars(
        sa.select(User.name).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id).order_by(User.name)
    ))  # fmt: skip


@pytest.mark.usefixtures("bank")
def test_the_instructor_pulls_the_roster_from_the_course_page(client, db_session, course, platform):
    context, cohort = course
    page = client.get(f"/lti/courses/{context.id}").get_data(as_text=True)
    assert "Pull roster from Test platform" in page and "Clinic intake" in page
    response = pull(client, context.id, cohort.id)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Added: 2. Already in the cohort: 0. Skipped: 2." in text
    assert "Gone Learner: inactive in the course" in text
    assert "The Teacher: not a learner" in text
    assert enrolled(db_session, cohort) == ["Ana Learner", "Ben Learner"]
    again = pull(client, context.id, cohort.id).get_data(as_text=True)
    assert "Added: 0. Already in the cohort: 2. Skipped: 2." in again
    assert platform.refused == []
    assert "Dry needling course-1" in client.get("/lti/courses").get_data(as_text=True)


@pytest.mark.usefixtures("bank")
def test_an_instructor_of_another_course_cannot_pull(app, db_session, course, platform):
    context, cohort = course
    other = app.test_client()
    launched_instructor(other, db_session, platform, sub="t-2", course="course-2")
    before = without_audit(table_rows(db_session))
    assert other.get(f"/lti/courses/{context.id}").status_code == 404
    token = csrf_token_from(other.get("/lti/courses").get_data(as_text=True))
    posted = other.post(f"/lti/courses/{context.id}",
                        data={"csrf_token": token, "cohort": str(cohort.id)})  # fmt: skip
    assert posted.status_code == 404
    assert "Dry needling course-1" not in other.get("/lti/courses").get_data(as_text=True)
    db_session.expire_all()
    assert without_audit(table_rows(db_session)) == before
    assert enrolled(db_session, cohort) == []


@pytest.mark.usefixtures("bank")
def test_bad_cohorts_are_refused_and_change_nothing(client, db_session, course, platform):
    context, cohort = course
    foreign = create_cohort(db_session, None, name="Not mine", program_slug="quiz-test")
    db_session.commit()
    before = without_audit(table_rows(db_session))
    for value in (foreign.id, "", "999999", "1 OR 1=1", "<script>"):
        response = pull(client, context.id, value)
        assert response.status_code == 400, value
        assert 'id="cohort-error"' in response.get_data(as_text=True)
    db_session.expire_all()
    assert without_audit(table_rows(db_session)) == before


@pytest.mark.usefixtures("bank")
def test_an_admin_may_pull_a_trainee_may_not(app, db_session, course, login_as, client):
    context, cohort = course
    trainee = app.test_client()
    user = factories.make_user("trainee")
    db_session.commit()
    login(trainee, user.email)
    assert trainee.get(f"/lti/courses/{context.id}").status_code == 403
    admin = app.test_client()
    admin_user = factories.make_user("admin")
    db_session.commit()
    login(admin, admin_user.email)
    assert pull(admin, context.id, cohort.id).status_code == 200
    assert enrolled(db_session, cohort) == ["Ana Learner", "Ben Learner"]


@pytest.mark.usefixtures("bank")
def test_a_platform_that_fails_gives_a_clear_error(client, db_session, course, platform):
    context, cohort = course
    platform.tokens.clear()  # every bearer token refused: the memberships answer 401
    platform.token = lambda form: (400, {"error": "invalid_client"})  # type: ignore[method-assign]
    response = pull(client, context.id, cohort.id)
    assert response.status_code == 502
    page = response.get_data(as_text=True)
    assert 'class="flash flash-error"' in page and "refused to give the roster" in page
    assert "LtiServiceException" not in page  # the library's text is for the log
    assert enrolled(db_session, cohort) == []
