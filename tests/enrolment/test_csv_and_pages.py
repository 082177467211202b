"""Enrolment by CSV (all or nothing, problems located, hostile bytes refused) and the pages:
a trainee enrols and withdraws themself; an admin creates cohorts and enrols (issue 13)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.enrolment import csv_import, services
from app.enrolment.csv_import import CsvInvalid
from app.enrolment.models import Cohort, Enrolment, EnrolmentState
from tests import factories
from tests.conftest import csrf_token_from


def _count(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(sa.select(sa.func.count()).select_from(Enrolment))


@pytest.fixture
def people(programs, db_session):  # type: ignore[no-untyped-def]
    services.create_cohort(db_session, None, name="Spring 2026", program_slug="alpha-prog")
    ann = factories.make_user("trainee", enrol=False, email="ann@example.org")
    bob = factories.make_user("trainee", enrol=False, email="bob@example.org")
    factories.make_user("instructor", enrol=False, email="teach@example.org")
    db_session.commit()
    return ann, bob


def test_a_valid_file_enrols_every_line(people, db_session):
    data = b"\xef\xbb\xbfEmail,Program,Cohort\r\nann@example.org,alpha-prog,Spring 2026\r\n"
    data += b"BOB@example.org,beta-prog,\r\n"
    rows = services.enrol_csv(db_session, None, data)
    assert [(r.user.email, r.program.slug) for r in rows] == [
        ("ann@example.org", "alpha-prog"),
        ("bob@example.org", "beta-prog"),
    ]
    assert rows[0].cohort.name == "Spring 2026" and rows[1].cohort is None


def test_one_bad_line_enrols_nobody_and_each_problem_is_located(people, db_session):
    data = (
        b"email,program,cohort\n"
        b"ann@example.org,alpha-prog,Spring 2026\n"  # fine
        b"nobody@example.org,alpha-prog,\n"  # line 3: no account
        b"bob@example.org,gamma-prog,\n"  # line 4: no program
        b"bob@example.org,beta-prog,Spring 2026\n"  # line 5: cohort of another program
        b"teach@example.org,alpha-prog,\n"  # line 6: not a trainee
        b"not-an-address,alpha-prog,\n"  # line 7: not an e-mail
        b"ann@example.org,alpha-prog,Winter\n"  # line 8: repeats line 2, and no such cohort
    )
    with pytest.raises(CsvInvalid) as caught:
        services.enrol_csv(db_session, None, data)
    located = {(p.line, p.column) for p in caught.value.problems}
    assert located == {
        (3, "email"),
        (4, "program"),
        (5, "cohort"),
        (6, "email"),
        (7, "email"),
        (8, "email"),
        (8, "cohort"),
    }
    assert _count(db_session) == 0


def test_already_enrolled_is_a_located_problem(people, db_session, programs):
    ann, _ = people
    services.enrol(db_session, None, ann, programs["alpha-prog"])
    with pytest.raises(CsvInvalid) as caught:
        services.enrol_csv(db_session, None, b"email,program\nann@example.org,alpha-prog\n")
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "email")]
    assert "already enrolled" in str(caught.value.problems[0])


@pytest.mark.parametrize(
    "data",
    [
        b"email,program\nann@example.org,alpha\x00-prog\n",  # NUL
        b"email,program\nann@example.org,\x1b[31malpha-prog\n",  # terminal escape
        b"email,program\nann@example.org,alpha-prog\xff\n",  # not UTF-8
        b"email,program\nann@example.org,\xed\xa0\x80\n",  # an encoded lone surrogate
        b"",
        b"mail,program\nann@example.org,alpha-prog\n",  # the header lacks email
        b"email,program\nann@example.org,alpha-prog,extra\n",  # more cells than the header
        b"email,program\n" + b"x" * (csv_import.MAX_BYTES + 1),
    ],
)
def test_hostile_or_malformed_files_are_refused(people, db_session, data):
    with pytest.raises(CsvInvalid) as caught:
        services.enrol_csv(db_session, None, data)
    assert caught.value.problems
    assert _count(db_session) == 0


def test_a_trainee_enrols_and_withdraws_themself(client, login_as, programs, db_session):
    trainee = login_as("trainee", enrol=False)
    page = client.get("/enrolment")
    assert "Alpha program" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    alpha = programs["alpha-prog"]
    assert client.get("/modules/a-exam").status_code == 404
    response = client.post(f"/enrolment/programs/{alpha.id}", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/modules/a-exam").status_code == 200
    # Twice: refused, still one enrolment.
    client.post(f"/enrolment/programs/{alpha.id}", data={"csrf_token": token})
    rows = db_session.scalars(sa.select(Enrolment).where(Enrolment.user_id == trainee.id)).all()
    assert len(rows) == 1
    other = factories.make_user("trainee", enrol=False)
    theirs = services.enrol(db_session, None, other, alpha)
    db_session.commit()
    # Someone else's enrolment: 404, unchanged.
    assert (
        client.post(f"/enrolment/{theirs.id}/withdraw", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        client.post(f"/enrolment/{rows[0].id}/withdraw", data={"csrf_token": token}).status_code
        == 302
    )
    db_session.expire_all()
    assert db_session.get(Enrolment, rows[0].id).state == EnrolmentState.WITHDRAWN
    assert db_session.get(Enrolment, theirs.id).state == EnrolmentState.ACTIVE
    assert client.get("/modules/a-exam").status_code == 404
    assert "Withdrawn" in client.get("/enrolment").get_data(as_text=True)


def test_an_admin_creates_a_cohort_enrols_one_and_uploads_a_csv(
    client, login_as, people, db_session
):
    login_as("admin")
    token = csrf_token_from(client.get("/admin/cohorts").get_data(as_text=True))
    created = client.post(
        "/admin/cohorts",
        data={
            "csrf_token": token,
            "name": "Autumn 2026",
            "program": "beta-prog",
            "starts_on": "2026-09-01",
            "ends_on": "2026-12-15",
        },
    )
    assert created.status_code == 302
    cohort = db_session.scalar(sa.select(Cohort).where(Cohort.name == "Autumn 2026"))
    assert cohort is not None and str(cohort.ends_on) == "2026-12-15"
    one = client.post(
        "/admin/enrolments",
        data={
            "csrf_token": token,
            "email": "ann@example.org",
            "program": "",
            "cohort": "Autumn 2026",
        },
    )
    assert one.status_code == 302
    bad = client.post(
        "/admin/enrolments/csv",
        data={
            "csrf_token": token,
            "file": (
                io.BytesIO(
                    b"email,program\nbob@example.org,alpha-prog\nzed@example.org,alpha-prog\n"
                ),
                "x.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "line 3, column email" in bad.get_data(as_text=True)
    assert _count(db_session) == 1  # only Ann's, from the form
    good = client.post(
        "/admin/enrolments/csv",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(b"email,program\nbob@example.org,alpha-prog\n"), "x.csv"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert _count(db_session) == 2
    roster = client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)
    assert "ann@example.org" in roster
