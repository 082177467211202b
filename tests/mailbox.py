"""Reading the outbox in tests: the messages written for an address and the links in them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.mail.models import OutboxMessage

LINK_RE = re.compile(r"https?://[^\s\"<>]+")


def messages_to(session: Session, address: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.to_addr == address.lower())
            .order_by(OutboxMessage.id)
        )
    )


def links_in(text: str) -> list[str]:
    return LINK_RE.findall(text)


def latest_link(session: Session, address: str, path_part: str) -> str:
    """The path (with query) of the newest link containing ``path_part`` mailed to ``address``."""
    for message in reversed(messages_to(session, address)):
        for link in links_in(message.text_body):
            if path_part in link:
                parts = urlsplit(link)
                return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no {path_part} link mailed to {address}")
