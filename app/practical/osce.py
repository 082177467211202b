"""The practical skills examination (OSCE): stations, performances, marks (services flush).

Stations are authored by an instructor and approved by another staff member (four eyes, as in
the studio: the author never approves). A performance is one candidate at one approved
station, marked by one or two examiners (never the candidate). Each examiner's marks are saved
with a sequence number the marking page increases with every change: a save whose number is
not above the stored one is a replay (an offline resend) and changes nothing, so marks made
offline arrive once. The result is final once every examiner submitted: the mean checklist
percentage and global rating against the pass rule, failed by any critical error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.practical import scoring
from app.practical.models import (
    OsceMarking,
    OscePerformance,
    OsceStation,
    StationState,
)
from app.requirements.evidence import REGIONS

STAFF = (Role.INSTRUCTOR, Role.ADMIN)
KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
MAX_ITEMS = 40
MAX_SEQ = 2**31 - 1


@dataclass(frozen=True)
class StationInput:
    slug: str
    title: str
    task: str
    region: str | None
    checklist: list[dict[str, Any]]
    critical_errors: list[dict[str, Any]]
    global_scale: int
    pass_percent: float
    min_global: int


def parse_items(text: str, label: str, weighted: bool) -> list[dict[str, Any]]:
    """``id | text | weight`` lines (``id | text`` without weights) into items."""
    items: list[dict[str, Any]] = []
    for line in text.replace("\r", "").split("\n"):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != (3 if weighted else 2) or not KEY.fullmatch(parts[0]) or not parts[1]:
            line_shown = repr(line.strip()[:60])
            if weighted:
                message = _(
                    "%(label)s: each line is id | step | weight (%(line)s).",
                    label=label,
                    line=line_shown,
                )
            else:
                message = _(
                    "%(label)s: each line is id | error (%(line)s).", label=label, line=line_shown
                )
            raise ValidationFailed(message)
        item: dict[str, Any] = {"id": parts[0], "text": parts[1][:300]}
        if weighted:
            try:
                weight = float(parts[2])
            except ValueError:
                weight = -1.0
            if not 0 < weight <= 100:
                raise ValidationFailed(
                    _("%(label)s: a weight is a number above 0, at most 100.", label=label)
                )
            item["weight"] = weight
        items.append(item)
    if len(items) > MAX_ITEMS or len({i["id"] for i in items}) != len(items):
        raise ValidationFailed(
            _("%(label)s: at most %(max)s items, each id once.", label=label, max=MAX_ITEMS)
        )
    return items


def _check_station(data: StationInput) -> None:
    if not KEY.fullmatch(data.slug):
        raise ValidationFailed(_("slug: a-z, 0-9, - and _."))
    if not data.title.strip() or len(data.title) > 200:
        raise ValidationFailed(_("title: 1 to %(max)s characters.", max=200))
    if data.region is not None and data.region not in REGIONS:
        raise ValidationFailed(_("region: one of %(values)s.", values=", ".join(REGIONS)))
    if not data.checklist:
        raise ValidationFailed(_("checklist: at least one step."))
    if not 2 <= data.global_scale <= 10 or not 1 <= data.min_global <= data.global_scale:
        raise ValidationFailed(_("global rating: a scale of 2 to 10, its minimum within it."))
    if not 0 <= data.pass_percent <= 100:
        raise ValidationFailed(_("pass mark: 0 to 100 %."))


def create_station(session: Session, author: User, data: StationInput) -> OsceStation:
    """A draft station by ``author`` (staff)."""
    if author.role not in STAFF:
        raise Forbidden()
    _check_station(data)
    if session.scalar(sa.select(OsceStation.id).where(OsceStation.slug == data.slug)):
        raise ValidationFailed(_("slug: a station %(slug)s exists.", slug=repr(data.slug)))
    station = OsceStation(
        slug=data.slug,
        title=data.title.strip(),
        task=data.task.strip(),
        region=data.region,
        checklist=data.checklist,
        critical_errors=data.critical_errors,
        global_scale=data.global_scale,
        pass_percent=data.pass_percent,
        min_global=data.min_global,
        state=StationState.DRAFT,
        author_id=author.id,
    )
    session.add(station)
    session.flush()
    record(session, author, "osce.station.created", "osce_station", station.id, {"slug": data.slug})
    return station


def submit_station(session: Session, author: User, station_id: int) -> OsceStation:
    station = session.get(OsceStation, station_id)
    if station is None or station.author_id != author.id:
        raise NotFound()
    if station.state != StationState.DRAFT:
        raise Conflict(_("Only a draft is sent for review."))
    station.state = StationState.IN_REVIEW
    session.flush()
    record(session, author, "osce.station.submitted", "osce_station", station.id, {})
    return station


def approve_station(session: Session, approver: User, station_id: int) -> OsceStation:
    """Four eyes: staff other than the author approve a station in review."""
    if approver.role not in STAFF:
        raise Forbidden()
    station = session.get(OsceStation, station_id)
    if station is None:
        raise NotFound()
    if station.author_id == approver.id:
        raise Forbidden(_("You cannot approve a station you wrote: another instructor does."))
    if station.state != StationState.IN_REVIEW:
        raise Conflict(_("Only a station in review is approved."))
    station.state = StationState.APPROVED
    station.approver_id, station.approved_at = approver.id, clock.utcnow()
    session.flush()
    record(session, approver, "osce.station.approved", "osce_station", station.id, {})
    return station


def start_performance(
    session: Session, actor: User, station: OsceStation, candidate: User, examiners: int
) -> OscePerformance:
    if actor.role not in STAFF:
        raise Forbidden()
    if station.state != StationState.APPROVED:
        raise ValidationFailed(_("station: only an approved station is examined."))
    if candidate.role != Role.TRAINEE:
        raise ValidationFailed(_("candidate: a trainee."))
    if examiners not in (1, 2):
        raise ValidationFailed(_("examiners: 1 or 2."))
    performance = OscePerformance(
        station_id=station.id,
        candidate_id=candidate.id,
        examiners_needed=examiners,
        created_by_id=actor.id,
    )
    session.add(performance)
    session.flush()
    record(
        session,
        actor,
        "osce.performance.started",
        "osce_performance",
        performance.id,
        {"station": station.slug, "candidate_id": candidate.id, "examiners": examiners},
    )
    return performance


# ---------------------------------------------------------------- marking


@dataclass(frozen=True)
class Marks:
    seq: int
    marks: dict[str, bool]
    critical: list[str]
    global_rating: int | None


def check_marks(station: OsceStation, raw: Any) -> Marks:
    """The marks of a save, checked against the station (ValidationFailed naming the field)."""
    if not isinstance(raw, dict):
        raise ValidationFailed(_("body: a JSON object."))
    seq = raw.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        raise ValidationFailed(_("seq: a whole number from 1."))
    items = {str(i["id"]) for i in station.checklist}
    marks = raw.get("marks", {})
    if not isinstance(marks, dict) or set(marks) - items:
        raise ValidationFailed(_("marks: the station's checklist ids, each true or false."))
    if any(not isinstance(v, bool) for v in marks.values()):
        raise ValidationFailed(_("marks: each true or false."))
    errors = {str(e["id"]) for e in station.critical_errors}
    critical = raw.get("critical", [])
    if not isinstance(critical, list) or any(c not in errors for c in critical):
        raise ValidationFailed(_("critical: the station's critical error ids."))
    rating = raw.get("global_rating")
    if rating is not None and (
        isinstance(rating, bool)
        or not isinstance(rating, int)
        or not 1 <= rating <= station.global_scale
    ):
        raise ValidationFailed(_("global_rating: 1 to %(max)s.", max=station.global_scale))
    return Marks(seq, dict(marks), sorted(set(critical)), rating)


def _performance_for(session: Session, examiner: User, performance_id: int) -> OscePerformance:
    if examiner.role not in STAFF:
        raise Forbidden()
    performance = session.get(OscePerformance, performance_id)
    if performance is None or performance.candidate_id == examiner.id:
        raise NotFound()
    return performance


def _marking(session: Session, performance: OscePerformance, examiner: User) -> OsceMarking:
    """This examiner's marking of the performance, created on first use (at most as many
    examiners as the performance needs; a concurrent first save by the same examiner wins)."""
    stmt = sa.select(OsceMarking).where(
        OsceMarking.performance_id == performance.id, OsceMarking.examiner_id == examiner.id
    )
    row = session.scalar(stmt)
    if row is not None:
        return row
    others = session.scalar(
        sa.select(sa.func.count()).where(OsceMarking.performance_id == performance.id)
    )
    if (others or 0) >= performance.examiners_needed:
        raise Conflict(_("This performance already has its examiners."))
    try:
        with session.begin_nested():
            row = OsceMarking(performance_id=performance.id, examiner_id=examiner.id, seq=0)
            session.add(row)
            session.flush()
    except IntegrityError:
        row = session.scalar(stmt)
        if row is None:
            raise
    return row


def save_marks(
    session: Session, examiner: User, performance_id: int, raw: Any
) -> tuple[OsceMarking, bool]:
    """Store the examiner's marks if ``seq`` is above the stored one; (marking, applied).

    A replay (the same or an older seq: an offline resend) changes nothing and is not an error.
    """
    performance = _performance_for(session, examiner, performance_id)
    marks = check_marks(performance.station, raw)
    row = _marking(session, performance, examiner)
    if row.submitted_at is not None:
        raise Conflict(_("Your marks are submitted: they can no longer change."))
    applied = session.execute(
        sa.update(OsceMarking)
        .where(
            OsceMarking.id == row.id,
            OsceMarking.seq < marks.seq,
            OsceMarking.submitted_at.is_(None),
        )
        .values(
            seq=marks.seq,
            marks=marks.marks,
            critical=marks.critical,
            global_rating=marks.global_rating,
            updated_at=clock.utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return row, applied.rowcount == 1


def submit_marking(
    session: Session, examiner: User, performance_id: int, raw: Any | None = None
) -> OsceMarking:
    """Submit the examiner's marks (saving ``raw`` first when given); final once all are in."""
    if raw is not None:
        save_marks(session, examiner, performance_id, raw)
    # Lock the performance (PostgreSQL): the second of two concurrent submits sees the first,
    # so exactly one of them finalises the result.
    session.execute(
        sa.select(OscePerformance.id).where(OscePerformance.id == performance_id).with_for_update()
    )
    performance = _performance_for(session, examiner, performance_id)
    session.refresh(performance)  # as committed by the other examiner, if they came first
    row = _marking(session, performance, examiner)
    if row.submitted_at is not None:
        return row  # submitted twice: the same result
    station = performance.station
    verdict = scoring.score(
        station.checklist,
        row.marks,
        row.critical,
        row.global_rating,
        station.pass_percent,
        station.min_global,
    )
    row.percent, row.passed, row.submitted_at = verdict.percent, verdict.passed, clock.utcnow()
    session.flush()
    record(
        session,
        examiner,
        "osce.marking.submitted",
        "osce_performance",
        performance.id,
        {"percent": verdict.percent, "passed": verdict.passed, "critical": row.critical},
    )
    _finalise(session, performance)
    return row


