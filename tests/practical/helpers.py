"""A program with practical requirements, an eligible supervisor (flush, never commit)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.banks.models import Program
from app.practical import logbook
from app.requirements import kinds
from tests import factories
from tests.certificates.helpers import make_program

REQUIREMENTS = [
    {"kind": "hours", "id": "psychomotor", "title": "Psychomotor", "hours": 2,
     "area": "psychomotor"},
    {"kind": "logbook", "id": "sessions", "title": "Supervised sessions", "sessions": 2},
]  # fmt: skip


def practical_program(session: Session, requirements=None, **kw) -> tuple[Program, list]:
    program, modules, _ = make_program(session, **kw)
    program.requirements = kinds.check_listed(
        REQUIREMENTS if requirements is None else requirements
    )
    program.supervisor_min_months = 12
    program.supervisor_min_sessions = 25
    session.flush()
    return program, modules


def eligible_supervisor(session: Session, **kw):
    user = factories.make_user("instructor", **kw)
    logbook.record_experience(session, None, user, date(2020, 1, 1), 300)
    return user


def entry_body(supervisor_email: str, **changes) -> dict:
    body = {
        "date": "2026-01-15",
        "patient_code": "P-0042",
        "region": "lumbar",
        "muscles": ["quadratus lumborum", "gluteus medius"],
        "needles_in": 3,
        "needles_out": 3,
        "adverse_event": "none",
        "supervisor_email": supervisor_email,
        "reflection": "Good local twitch responses; reconciled the needle count.",
    }
    body.update(changes)
    return body
