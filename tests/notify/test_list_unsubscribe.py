"""One-click unsubscribe (RFC 8058) on the expiry reminders, read from a real SMTP server on
loopback; only the reminders carry it; the one-click POST needs no session and no CSRF token."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.notify.models import NotificationOptOut
from tests.mail.conftest import smtp, smtp_down  # noqa: F401
from tests.notify.test_notify_due import notify

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def opted_out(db_session) -> bool:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalar(sa.select(NotificationOptOut)) is not None


def test_reminders_carry_one_click_unsubscribe_and_it_works_without_a_session(
    frozen_clock,
    app,
    runner,
    db_session,
    certified,
    smtp,  # noqa: F811
):
    notify(runner)  # the certificate issued: transactional, no List-Unsubscribe
    frozen_clock.set(certified.certificate.valid_until - timedelta(days=59))
    notify(runner)  # the 60-day reminder
    issued, reminder = smtp.received.messages
    assert issued["List-Unsubscribe"] is None and issued["List-Unsubscribe-Post"] is None
    header = reminder["List-Unsubscribe"]
    assert header.startswith("<http://127.0.0.1:5000/notifications/unsubscribe/")
    assert header.endswith(">")
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = urlsplit(header[1:-1]).path

    stranger = app.test_client()  # a mail provider's server: no cookie, no CSRF token
    refused = stranger.post(path, data={"List-Unsubscribe": "Maybe"})
    assert refused.status_code == 400 and not opted_out(db_session)  # the form needs CSRF
    forged = stranger.post("/notifications/unsubscribe/forged", data=ONE_CLICK)
    assert forged.status_code == 400 and not opted_out(db_session)
    done = stranger.post(path, data=ONE_CLICK)
    assert done.status_code == 200 and opted_out(db_session)
    assert stranger.post(path, data=ONE_CLICK).status_code == 200  # again: still out

    frozen_clock.set(certified.certificate.valid_until - timedelta(days=13))
    assert "nothing due" in notify(runner)
    assert len(smtp.received.messages) == 2