def _finalise(session: Session, performance: OscePerformance) -> None:
    markings = list(
        session.scalars(
            sa.select(OsceMarking).where(
                OsceMarking.performance_id == performance.id,
                OsceMarking.submitted_at.is_not(None),
            )
        )
    )
    if len(markings) < performance.examiners_needed or performance.finalised_at is not None:
        return
    station = performance.station
    percent = round(sum(m.percent or 0.0 for m in markings) / len(markings), 2)
    ratings = [m.global_rating or 0 for m in markings]
    critical = sorted({c for m in markings for c in m.critical})
    passed = (
        not critical
        and percent >= station.pass_percent
        and sum(ratings) / len(ratings) >= station.min_global
    )
    performance.percent, performance.passed = percent, passed
    performance.finalised_at = clock.utcnow()
    session.flush()
    record(
        session,
        None,
        "osce.performance.final",
        "osce_performance",
        performance.id,
        {"percent": percent, "passed": passed, "critical": critical},
    )


# ---------------------------------------------------------------- agreement


@dataclass(frozen=True)
class StationReport:
    station: OsceStation
    per_item: dict[str, scoring.Agreement]
    overall: scoring.Agreement
    leniency: dict[str, float]  # examiner name -> points above (+) or below (−) co-examiners
    examiner_agreement: dict[str, scoring.Agreement]  # examiner name -> with their co-examiners


