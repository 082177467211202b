"""What boards and CE trackers take: the completion roster (CSV), the attestation packet of one
trainee against one jurisdiction (PDF) and the adverse-event summary (CSV). Every cell goes
through :mod:`app.csv_export` (formula injection defused); the callers audit each export."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import segno
import sqlalchemy as sa
from fpdf import FPDF
from sqlalchemy.orm import Session

from app import csv_export
from app.auth.models import User
from app.banks.models import Module, Program
from app.certificates.models import Certificate, Completion, CompletionStatus
from app.certificates.pdf import FONT_DIR
from app.enrolment.models import Enrolment
from app.licensing.queries import Standing
from app.practical.models import (
    EntryStatus,
    HoursEntry,
    LogbookEntry,
    LogbookStatus,
    OscePerformance,
    OsceStation,
)
from app.quiz.models import Attempt
from app.requirements.evidence import MODE_LABELS, Mode

MODES = [m.value for m in Mode]
ROSTER_HEADER = [
    "licence_number",
    "licence_state",
    "last_name",
    "first_name",
    "email",
    "program_id",
    "program_title",
    "completion_date",
    "certificate_serial",
    "ce_hours",
    *(f"hours_{m}" for m in MODES),
]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def verified_hours_by_mode(session: Session, user_id: int, until: date | None = None) -> Counter:
    query = sa.select(HoursEntry.mode, sa.func.sum(HoursEntry.hours)).where(
        HoursEntry.user_id == user_id, HoursEntry.status == EntryStatus.VERIFIED
    )
    if until is not None:
        query = query.where(HoursEntry.held_on <= until)
    rows = session.execute(query.group_by(HoursEntry.mode))
    return Counter({mode: float(total or 0) for mode, total in rows})


def _split_name(name: str) -> tuple[str, str]:
    parts = name.strip().rsplit(" ", 1)
    return (parts[1], parts[0]) if len(parts) == 2 else (parts[0], "")


def roster_rows(session: Session, program: Program, start: date, end: date) -> list[list]:
    """One row per approved completion of ``program`` in [start, end] (UTC days)."""
    low, high = _bounds(start, end)
    rows = session.execute(
        sa.select(Completion, User, Certificate)
        .join(User, User.id == Completion.user_id)
        .outerjoin(Certificate, Certificate.completion_id == Completion.id)
        .where(
            Completion.program_id == program.id,
            Completion.status == CompletionStatus.APPROVED,
            Completion.completed_at >= low,
            Completion.completed_at < high,
        )
        .order_by(Completion.completed_at, Completion.id)
    )
    out = []
    for completion, user, certificate in rows:
        done_on = completion.completed_at.date()
        hours = verified_hours_by_mode(session, user.id, done_on)
        last, first = _split_name(user.name)
        out.append(
            [
                user.licence_number,
                user.jurisdiction,
                last,
                first,
                user.email,
                program.slug,
                program.title,
                done_on.isoformat(),
                certificate.serial if certificate else "",
                f"{program.ce_hours:g}" if program.ce_hours is not None else "",
                *(f"{hours.get(m, 0):g}" for m in MODES),
            ]  # fmt: skip
        )
    return out


def roster_csv(session: Session, program: Program, start: date, end: date) -> tuple[str, int]:
    rows = roster_rows(session, program, start, end)
    return csv_export.to_csv(ROSTER_HEADER, rows), len(rows)


ADVERSE_HEADER = ["performed_on", "trainee_email", "region", "adverse_event", "status"]


def adverse_rows(session: Session, program: Program, start: date, end: date) -> list[list]:
    """Logged sessions with an adverse event, of the program's trainees, in [start, end]."""
    trainees = sa.select(Enrolment.user_id).where(Enrolment.program_id == program.id)
    rows = session.execute(
        sa.select(LogbookEntry, User)
        .join(User, User.id == LogbookEntry.user_id)
        .where(
            LogbookEntry.user_id.in_(trainees),
            LogbookEntry.adverse_event != "none",
            LogbookEntry.performed_on >= start,
            LogbookEntry.performed_on <= end,
        )
        .order_by(LogbookEntry.performed_on, LogbookEntry.id)
    )
    return [
        [e.performed_on.isoformat(), u.email, e.region, e.adverse_event, e.status.value]
        for e, u in rows
    ]


def adverse_csv(session: Session, program: Program, start: date, end: date) -> tuple[str, int]:
    """The events, then a summary line per region (sessions logged, with an adverse event)."""
    trainees = sa.select(Enrolment.user_id).where(Enrolment.program_id == program.id)
    events = adverse_rows(session, program, start, end)
    totals = session.execute(
        sa.select(LogbookEntry.region, sa.func.count())
        .where(
            LogbookEntry.user_id.in_(trainees),
            LogbookEntry.performed_on >= start,
            LogbookEntry.performed_on <= end,
        )
        .group_by(LogbookEntry.region)
        .order_by(LogbookEntry.region)
    )
    per_region = Counter(row[2] for row in events)
    summary = [
        ["summary", "", region, f"{per_region.get(region, 0)} of {count} sessions", ""]
        for region, count in totals
    ]
    return csv_export.to_csv(ADVERSE_HEADER, [*events, *summary]), len(events)


