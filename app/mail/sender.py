"""Send claimed outbox messages over SMTP (standard library ``smtplib`` and ``email``).

:func:`send_batch` is a worker, not a service: it commits after the claim and after each
message, so a crash loses at most the message in flight (its claim expires and it is tried
again). It is run after a response (``app/mail/hooks.py``) and by ``flask mail send``.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType
from typing import Protocol

from sqlalchemy.orm import Session

from app import clock
from app.mail import outbox
from app.mail.models import OutboxMessage
from app.settings import MailSettings

# What a try can raise: refused, disconnected, timed out, unreachable, bad certificate.
SEND_ERRORS = (smtplib.SMTPException, OSError, ssl.SSLError)


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail of one outbox row: plain text with an HTML alternative, and the one-click
    unsubscribe headers when the row has an unsubscribe URL. The Message-ID is the same on
    every try of the row."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = Address(addr_spec=message.to_addr)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    stamp = int(message.created_at.timestamp())
    email["Message-ID"] = f"<outbox-{message.id}-{stamp}@{sender_domain(sender)}>"
    email["Auto-Submitted"] = "auto-generated"
    if message.list_unsubscribe:
        # RFC 2369 and RFC 8058: mail clients offer "unsubscribe", and POST
        # ``List-Unsubscribe=One-Click`` to the URL without asking the user anything more.
        email["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


class Transport(Protocol):
    def __enter__(self) -> Transport: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, email: EmailMessage) -> None: ...


class SmtpTransport:
    """One SMTP connection for a batch (SMTPS, STARTTLS, login as configured)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        s = self.settings
        context = ssl.create_default_context()
        if s.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.server or "", s.port, timeout=s.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.server or "", s.port, timeout=s.timeout)
            if s.use_tls:
                smtp.starttls(context=context)
        if s.username:
            smtp.login(s.username, s.password or "")
        self.smtp = smtp
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except SEND_ERRORS:
                self.smtp.close()

    def send(self, email: EmailMessage) -> None:
        assert self.smtp is not None
        self.smtp.send_message(email)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def send_batch(
    session: Session,
    settings: MailSettings,
    ids: list[int] | None = None,
    transport: type[SmtpTransport] = SmtpTransport,
) -> SendReport:
    """Claim ``ids`` (default: every due message, oldest first), send them, record each."""
    report = SendReport()
    if not settings.configured:
        return report
    now = clock.utcnow()
    candidates = outbox.due_ids(session, now) if ids is None else ids
    token, owned = outbox.claim(session, candidates, now)
    session.commit()
    if not owned:
        return report
    messages = [session.get(OutboxMessage, i) for i in owned]
    try:
        with transport(settings) as connection:
            for position, message in enumerate(messages):
                assert message is not None
                try:
                    connection.send(build_message(message, settings.default_sender))
                except SEND_ERRORS as exc:
                    _fail(session, message, token, exc, report)
                    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                        raise _Abort(position + 1) from exc
                    continue
                outbox.mark_sent(session, message.id, token, clock.utcnow())
                session.commit()
                report.sent.append(message.id)
    except _Abort as stop:
        for message in messages[stop.next_index :]:
            _fail(session, message, token, stop.__cause__, report)  # type: ignore[arg-type]
    except SEND_ERRORS as exc:  # could not connect or log in: nothing was sent
        for message in messages:
            if message is not None and message.id not in report.sent + report.failed:
                _fail(session, message, token, exc, report)
    return report


class _Abort(Exception):
    def __init__(self, next_index: int) -> None:
        super().__init__(next_index)
        self.next_index = next_index


def _fail(
    session: Session,
    message: OutboxMessage | None,
    token: str,
    exc: BaseException | None,
    report: SendReport,
) -> None:
    if message is None:
        return
    text = f"{type(exc).__name__}: {exc}" if exc is not None else "connection lost"
    outbox.mark_failed(session, message, token, text)
    session.commit()
    report.failed.append(message.id)
