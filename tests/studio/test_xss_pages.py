"""SECURITY.md A7: instructor Markdown and plain-text fields on the pages people actually open.

Every payload goes into a question's stem, an option, a case vignette and disclosure; the
trainee's take page (/attempts/<id>/items/<n>) and the admin's review pages (the studio's
revision and case pages, which admins reach) must carry none of them live. Plain-text fields
(module title, case title, a user's display name) must come out escaped on the trainee's and
the admin's pages (completions, users, audit, certificates).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.banks import models as bm
from app.banks.schema import Mode
from app.certificates import services as cert_services
from app.quiz.services import start_attempt
from app.settings import get_settings
from app.studio import services, workflow
from app.studio.kinds import CASE, QUESTION
from app.studio.models import CaseRevision
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from, login
from tests.studio.conftest import single_choice

PAYLOADS = {
    "script": "<script>alert('xss-script')</script>",
    "img-onerror": "<img src=x onerror=\"alert('xss-img')\">",
    "svg-onload": "<svg onload=alert('xss-svg')><circle r=1 /></svg>",
    "a-javascript": "<a href=\"javascript:alert('xss-a')\">click</a>",
    "md-javascript": "[click](javascript:alert('xss-md'))",
    "iframe": '<iframe src="https://evil.example/" srcdoc="<script>alert(1)</script>"></iframe>',
    "style": "<p style=\"background:url(javascript:alert('xss-style'))\">styled</p>",
    "data-uri": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>'
    " ![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
}
NAME = "<script>alert('xss-name')</script><img src=x onerror=alert(1)>"


def assert_inert(html: str) -> None:
    """No payload survives as live markup anywhere on the page."""
    low = html.lower()
    assert "<script>alert" not in low
    assert not re.search(r"<[^>]+\son(error|load)\s*=", low)
    assert not re.search(r"(href|src|action)\s*=\s*[\"']?\s*(javascript|data):", low)
    assert "<iframe" not in low and not re.search(r"<[^>]+\ssrcdoc\s*=", low)
    assert not re.search(r"<svg[^>]*onload", low)
    assert not re.search(r"<[^>]+\sstyle\s*=\s*[\"'][^\"']*(javascript|url\()", low)


def _csp(response) -> str:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "nonce-" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    return csp


@pytest.fixture(params=list(PAYLOADS))
def payload(request) -> str:
    return PAYLOADS[request.param]


def test_trainee_take_page_shows_no_live_payload(payload, client, build, db_session):
    stem = f"Hello {payload} world"
    version = build.question(single_choice("xss-take", stem=stem))
    version.content["options"][0]["text"] = payload
    version.content["explanation"] = payload
    module = build.module("xss-module", mode=Mode.EXAM, count=1)
    module.title = NAME
    # In a program, which the trainee is enrolled in (by default): else the pages are 404.
    db_session.add(
        bm.Program(
            slug="xss", title="XSS", module_slugs=[module.slug], validity_months=12, ce_hours=1
        )
    )
    trainee = factories.make_user("trainee", name=NAME)
    db_session.flush()
    attempt = start_attempt(db_session, trainee, module)
    db_session.commit()
    assert login(client, trainee.email).status_code == 302
    page = client.get(f"/attempts/{attempt.id}/items/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hello" in html
    assert_inert(html)
    _csp(page)
    for path in ("/modules", f"/modules/{module.slug}"):
        listing = client.get(path)
        assert listing.status_code == 200
        text = listing.get_data(as_text=True)
        assert_inert(text)
        assert "&lt;script&gt;alert(&#39;xss-name&#39;)&lt;/script&gt;" in text


def test_case_step_on_the_take_page_shows_no_live_payload(client, build, db_session):
    author = factories.make_user("instructor")
    reviewer = factories.make_user("instructor")
    everything = " ".join(PAYLOADS.values())
    case = _case(db_session, author, reviewer, build, everything)
    module = build.module("xss-case-module", mode=Mode.EXAM, count=1)
    module.blueprint, module.case_draws = [], [{"topic": None, "count": 1}]
    trainee = factories.make_user("trainee")
    db_session.flush()
    attempt = start_attempt(db_session, trainee, module)
    assert {i.case_version_id for i in attempt.items} == {case.current_version_id}
    db_session.commit()
    assert login(client, trainee.email).status_code == 302
    page = client.get(f"/attempts/{attempt.id}/items/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vignette start" in html
    assert_inert(html)
    _csp(page)


def _case(session, author, reviewer, build, text: str) -> bm.Case:
    from app.banks.schema import Case

    case = Case.model_validate(
        {
            "key": "xss-case",
            "title": NAME,
            "vignette": f"Vignette start {text}",
            "steps": [
                {
                    "disclosure": text,
                    "question": single_choice("xss-case-s1", stem=f"Step stem {text}"),
                },
                {"disclosure": text, "question": single_choice("xss-case-s2", stem=text)},
            ],
        }
    )
    revision = services.create_case(session, author, build.topic.id, case)
    workflow.submit(session, author, CASE, revision.id)
    workflow.approve(session, reviewer, CASE, revision.id)
    session.flush()
    return revision.case


def test_admin_review_pages_show_no_live_payload(payload, client, build, db_session):
    author = factories.make_user("instructor", name=NAME)
    admin = factories.make_user("admin", name=NAME)
    from app.banks.schema import QUESTION_ADAPTER

    question = QUESTION_ADAPTER.validate_python(
        single_choice("xss-review", stem=f"Hello {payload}", explanation=payload)
    )
    revision = services.create_question(db_session, author, build.topic.id, question)
    workflow.submit(db_session, author, QUESTION, revision.id)
    db_session.commit()
    assert login(client, admin.email).status_code == 302
    for path in (f"/studio/revisions/{revision.id}", "/studio/"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert_inert(html)
        _csp(page)


def test_admin_case_review_page_shows_no_live_payload(client, build, db_session):
    author = factories.make_user("instructor")
    reviewer = factories.make_user("instructor")
    admin = factories.make_user("admin")
    everything = " ".join(PAYLOADS.values())
    _case(db_session, author, reviewer, build, everything)
    revision_id = db_session.scalar(sa.select(CaseRevision.id))
    db_session.commit()
    assert login(client, admin.email).status_code == 302
    page = client.get(f"/studio/case-revisions/{revision_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vignette start" in html
    assert_inert(html)
    assert "&lt;script&gt;alert(&#39;xss-name&#39;)&lt;/script&gt;" in html  # the case title
    _csp(page)


def test_user_display_name_is_escaped_on_the_admin_pages(app, client, db_session):
    with app.app_context():
        settings = get_settings().issuer
        trainee = factories.make_user("trainee", name=NAME)
        program, modules, _ = make_program(db_session)
        program.title = NAME
        for module in modules:
            make_attempt(db_session, trainee, module)
        completion = cert_services.record_completion(
            db_session, trainee, program, settings=settings
        )
        admin = factories.make_user("admin")
        db_session.commit()
    assert login(client, admin.email).status_code == 302
    escaped = "&lt;script&gt;alert(&#39;xss-name&#39;)&lt;/script&gt;"
    for path in ("/admin/completions", "/admin/users", f"/admin/users?q={trainee.email}"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert escaped in html, path
        assert_inert(html)
        _csp(page)
    token = csrf_token_from(client.get("/admin/completions").get_data(as_text=True))
    r = client.post(
        f"/admin/completions/{completion.id}/approve", data={"csrf_token": token, "confirm": "y"}
    )
    assert r.status_code == 302
    for path in ("/admin/certificates", "/admin/audit", "/admin/completions?status=all"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert_inert(html)
        _csp(page)
    assert escaped in client.get("/admin/certificates").get_data(as_text=True)


def test_the_check_catches_every_raw_payload(payload):
    """A control: each payload, left live, fails ``assert_inert`` (the check is not vacuous)."""
    live = {
        "md-javascript": '<a href="javascript:alert(1)">click</a>',
        "data-uri": '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>',
    }
    with pytest.raises(AssertionError):
        assert_inert(f"<html><body>{live.get(_name(payload), payload)}</body></html>")


def _name(payload: str) -> str:
    return next(k for k, v in PAYLOADS.items() if v == payload)
