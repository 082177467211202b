"""Stored rules and a trainee part-way through (flush, never commit)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from app.licensing import services
from app.practical.models import EntryStatus, HoursEntry

RULES = Path(__file__).resolve().parents[2] / "question_banks" / "jurisdictions"


def import_shipped(session: Session) -> dict[str, int]:
    return services.import_rules(session, RULES)


def add_hours(session: Session, user, mode: str, hours: float, on: date = date(2026, 3, 1)):
    entry = HoursEntry(
        user_id=user.id,
        title=f"{mode} course",
        mode=mode,
        content_area=None,
        hours=hours,
        held_on=on,
        status=EntryStatus.VERIFIED,
    )
    session.add(entry)
    session.flush()
    return entry
