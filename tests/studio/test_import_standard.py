"""Import/export from the studio and standard setting (Angoff + Hofstee, pass mark decision)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.banks import models as bm
from app.rules.models import RuleChange
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


def _switch(client, user, url):
    client.post(
        "/logout", data={"csrf_token": csrf_token_from(client.get(url).get_data(as_text=True))}
    )
    assert login(client, user.email).status_code == 302


def _apply_latest(client, db_session, admin, url):
    """An administrator other than the proposer applies the pending rule change."""
    _switch(client, admin, url)
    change = db_session.scalar(sa.select(RuleChange).order_by(RuleChange.id.desc()))
    page = client.get("/admin/rule-changes").get_data(as_text=True)
    r = client.post(
        f"/admin/rule-changes/{change.id}/apply",
        data={"csrf_token": csrf_token_from(page), "confirm": "y"},
    )
    assert r.status_code == 302
    return change


def test_angoff_and_hofstee_propose_the_pass_mark_an_admin_applies(
    instructor, client, build, db_session, app, monkeypatch
):
    versions = [build.question(single_choice(f"ss-q{i}")) for i in range(2)]
    module = build.module(slug="ss-exam", count=2)
    for marks in ([1, 1], [1, 0], [0, 0], [1, 1]):
        user = factories.make_user("trainee")
        build.attempt(
            user, module, [(v, float(m), None) for v, m in zip(versions, marks, strict=False)]
        )
    others = [factories.make_user("instructor") for _ in range(2)]
    admin = factories.make_user("admin")
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
    for other, ratings in zip(others, (("0.6", "0.6"), ("0.7", "0.6")), strict=True):
        _switch(client, other, url)
        page = client.get(url).get_data(as_text=True)
        r = client.post(
            url,
            data={
                "csrf_token": csrf_token_from(page),
                "r_ss-q0": ratings[0],
                "r_ss-q1": ratings[1],
            },
        )
        assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    # Numbers as people write them (the |number filter: at most 2 decimals, no trailing zeros).
    assert "= 65 %" in page  # judges' sums 1.4, 1.2 and 1.3 → C = 1.3 of 2 marks
    assert "would score 25 %" in page  # the guessing rate: four options each
    r = client.post(
        "/studio/modules/ss-exam/pass-mark",
        data={"csrf_token": csrf_token_from(page), "method": "angoff"},
    )
    assert r.status_code == 302 and "/studio/modules/ss-exam/pass-mark/" in r.headers["Location"]
    result = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Proposed pass mark: 65 %" in result and "waiting for approval" in result
    db_session.refresh(module)
    assert module.pass_mark == 70.0  # a proposal: unchanged until an administrator applies it
    change = _apply_latest(client, db_session, admin, url)
    db_session.refresh(module)
    assert module.pass_mark == pytest.approx(65.0)
    db_session.refresh(change)
    assert change.source == "standard_setting" and change.before == {"pass_mark": 70.0}
    assert change.figures["method"] == "angoff"
    assert change.figures["se"] == pytest.approx(0.057735, abs=1e-6)
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rules.apply"))

    monkeypatch.setitem(app.config, "STANDARD_SETTING_MIN_JUDGES", "1")  # one gave limits
    _switch(client, instructor, url)
    page = client.get(url).get_data(as_text=True)
    r = client.post(
        "/studio/modules/ss-exam/pass-mark",
        data={"csrf_token": csrf_token_from(page), "method": "hofstee"},
    )
    assert r.status_code == 302
    _apply_latest(client, db_session, admin, url)
    db_session.refresh(module)
    # Scores 100, 50, 0, 100 %; F_line(c) = 50 - (c - 40). F(50) = 25 < 40; F(51) = 50 ≥ 39.
    assert module.pass_mark == 51.0
