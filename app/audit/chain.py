"""The audit hash chain: each event carries the SHA-256 of its content and of the event before.

Pure: no Flask, no SQLAlchemy. Editing, deleting or reordering any event breaks every hash
after it, which :func:`verify_chain` reports; ``flask --app wsgi audit verify`` runs it over the
table. The first event's predecessor is :data:`GENESIS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainedEvent:
    """The fields of an audit event that its hash covers, and the hashes it carries."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject_type: str | None
    subject_id: str | None
    details: dict[str, Any]
    prev_hash: str | None
    hash: str | None


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def event_hash(
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    details: dict[str, Any],
) -> str:
    """SHA-256 (hex) of the previous hash and this event's content, canonically serialised."""
    content = {
        "prev": prev_hash,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": details,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_chain(events: Iterable[ChainedEvent]) -> list[ChainBreak]:
    """Every place where the chain is broken, in id order (empty: intact)."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    for event in events:
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(event.id, "does not follow the event before it"))
        recomputed = event_hash(
            event.prev_hash or "",
            event.at,
            event.actor_id,
            event.action,
            event.subject_type,
            event.subject_id,
            event.details,
        )
        if event.hash != recomputed:
            breaks.append(ChainBreak(event.id, "its content does not match its hash"))
        expected_prev = event.hash or ""
    return breaks
