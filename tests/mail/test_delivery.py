"""The outbox and its sender, against a real SMTP server on loopback (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail import outbox
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.sender import send_batch
from app.settings import get_settings
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.mail.conftest import parts
from tests.mailbox import links_in, messages_to


def ask_reset(client, address: str):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client.get("/password/forgot").get_data(as_text=True))
    response = client.post("/password/forgot", data={"email": address, "csrf_token": token})
    assert response.status_code == 200
    return response


def test_backoff_doubles_from_a_minute_up_to_six_hours():
    assert [outbox.backoff(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert outbox.backoff(50) == timedelta(hours=6)


def test_without_smtp_mail_stays_in_the_outbox_for_administrators(
    app, client, db_session, login_as, runner
):
    user = make_user(email="ada@example.org", name="Ada Clinician")
    db_session.commit()
    ask_reset(client, "ada@example.org").close()  # the after-response hook: nothing to do
    [message] = messages_to(db_session, "ada@example.org")
    assert message.status == OutboxStatus.PENDING and message.attempts == 0
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0
    assert "MAIL_SERVER is not set: 1 message(s) wait in the outbox." in result.output
    db_session.refresh(message)
    assert message.status == OutboxStatus.PENDING and message.attempts == 0

    login_as("admin")
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "No MAIL_SERVER is configured" in listing
    assert "ada@example.org" in listing and message.subject in listing
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "/password/reset/" in page and user.name in page


def test_mail_arrives_over_smtp_with_both_parts_and_the_link(app, client, db_session, smtp):
    make_user(email="ada@example.org", name="Ada Clinician")
    db_session.commit()
    response = ask_reset(client, "ada@example.org")
    assert smtp.received.messages == []  # not while the response is being written
    response.close()  # the WSGI server closes the response: then the mail goes
    [received] = smtp.received.messages
    assert received["To"] == "ada@example.org"
    assert received["X-Envelope-To"] == "ada@example.org"
    assert received["From"] == "Academy <academy@example.org>"
    assert received["Subject"] == "Reset your Dry Needling Academy password"
    [row] = messages_to(db_session, "ada@example.org")
    assert received["Message-ID"].startswith(f"<outbox-{row.id}-")
    assert received.get_content_type() == "multipart/alternative"
    text, html = parts(received)
    [link] = [u for u in links_in(text) if "/password/reset/" in u]
    assert link.startswith("http://127.0.0.1:5000/password/reset/")  # PUBLIC_BASE_URL
    assert f'href="{link}"' in html
    assert "Hello Ada Clinician" in text and "Hello Ada Clinician" in html
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_mail_sent_while_smtp_is_down_arrives_once_after_it_comes_back(
    app, client, db_session, smtp_down, runner, frozen_clock
):
    make_user(email="ada@example.org")
    db_session.commit()
    ask_reset(client, "ada@example.org").close()  # SMTP is down: the try fails, nothing lost
    [row] = messages_to(db_session, "ada@example.org")
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == frozen_clock.now + timedelta(minutes=1)

    smtp_down.start()  # the server comes back
    assert runner.invoke(args=["mail", "send"]).output.startswith("Sent 0, failed 0")  # backoff
    assert smtp_down.received.messages == []
    frozen_clock.advance(minutes=1)
    assert runner.invoke(args=["mail", "send"]).output.startswith("Sent 1, failed 0")
    frozen_clock.advance(hours=1)
    assert runner.invoke(args=["mail", "send"]).output.startswith("Sent 0, failed 0")
    assert len(smtp_down.received.messages) == 1  # exactly once
    db_session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.last_error == ""


def test_a_claimed_message_is_sent_by_one_sender_only(app, db_session, smtp):
    with app.test_request_context():
        message = outbox.queue(
            db.session, "x@example.org", "register_verify", "Hi", site="S", link="L", hours=1
        )
        db.session.commit()
        now = message.created_at
        token, owned = outbox.claim(db.session, [message.id], now)
        _, second = outbox.claim(db.session, [message.id], now)  # another sender, same moment
        assert owned == [message.id] and second == []
        # A claim that is never finished (the sender died) expires and the row is due again.
        later = now + outbox.CLAIM_LEASE + timedelta(seconds=1)
        assert outbox.due_ids(db.session, later) == [message.id]
        db.session.rollback()


def test_nothing_is_sent_for_a_rolled_back_action(app, db_session, smtp):
    with app.test_request_context():
        message = outbox.queue(
            db.session, "x@example.org", "register_verify", "Hi", site="S", link="L", hours=1
        )
        queued = outbox.take_queued_ids(db.session)
        assert queued == [message.id]
        db.session.rollback()  # the action failed: its message goes with it
        report = send_batch(db.session, get_settings().mail, queued)
    assert report.sent == [] and smtp.received.messages == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_message_is_given_up_after_the_last_try(app, db_session, smtp_down, frozen_clock):
    with app.test_request_context():
        message = outbox.queue(
            db.session, "x@example.org", "register_verify", "Hi", site="S", link="L", hours=1
        )
        db.session.commit()
        for _ in range(outbox.MAX_ATTEMPTS):
            report = send_batch(db.session, get_settings().mail, None)
            assert report.failed == [message.id]
            frozen_clock.advance(hours=6)
        db.session.refresh(message)
        assert message.status == OutboxStatus.FAILED
        assert message.attempts == outbox.MAX_ATTEMPTS
        assert send_batch(db.session, get_settings().mail, None).failed == []  # no more tries


@pytest.mark.parametrize("subject", ["two\nlines", "carriage\rreturn"])
def test_a_subject_with_a_line_break_is_refused(app, db_session, subject):
    with app.test_request_context(), pytest.raises(ValueError):
        outbox.queue(db.session, "x@example.org", "register_verify", subject, site="S")


def test_an_administrator_puts_a_waiting_message_first_in_line(
    app, client, db_session, login_as, smtp_down, frozen_clock, runner
):
    make_user(email="ada@example.org")
    db_session.commit()
    ask_reset(client, "ada@example.org").close()  # fails: SMTP is down, next try in a minute
    [row] = messages_to(db_session, "ada@example.org")
    smtp_down.start()
    assert runner.invoke(args=["mail", "send"]).output.startswith("Sent 0")  # not due yet
    login_as("admin")
    page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "ConnectionRefusedError" in page
    token = csrf_token_from(page)
    response = client.post(f"/admin/outbox/{row.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    assert runner.invoke(args=["mail", "send"]).output.startswith("Sent 1")
    assert len(smtp_down.received.messages) == 1
    missing = client.post("/admin/outbox/999999/retry", data={"csrf_token": token})
    assert missing.status_code == 404


def test_the_outbox_pages_are_for_administrators_only(client, db_session, login_as):
    login_as("instructor")
    assert client.get("/admin/outbox").status_code == 403


def test_users_invite_sends_at_once_when_smtp_is_configured(app, db_session, runner, smtp):
    result = runner.invoke(
        args=["users", "invite", "--email", "new@example.org", "--role", "instructor"]
    )
    assert result.exit_code == 0, result.output
    assert "invitation sent" in result.output
    [received] = smtp.received.messages
    assert received["Subject"] == "You are invited to Dry Needling Academy"
    text, html = parts(received)
    [link] = [u for u in links_in(text) if "/invite/" in u]
    assert link in html and "as instructor" in text


def test_the_html_part_escapes_what_users_typed(client, db_session):
    make_user(email="ada@example.org", name="<b>Ada</b> & co")
    db_session.commit()
    ask_reset(client, "ada@example.org")
    [message] = messages_to(db_session, "ada@example.org")
    assert "Hello &lt;b&gt;Ada&lt;/b&gt; &amp; co" in message.html_body
    assert "Hello <b>Ada</b> & co" in message.text_body  # plain text is not HTML