def station_report(session: Session, station: OsceStation) -> StationReport:
    rows = session.execute(
        sa.select(OsceMarking, User.name)
        .join(OscePerformance, OscePerformance.id == OsceMarking.performance_id)
        .join(User, User.id == OsceMarking.examiner_id)
        .where(OscePerformance.station_id == station.id, OsceMarking.submitted_at.is_not(None))
        .order_by(OsceMarking.performance_id, OsceMarking.id)
    ).all()
    by_performance: dict[int, list[tuple[OsceMarking, str]]] = {}
    for marking, name in rows:
        by_performance.setdefault(marking.performance_id, []).append((marking, name))
    items = tuple(str(i["id"]) for i in station.checklist)
    pairs, per_examiner = [], {}
    for marks in by_performance.values():
        if len(marks) != 2:
            continue
        (first, a), (second, b) = marks
        paired = scoring.PairedMarking(items, first.marks, second.marks)
        pairs.append(paired)
        per_examiner.setdefault(a, []).append(paired)
        per_examiner.setdefault(b, []).append(paired)
    scores = [(m.performance_id, name, m.percent or 0.0) for m, name in rows]
    return StationReport(
        station,
        scoring.item_agreement(pairs),
        scoring.overall_agreement(pairs),
        scoring.leniency(scores),
        {name: scoring.overall_agreement(p) for name, p in per_examiner.items()},
    )
