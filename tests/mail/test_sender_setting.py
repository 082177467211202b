"""The mail sender and the organisation an administrator stores are what arrives (a real SMTP
server on loopback); unset, the environment's MAIL_DEFAULT_SENDER is used."""

from __future__ import annotations

from app.siteconfig import services as siteconfig
from tests.factories import make_user
from tests.mail.test_delivery import ask_reset


def test_the_stored_sender_and_organisation_are_used(client, db_session, smtp):
    make_user(email="ada@example.org")
    db_session.commit()
    ask_reset(client, "ada@example.org").close()
    siteconfig.set_value(db_session, None, "mail_sender", "Institute <exams@institute.org>")
    siteconfig.set_value(db_session, None, "organisation", "Institute of Needling")
    db_session.commit()
    ask_reset(client, "ada@example.org").close()
    before, after = smtp.received.messages
    assert before["From"] == "Academy <academy@example.org>"  # the environment's
    assert after["From"] == "Institute <exams@institute.org>"
    assert after["Subject"] == "Reset your Institute of Needling password"
    assert after["Message-ID"].endswith("@institute.org>")


def test_flask_mail_send_uses_the_stored_sender(
    app, client, db_session, smtp_down, runner, frozen_clock
):
    make_user(email="ada@example.org")
    siteconfig.set_value(db_session, None, "mail_sender", "exams@institute.org")
    db_session.commit()
    ask_reset(client, "ada@example.org").close()  # SMTP is down: the mail waits
    smtp_down.start()
    frozen_clock.advance(minutes=1)  # the retry's backoff
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    [received] = smtp_down.received.messages
    assert received["From"] == "exams@institute.org"
