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
        existing = len(_names(client.get("/cohort").get_data(as_text=True)))
        for _ in range(total - existing):
            user = factories.make_user("trainee")
            take(db_session, user, "m3-exam", right=False)
        db_session.commit()
        with count_queries() as q:
            html = client.get("/cohort").get_data(as_text=True)
        assert len(_names(html)) == total
        with count_queries() as q_csv:
            client.get("/cohort.csv")
        return q.count, q_csv.count

    assert queries_with(3) == queries_with(30)
