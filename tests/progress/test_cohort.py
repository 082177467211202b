"""The instructor's cohort view: filters, allow-listed sort, CSV export, query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests import factories
from tests.progress.bank import take

pytestmark = pytest.mark.usefixtures("program")


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/progress/\d+">([^<]+)</a>', html)


def test_cohort_lists_trainees_with_progress_and_weak_topics(client, login_as, db_session):
    ada = factories.make_user("trainee", name="Ada Lovelace", email="ada@example.org")
    take(db_session, ada, "m3-exam", right=True)
    take(db_session, ada, "m1-exam", right=False)
    factories.make_user("trainee", name="Bob Idle", email="bob@example.org")
    factories.make_user("instructor", name="Not A Trainee")
    db_session.commit()
    login_as("instructor")
    html = client.get("/cohort").get_data(as_text=True)
    assert _names(html) == ["Ada Lovelace", "Bob Idle"]
    assert "1 / 3" in html and "0 / 3" in html
    assert "Anatomy" in html  # Ada's weak topic
    assert "never" in html  # Bob's last activity


def test_cohort_filters_and_sorts_by_allow_listed_columns(client, login_as, db_session):
    ada = factories.make_user("trainee", name="Ada Lovelace", email="ada@example.org")
    take(db_session, ada, "m3-exam", right=True)
    factories.make_user("trainee", name="Bob Idle", email="bob@example.org")
    factories.make_user("trainee", name="Carla 100%_x", email="carla@example.org")
    db_session.commit()
    login_as("admin")
    assert _names(client.get("/cohort?q=ADA").get_data(as_text=True)) == ["Ada Lovelace"]
    assert _names(client.get("/cohort?q=100%25_").get_data(as_text=True)) == ["Carla 100%_x"]
    assert _names(client.get("/cohort?q=%25").get_data(as_text=True)) == ["Carla 100%_x"]
    assert _names(client.get("/cohort?status=not_started").get_data(as_text=True)) == [
        "Bob Idle",
        "Carla 100%_x",
    ]
    by_progress = client.get("/cohort?sort=progress&order=desc").get_data(as_text=True)
    assert _names(by_progress)[0] == "Ada Lovelace"
    by_name_desc = client.get("/cohort?sort=name&order=desc").get_data(as_text=True)
    assert _names(by_name_desc) == ["Carla 100%_x", "Bob Idle", "Ada Lovelace"]


@pytest.mark.parametrize(
    "query",
    ["sort=users.password_hash", "sort=name;drop table users", "status=x", "order=sideways"],
)
def test_cohort_refuses_unknown_sort_and_filter_values(client, login_as, query):
    login_as("instructor")
    assert client.get(f"/cohort?{query}").status_code == 400
    assert client.get(f"/cohort.csv?{query}").status_code == 400


def test_cohort_csv_escapes_formula_injection(client, login_as, db_session):
    for i, name in enumerate(['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "Plain"]):
        factories.make_user("trainee", name=name, email=f"t{i}@example.org")
    db_session.commit()
    login_as("instructor")
    response = client.get("/cohort.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["name", "email", "status"]
    names = sorted(r[0] for r in rows[1:])
    assert names == sorted(['\'=HYPERLINK("http://x")', "'+1+2", "'-3", "'@SUM(A1)", "Plain"])
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@"))


def test_cohort_queries_do_not_grow_with_trainees(client, login_as, db_session, count_queries):
    login_as("instructor")

    def queries_with(total: int) -> int:
        existing = len(_names(client.get("/cohort?per_page=100").get_data(as_text=True)))
        for _ in range(total - existing):
            user = factories.make_user("trainee")
            take(db_session, user, "m3-exam", right=False)
        db_session.commit()
        with count_queries() as q:
            html = client.get("/cohort?per_page=100").get_data(as_text=True)
        assert len(_names(html)) == total
        with count_queries() as q_csv:
            client.get("/cohort.csv")
        return q.count, q_csv.count

    assert queries_with(3) == queries_with(30)


def _make_trainees(db_session, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        factories.make_user("trainee", name=f"Trainee {i:03d}", email=f"p{i:03d}@example.org")
    db_session.commit()


def test_cohort_is_paginated_25_per_page_by_default(client, login_as, db_session):
    _make_trainees(db_session, 60)
    login_as("instructor")
    html = client.get("/cohort").get_data(as_text=True)
    assert _names(html) == [f"Trainee {i:03d}" for i in range(25)]
    assert "Trainees 1–25 of 60" in html and "Page 1 of 3" in html
    assert 'rel="next" href="/cohort?page=2&amp;per_page=25&amp;sort=name&amp;order=asc"' in html
    assert 'rel="prev"' not in html

    html = client.get("/cohort?page=3").get_data(as_text=True)
    assert _names(html) == [f"Trainee {i:03d}" for i in range(50, 60)]
    assert "Trainees 51–60 of 60" in html and 'rel="next"' not in html

    # A page past the end shows the last one.
    assert _names(client.get("/cohort?page=99").get_data(as_text=True))[0] == "Trainee 050"


@pytest.mark.parametrize("per_page", [25, 50, 100])
def test_cohort_page_sizes_are_allow_listed(client, login_as, db_session, per_page):
    _make_trainees(db_session, 110)
    login_as("admin")
    html = client.get(f"/cohort?per_page={per_page}").get_data(as_text=True)
    assert len(_names(html)) == per_page
    assert f'<option selected value="{per_page}">' in html


@pytest.mark.parametrize(
    "query", ["per_page=30", "per_page=1000", "per_page=abc", "page=0", "page=-1", "page=abc"]
)
def test_cohort_refuses_unknown_page_sizes_and_bad_pages(client, login_as, query):
    login_as("instructor")
    assert client.get(f"/cohort?{query}").status_code == 400


def test_pages_keep_the_filters_and_sort(client, login_as, db_session):
    _make_trainees(db_session, 30)
    factories.make_user("trainee", name="Other Person", email="other@example.org")
    db_session.commit()
    login_as("instructor")
    html = client.get("/cohort?q=trainee&sort=name&order=desc&per_page=25").get_data(as_text=True)
    assert "Trainees 1–25 of 30" in html
    assert _names(html)[0] == "Trainee 029"
    (next_link,) = re.findall(r'rel="next" href="([^"]+)"', html)
    page2 = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert _names(page2) == [f"Trainee {i:03d}" for i in range(4, -1, -1)]
    assert "Other Person" not in page2


def test_the_csv_exports_every_matching_trainee_not_one_page(client, login_as, db_session):
    _make_trainees(db_session, 30)
    login_as("instructor")
    html = client.get("/cohort?page=2").get_data(as_text=True)
    (csv_link,) = re.findall(r'href="(/cohort\.csv[^"]*)"', html)
    rows = list(csv.reader(io.StringIO(client.get(csv_link).get_data(as_text=True))))
    assert len(rows) == 1 + 30


def test_cohort_page_queries_do_not_grow_with_trainees_or_pages(
    client, login_as, db_session, count_queries
):
    login_as("instructor")

    def counted(path: str) -> int:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    for i in range(30):
        user = factories.make_user("trainee", name=f"Trainee {i:03d}")
        take(db_session, user, "m3-exam", right=False)
    db_session.commit()
    small = counted("/cohort")
    small_by_activity = counted("/cohort?per_page=100&sort=last_activity")
    for i in range(30, 120):
        user = factories.make_user("trainee", name=f"Trainee {i:03d}")
        take(db_session, user, "m3-exam", right=False)
    db_session.commit()
    assert counted("/cohort") == small
    assert counted("/cohort?page=4") == small
    assert counted("/cohort?per_page=100&sort=last_activity") == small_by_activity


@pytest.mark.parametrize("seed", [1, 2])
def test_a_page_sorted_by_account_reads_only_its_trainees_and_equals_the_full_sort(
    app, db_session, monkeypatch, seed
):
    """Issue 19: sorted by name or e-mail without a status filter, a page is chosen from the
    accounts and only its trainees' progress is read; every page equals the page the full
    computation (every trainee's progress, then sort) gives, ties and any case included."""
    import random

    from app.progress import queries

    rng = random.Random(seed)
    names = ["ada", "Ada", "Émile", "émile", "Zoë", "bob", "Bob", "carla", "Ada"]
    for i in range(37):
        user = factories.make_user(
            "trainee", name=f"{rng.choice(names)} {rng.randint(0, 3)}", email=f"t{i:02d}@x.org"
        )
        if rng.random() < 0.6:
            take(db_session, user, rng.choice(["m1-exam", "m3-exam"]), right=rng.random() < 0.5)
    db_session.commit()
    with app.app_context():
        program = queries.current_program(db_session)
        for sort in sorted(queries.PAGE_FIRST_SORTS):
            for descending in (False, True):
                for page in (1, 2, 3, 4):
                    args = {"sort": sort, "descending": descending, "page": page, "per_page": 25}
                    fast = queries.cohort_page(db_session, program, **args)
                    with monkeypatch.context() as m:
                        m.setattr(queries, "PAGE_FIRST_SORTS", {})
                        full = queries.cohort_page(db_session, program, **args)
                    assert fast == full, (sort, descending, page)
                    assert fast.total == 37


def test_a_cohort_counts_only_its_active_trainees(app, db_session, monkeypatch):
    """Issue 19: a cohort's default view counts its members by their enrolments, less the
    accounts that are not active trainees (``ix_users_not_active_trainees``), not by reading
    every member's account. The count is the full computation's, with a search too."""
    from app.enrolment import queries as enrolment_queries
    from app.enrolment.models import Enrolment, EnrolmentState
    from app.progress import queries

    _make_trainees(db_session, 7)
    admin = factories.make_user("admin")
    gone = factories.make_user("trainee", name="Trainee gone", is_active=False)
    staff = factories.make_user("instructor", name="Trainee staff")  # teaches, not a member
    promoted = factories.make_user("trainee", name="Trainee promoted")
    promoted.role = "instructor"  # enrolled while a trainee
    left = factories.make_user("trainee", name="Trainee left")  # the last made: stays withdrawn
    db_session.flush()
    enrolment = db_session.query(Enrolment).filter_by(user_id=left.id).one()
    enrolment.state, enrolment.withdrawn_at = EnrolmentState.WITHDRAWN, enrolment.enrolled_at
    db_session.commit()
    with app.app_context():
        program = queries.current_program(db_session)
        cohort = db_session.get(type(enrolment).cohort.property.mapper.class_, enrolment.cohort_id)
        scope = enrolment_queries.roster_scope(admin, program, cohort)
        assert len(db_session.scalars(scope).all()) == 9  # with the promoted and the deactivated
        for search in ("", "trainee 00", "gone"):
            args = {"search": search, "page": 1, "per_page": 25, "scope": scope}
            fast = queries.cohort_page(db_session, program, **args)
            with monkeypatch.context() as m:
                m.setattr(queries, "PAGE_FIRST_SORTS", {})
                full = queries.cohort_page(db_session, program, **args)
            assert fast == full, search
            assert fast.total == {"": 7, "trainee 00": 7, "gone": 0}[search]
            shown = {r.user_id for r in fast.rows}
            assert (
                len(shown) == fast.total and not {gone.id, staff.id, left.id, promoted.id} & shown
            )