# ---------------------------------------------------------------- attestation packet


@dataclass(frozen=True)
class Packet:
    """What the attestation PDF lists (read from the database, drawn by :func:`render`)."""

    user: User
    standing: Standing
    hours_by_mode: dict[str, float]
    sessions: list[tuple[date, str, str, str]]  # date, region, supervisor, signed-off on
    stations: list[tuple[str, float | None]]  # title, percent
    exams: list[tuple[str, float | None, date]]  # module title, percent, date
    certificate_serial: str
    verify_url: str
    generated_on: date


def packet(session: Session, user: User, standing: Standing, verify_url_for, today: date) -> Packet:
    logbook = session.scalars(
        sa.select(LogbookEntry)
        .where(LogbookEntry.user_id == user.id, LogbookEntry.status == LogbookStatus.APPROVED)
        .order_by(LogbookEntry.performed_on, LogbookEntry.id)
    )
    sessions = [
        (
            e.performed_on, e.region, e.supervisor.name or e.supervisor.email,
            e.decided_at.date().isoformat() if e.decided_at else "",
        )
        for e in logbook
    ]  # fmt: skip
    stations = session.execute(
        sa.select(OsceStation.title, OscePerformance.percent)
        .join(OscePerformance, OscePerformance.station_id == OsceStation.id)
        .where(
            OscePerformance.candidate_id == user.id,
            OscePerformance.passed.is_(True),
            OscePerformance.finalised_at.is_not(None),
        )
        .order_by(OsceStation.title)
    )
    exams = session.execute(
        sa.select(Module.title, Attempt.percent, Attempt.submitted_at)
        .join(Module, Module.id == Attempt.module_id)
        .where(Attempt.user_id == user.id, Attempt.passed.is_(True))
        .order_by(Attempt.submitted_at)
    )
    certificate = session.scalar(
        sa.select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_at.desc())
        .limit(1)
    )
    return Packet(
        user=user,
        standing=standing,
        hours_by_mode=dict(verified_hours_by_mode(session, user.id)),
        sessions=sessions,
        stations=[(t, p) for t, p in stations],
        exams=[(t, p, s.date()) for t, p, s in exams if s is not None],
        certificate_serial=certificate.serial if certificate else "",
        verify_url=verify_url_for(certificate.code) if certificate else "",
        generated_on=today,
    )


def _line(pdf: FPDF, text: str, size: int = 10, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")


def _evidence(pdf: FPDF, data: Packet) -> None:
    _line(pdf, "Hours by delivery mode (verified)", 12, True)
    for mode in MODES:
        label = MODE_LABELS[Mode(mode)].capitalize()
        _line(pdf, f"  {label}: {data.hours_by_mode.get(mode, 0):g} h")
    _line(pdf, f"  Total: {sum(data.hours_by_mode.values()):g} h")
    by_region = Counter(s[1] for s in data.sessions)
    _line(pdf, f"Supervised sessions signed off: {len(data.sessions)}", 12, True)
    if by_region:
        _line(pdf, "  By region: " + ", ".join(f"{r} {n}" for r, n in sorted(by_region.items())))
    for on, region, supervisor, signed in data.sessions:
        _line(pdf, f"  {on.isoformat()}  {region}  supervisor {supervisor}, signed off {signed}")
    _line(pdf, f"Practical stations passed: {len(data.stations)}", 12, True)
    for title, percent in data.stations:
        _line(pdf, f"  {title}" + (f" ({percent:.0f}%)" if percent is not None else ""))
    _line(pdf, f"Examinations passed: {len(data.exams)}", 12, True)
    for title, percent, on in data.exams:
        score = f"{percent:.0f}%" if percent is not None else "passed"
        _line(pdf, f"  {title}: {score} on {on.isoformat()}")


def render(data: Packet, issuer_name: str) -> bytes:
    """The attestation packet as PDF bytes."""
    rule, result = data.standing.rule, data.standing.result
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"Attestation: {data.user.name}, {rule.name}")
    pdf.set_author(issuer_name)
    pdf.add_page()
    _line(pdf, f"{issuer_name}: attestation of training", 16, True)
    _line(pdf, f"Trainee: {data.user.name} ({data.user.email})")
    _line(pdf, f"Licence: {data.user.licence_number or '-'} ({data.user.jurisdiction or '-'})")
    _line(pdf, f"Jurisdiction: {rule.name} ({rule.id}), {rule.body}")
    _line(pdf, f"Rule: {rule.source.citation}; as of {rule.as_of}, review by {rule.review_by}")
    _line(pdf, f"Status on {data.generated_on.isoformat()}: {result.status.value}", 12, True)
    for gap in result.missing:
        _line(pdf, f"  Missing: {gap.message}")
    for note in result.notes:
        _line(pdf, f"  Note: {note}")
    _evidence(pdf, data)
    _line(pdf, "Certificate", 12, True)
    if data.certificate_serial:
        _line(pdf, f"  Serial {data.certificate_serial}; verify at {data.verify_url}")
        qr = io.BytesIO()
        segno.make(data.verify_url, error="m").save(qr, kind="png", scale=4, border=1)
        qr.seek(0)
        pdf.image(qr, w=30)
    else:
        _line(pdf, "  No certificate issued yet.")
    return bytes(pdf.output())
