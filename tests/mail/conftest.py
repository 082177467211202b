"""A real SMTP server on loopback (aiosmtpd) that the app is pointed at, and what it received."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class SmtpServer:
    """``start()`` / ``stop()`` the server on one fixed port; ``received.messages``."""

    port: int
    received: Received = field(default_factory=Received)
    controller: Controller | None = None

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.received, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_down(app, monkeypatch) -> Iterator[SmtpServer]:
    """The app's MAIL_SERVER points at a loopback port where nothing listens yet."""
    server = SmtpServer(port=free_port())
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", str(server.port))
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", "5")
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "Academy <academy@example.org>")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp(smtp_down: SmtpServer) -> SmtpServer:
    """The same, with the server running."""
    smtp_down.start()
    return smtp_down


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a received message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()
