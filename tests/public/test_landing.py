"""The public pages of issue 18: the landing page, the login page's way to a reset, friendly
error pages."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from app.banks import models as bm
from app.banks.services import import_directory
from app.questions.base import Use

ROOT = Path(__file__).resolve().parents[2]


def _load_banks(db_session) -> bm.Program:  # type: ignore[no-untyped-def]
    import_directory(db_session, ROOT / "question_banks")
    db_session.commit()
    return db_session.scalar(sa.select(bm.Program))


def test_landing_shows_the_configured_program_a_practice_sample_and_verify(
    client, db_session, count_queries
) -> None:
    program = _load_banks(db_session)
    program.ce_hours = 12.25  # read from the program, not written in the template
    db_session.commit()
    with count_queries() as queries:
        page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert program.title in html
    assert "12.25" in html
    assert queries.count <= 6, queries.statements
    for step in ("Modules", "Exams", "Practical evidence", "Certificate"):
        assert f"<h3>{step}</h3>" in html
    assert re.search(r'<form method="get" action="/verify"[^>]*>', html)
    assert 'name="code"' in html
    key = re.search(r'data-sample-key="([^"]+)"', html).group(1)
    question = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == key))
    assert question.case_id is None
    assert question.current_version.use == Use.PRACTICE  # never a secure exam item


def test_landing_never_shows_an_exam_item(client, db_session) -> None:
    _load_banks(db_session)
    db_session.execute(sa.update(bm.QuestionVersion).values(use=Use.EXAM))
    db_session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "data-sample-key" not in html
    assert "Verify a certificate" in html


def test_landing_without_content_still_renders(client, db_session) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "How certification works" in page.get_data(as_text=True)


def test_a_logged_in_user_still_goes_home(client, login_as) -> None:
    login_as("trainee")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")


def test_login_page_links_to_forgot_password(client, db_session) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in html


def test_error_pages_speak_plainly_with_ways_back(client, login_as) -> None:
    missing = client.get("/no-such-page", headers={"Referer": "http://localhost/login"})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "requested URL was not found" not in html  # werkzeug's wording stays out
    assert 'href="/"' in html and "Go to the home page" in html
    assert 'href="/login">Go back' in html
    login_as("trainee")
    forbidden = client.get("/admin/")
    assert forbidden.status_code == 403
    assert "This page is not open to you" in forbidden.get_data(as_text=True)
    assert "don't have the permission" not in forbidden.get_data(as_text=True)


def test_a_foreign_referrer_is_not_a_way_back(client, db_session) -> None:
    html = client.get("/no-such-page", headers={"Referer": "https://evil.example/x"}).text
    assert "evil.example" not in html
    assert "Go back" not in html


def test_api_errors_stay_json(client, db_session) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
