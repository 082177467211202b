"""The hours ledger: sessions with attendance, trainee activities with evidence, their review.

An instructor (or admin) records a session they ran (a lab day, a live webinar) and who
attended: each attendee gets a verified credit of its hours by mode and content area. A trainee
records another activity with an evidence file (PDF, PNG or JPEG, checked by its bytes, at
most ``MAX_EVIDENCE_BYTES``, stored in the database like the studio's uploads); it counts once
an instructor or admin other than the trainee verifies it, or not if they reject it with a
note. Services flush, never commit; every entry is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.enrolment.models import Cohort
from app.enrolment.queries import may_see_trainee, trainee_ids_in
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.practical.models import EntryStatus, HoursEntry, PracticeSession
from app.requirements.evidence import ContentArea, Mode

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_HOURS = 24.0
MAX_TITLE = 200
MAX_NOTE = 1000
MAX_ATTENDEES = 500
# The types an evidence file may be, told by its first bytes (never by its name or header).
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class Activity:
    title: str
    mode: str
    content_area: str | None
    hours: float
    held_on: date


def _check(activity: Activity) -> Activity:
    title = activity.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(_("title: 1 to %(max)s characters.", max=MAX_TITLE))
    if activity.mode not in {m.value for m in Mode}:
        raise ValidationFailed(
            _("mode: one of %(values)s.", values=", ".join(m.value for m in Mode))
        )
    area = activity.content_area or None
    if area is not None and area not in {a.value for a in ContentArea}:
        raise ValidationFailed(
            _("content_area: one of %(values)s.", values=", ".join(a.value for a in ContentArea))
        )
    if not 0 < activity.hours <= MAX_HOURS:
        raise ValidationFailed(
            _("hours: more than 0 and at most %(max)s (one day).", max=f"{MAX_HOURS:g}")
        )
    if activity.held_on > clock.utcnow().date():
        raise ValidationFailed(_("date: not in the future."))
    return Activity(title, activity.mode, area, round(float(activity.hours), 2), activity.held_on)


def evidence_type(data: bytes) -> str:
    """The content type of an evidence file, from its bytes; ValidationFailed otherwise."""
    if not data:
        raise ValidationFailed(_("evidence: the file is empty."))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ValidationFailed(
            _("evidence: at most %(mb)s MB.", mb=MAX_EVIDENCE_BYTES // (1024 * 1024))
        )
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            return content_type
    raise ValidationFailed(_("evidence: a PDF, PNG or JPEG file."))


def safe_name(filename: str) -> str:
    base = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:100] or "evidence"


def run_session(
    session: Session,
    instructor: User,
    activity: Activity,
    attendee_ids: list[int],
    cohort: Cohort | None = None,
) -> PracticeSession:
    """Record a session and credit its hours to each attendee (trainees; of the cohort if one
    is given). Refuses an attendee who is not a trainee (or not in the cohort)."""
    if instructor.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise Forbidden()
    clean = _check(activity)
    ids = list(dict.fromkeys(attendee_ids))
    if not ids or len(ids) > MAX_ATTENDEES:
        raise ValidationFailed(_("attendees: 1 to %(max)s trainees.", max=MAX_ATTENDEES))
    stmt = sa.select(User.id).where(User.id.in_(ids), User.role == Role.TRAINEE)
    if cohort is not None:
        stmt = stmt.where(User.id.in_(trainee_ids_in([cohort.id], active_only=True)))
    known = set(session.scalars(stmt))
    if set(ids) - known:
        raise ValidationFailed(_("attendees: every attendee must be a trainee of the cohort."))
    row = PracticeSession(
        title=clean.title,
        mode=clean.mode,
        content_area=clean.content_area,
        hours=clean.hours,
        held_on=clean.held_on,
        instructor_id=instructor.id,
        cohort_id=cohort.id if cohort is not None else None,
    )
    session.add(row)
    session.flush()
    now = clock.utcnow()
    for user_id in ids:
        session.add(
            HoursEntry(
                user_id=user_id,
                title=clean.title,
                mode=clean.mode,
                content_area=clean.content_area,
                hours=clean.hours,
                held_on=clean.held_on,
                status=EntryStatus.VERIFIED,
                session_id=row.id,
                reviewer_id=instructor.id,
                reviewed_at=now,
            )
        )
    session.flush()
    record(
        session,
        instructor,
        "hours.session",
        "practice_session",
        row.id,
        {"hours": clean.hours, "mode": clean.mode, "area": clean.content_area, "attendees": ids},
    )
    return row


def record_activity(
    session: Session, trainee: User, activity: Activity, data: bytes, filename: str
) -> HoursEntry:
    """A trainee's own activity with its evidence file, pending review."""
    if trainee.role != Role.TRAINEE:
        raise Forbidden()
    clean = _check(activity)
    content_type = evidence_type(data)
    entry = HoursEntry(
        user_id=trainee.id,
        title=clean.title,
        mode=clean.mode,
        content_area=clean.content_area,
        hours=clean.hours,
        held_on=clean.held_on,
        status=EntryStatus.PENDING,
        evidence_name=safe_name(filename),
        evidence_type=content_type,
        evidence_data=data,
    )
    session.add(entry)
    session.flush()
    record(
        session,
        trainee,
        "hours.recorded",
        "hours_entry",
        entry.id,
        {"hours": clean.hours, "mode": clean.mode, "area": clean.content_area},
    )
    return entry


def review_activity(
    session: Session, reviewer: User, entry_id: int, verify: bool, note: str
) -> HoursEntry:
    """Verify or reject a pending activity (an admin, or an instructor of the trainee's
    cohort; never the trainee)."""
    if reviewer.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise Forbidden()
    entry = session.get(HoursEntry, entry_id)
    if entry is None or entry.user_id == reviewer.id:
        raise NotFound()
    if not may_see_trainee(session, reviewer, entry.user_id):
        raise NotFound()  # another cohort's trainee: as if there were no such entry
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("note: at most %(max)s characters.", max=MAX_NOTE))
    if not verify and not note:
        raise ValidationFailed(_("note: say why the activity is rejected."))
    to = EntryStatus.VERIFIED if verify else EntryStatus.REJECTED
    claimed = session.execute(
        sa.update(HoursEntry)
        .where(HoursEntry.id == entry_id, HoursEntry.status == EntryStatus.PENDING)
        .values(status=to, reviewer_id=reviewer.id, reviewed_at=clock.utcnow(), note=note)
        .execution_options(synchronize_session=False)
    )
    session.refresh(entry)
    if claimed.rowcount != 1:
        raise Conflict(_("This activity was already reviewed."))
    record(session, reviewer, f"hours.{to.value}", "hours_entry", entry.id, {"note": note})
    return entry
