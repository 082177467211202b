"""``flask attempts regrade`` and ``/admin/regrade``: dry run first, apply with a confirmation,
bad input refused with nothing changed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.certificates.models import Certificate, Completion
from app.mail.models import OutboxMessage
from app.quiz.models import Attempt
from app.regrade import services
from tests.conftest import csrf_token_from
from tests.rowcounts import table_rows, without_audit

DIGEST_RE = re.compile(
    r'name="digest"[^>]*value="([0-9a-f]{64})"|value="([0-9a-f]{64})"[^>]*name="digest"'
)


# ---------------------------------------------------------------- command line


def test_cli_dry_run_prints_the_changes_and_changes_nothing(world, runner, db_session):
    before = table_rows(db_session)
    result = runner.invoke(args=["attempts", "regrade", "--question", "reg-q1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"attempt {world.attempts['certified'].id}\t{world.certified.email}" in result.output
    assert "score 2.0 -> 1.0\tpassed True -> False" in result.output
    assert f"completion {world.completion.id}" in result.output and "\tflag" in result.output
    assert "completion new" in result.output and "\trecord" in result.output
    assert "1 open attempt(s)" in result.output and "Dry run: nothing changed." in result.output
    assert table_rows(db_session) == before


def test_cli_applies_then_finds_nothing_to_change(world, runner, db_session):
    result = runner.invoke(args=["attempts", "regrade", "--question", "reg-q1"])
    assert result.exit_code == 0, result.output
    assert "Applied." in result.output
    db_session.expire_all()
    assert db_session.get(Attempt, world.attempts["newly"].id).passed is True
    assert db_session.get(Completion, world.completion.id).regrade_flag
    assert db_session.get(Certificate, world.certificate.id).revoked_at is None
    mail = db_session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "regrade_result")
    ).all()
    assert len(mail) == 3 and all("/dashboard" in m.text_body for m in mail)
    before = table_rows(db_session)
    again = runner.invoke(args=["attempts", "regrade", "--question", "reg-q1"])
    assert again.exit_code == 0 and "Nothing to change." in again.output
    assert table_rows(db_session) == before


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("no-such-question", "There is no question with the key"),
        ("reg-q1\x00", "no control characters"),
        ("q" * 5000, "at most 80 characters"),
        ("  ", "Give a question key"),
    ],
)
def test_cli_bad_keys_exit_non_zero_and_change_nothing(world, runner, db_session, key, says):
    before = table_rows(db_session)
    for extra in ([], ["--dry-run"]):
        result = runner.invoke(args=["attempts", "regrade", "--question", key, *extra])
        assert result.exit_code != 0
        assert says in result.output
    assert table_rows(db_session) == before


# ---------------------------------------------------------------- admin page


def test_the_page_shows_the_dry_run_and_changes_nothing(world, client, login_as, db_session):
    login_as("admin")
    before = without_audit(table_rows(db_session))
    page = client.get("/admin/regrade/?question=reg-q1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert world.certified.email in html and world.newly.email in html
    assert "flag for review (not revoked)" in html and "record a completion" in html
    assert world.certificate.serial in html and "Apply the regrade" in html
    assert without_audit(table_rows(db_session)) == before


def test_the_page_applies_after_confirmation(world, client, login_as, db_session):
    login_as("admin")
    html = client.get("/admin/regrade/?question=reg-q1").get_data(as_text=True)
    token = csrf_token_from(html)
    match = DIGEST_RE.search(html)
    assert match, "the apply form carries the dry run's digest"
    digest = match.group(1) or match.group(2)
    form = {"csrf_token": token, "question": "reg-q1", "digest": digest}
    before = without_audit(table_rows(db_session))
    unconfirmed = client.post("/admin/regrade/", data=form)
    assert unconfirmed.status_code == 400
    assert without_audit(table_rows(db_session)) == before
    applied = client.post("/admin/regrade/", data={**form, "confirm": "y"})
    assert applied.status_code == 302
    db_session.expire_all()
    assert db_session.get(Attempt, world.attempts["certified"].id).passed is False
    flagged = db_session.get(Completion, world.completion.id)
    assert flagged.regrade_flag and "reg-q1" in flagged.regrade_flag
    # the flag is visible in the admin queue and on the regrade page
    queue = client.get("/admin/completions?status=approved").get_data(as_text=True)
    assert "Flagged for review" in queue and "reg-q1" in queue
    assert "1 completion flagged for review" in client.get("/admin/").get_data(as_text=True)
    assert world.certified.email in client.get("/admin/regrade/").get_data(as_text=True)
    # the same dry run again is stale: nothing more is applied
    stale = client.post("/admin/regrade/", data={**form, "confirm": "y"})
    assert stale.status_code == 409


@pytest.mark.parametrize("key", ["no-such-question", "reg-q1\x00", "k" * 3000, ""])
def test_the_page_refuses_bad_keys_with_400(world, client, login_as, db_session, key):
    login_as("admin")
    before = without_audit(table_rows(db_session))
    page = client.get("/admin/regrade/", query_string={"question": key})
    assert page.status_code == 400
    token = csrf_token_from(client.get("/admin/regrade/").get_data(as_text=True))
    posted = client.post(
        "/admin/regrade/",
        data={"csrf_token": token, "question": key, "digest": "0" * 64, "confirm": "y"},
    )
    assert posted.status_code == 400
    assert without_audit(table_rows(db_session)) == before


def test_a_reviewer_keeps_a_flagged_completion(app, world, client, login_as, db_session):
    with app.app_context():
        services.apply_regrade(db_session, None, "reg-q1")
        db_session.commit()
    login_as("admin")
    token = csrf_token_from(client.get("/admin/regrade/").get_data(as_text=True))
    url = f"/admin/regrade/flags/{world.completion.id}/clear"
    assert client.post(url, data={"csrf_token": token}).status_code == 400
    db_session.expire_all()
    assert db_session.get(Completion, world.completion.id).regrade_flag
    response = client.post(url, data={"csrf_token": token, "note": "Checked by hand."})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Completion, world.completion.id).regrade_flag is None
    assert client.post(url, data={"csrf_token": token, "note": "again"}).status_code == 404


def test_trainees_and_instructors_cannot_regrade(world, client, login_as, db_session):
    login_as("instructor")
    before = without_audit(table_rows(db_session))
    assert client.get("/admin/regrade/?question=reg-q1").status_code == 403
    assert client.post("/admin/regrade/", data={"question": "reg-q1"}).status_code in (400, 403)
    assert without_audit(table_rows(db_session)) == before
