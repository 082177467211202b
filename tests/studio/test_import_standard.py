"""Import/export from the studio and standard setting (Angoff + Hofstee, pass mark decision)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.banks import models as bm
from app.studio.models import PassMarkDecision
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.studio.conftest import single_choice

YAML = """
topic: imp-topic
topics:
  - {id: imp-topic, title: Imported}
questions:
  - key: imp-q1
    type: true_false
    stem: Dry needling is acupuncture.
    answer: false
    references: [Ref]
"""


@pytest.fixture
def instructor(client, db_session):
    user = factories.make_user("instructor")
    db_session.commit()
    assert login(client, user.email).status_code == 302
    return user


def test_import_dry_run_then_confirm(instructor, client, db_session):
    token = csrf_token_from(client.get("/studio/import").get_data(as_text=True))
    r = client.post(
        "/studio/import",
        data={"csrf_token": token, "file": (io.BytesIO(YAML.encode()), "bank.yaml"), "format": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "question imp-q1" in page and "dry run" in page
    assert db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "imp-q1")) is None
    confirm_token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    r = client.post(
        "/studio/import/confirm",
        data={"csrf_token": csrf_token_from(page), "token": confirm_token},
    )
    assert r.status_code == 302
    assert db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "imp-q1"))
    again = client.post(
        "/studio/import/confirm",
        data={"csrf_token": csrf_token_from(page), "token": confirm_token},
    )
    assert again.status_code == 404


def test_export_downloads_a_bank(instructor, client, build, db_session):
    build.question(single_choice("exp-q1"))
    db_session.commit()
    r = client.get("/studio/export?format=yaml&topic=studio-topic")
    assert r.status_code == 200 and b"exp-q1" in r.data
    assert r.headers["Content-Disposition"].startswith("attachment")


def test_angoff_and_hofstee_set_the_pass_mark_with_a_record(instructor, client, build, db_session):
    versions = [build.question(single_choice(f"ss-q{i}")) for i in range(2)]
    module = build.module(slug="ss-exam", count=2)
    for marks in ([1, 1], [1, 0], [0, 0], [1, 1]):
        user = factories.make_user("trainee")
        build.attempt(
            user, module, [(v, float(m), None) for v, m in zip(versions, marks, strict=False)]
        )
    other = factories.make_user("instructor")
    db_session.commit()
    url = "/studio/modules/ss-exam/standard-setting"
    page = client.get(url).get_data(as_text=True)
    r = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(page),
            "r_ss-q0": "0.8",
            "r_ss-q1": "0.6",
            "hofstee-c_min": "40",
            "hofstee-c_max": "80",
            "hofstee-f_min": "10",
            "hofstee-f_max": "50",
        },
    )
    assert r.status_code == 302
    client.post(
        "/logout", data={"csrf_token": csrf_token_from(client.get(url).get_data(as_text=True))}
    )
    login(client, other.email)
    page = client.get(url).get_data(as_text=True)
    client.post(
        url,
        data={"csrf_token": csrf_token_from(page), "r_ss-q0": "0.6", "r_ss-q1": "0.6"},
    )
    page = client.get(url).get_data(as_text=True)
    assert "65.00 %" in page  # judges' sums 1.4 and 1.2 → C = 1.3 of 2 marks
    r = client.post(
        "/studio/modules/ss-exam/pass-mark",
        data={"csrf_token": csrf_token_from(page), "method": "angoff"},
    )
    assert r.status_code == 302
    db_session.refresh(module)
    assert module.pass_mark == pytest.approx(65.0)
    decision = db_session.scalar(sa.select(PassMarkDecision))
    assert decision.method == "angoff" and decision.pass_mark_before == 70.0
    assert decision.values["se"] == pytest.approx(0.1)
    assert db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "studio.standard.pass_mark")
    )
    r = client.post(
        "/studio/modules/ss-exam/pass-mark",
        data={"csrf_token": csrf_token_from(page), "method": "hofstee"},
    )
    assert r.status_code == 302
    db_session.refresh(module)
    # Scores 100, 50, 0, 100 %; F_line(c) = 50 - (c - 40). F(50) = 25 < 40; F(51) = 50 ≥ 39.
    assert module.pass_mark == 51.0
