"""Reads: a trainee's practical evidence, ledger, logbook; queues for supervisors and reviewers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import User
from app.enrolment.queries import sees_every_trainee, taught_cohort_ids, trainee_ids_in
from app.practical.models import (
    EntryStatus,
    HoursEntry,
    LogbookEntry,
    OscePerformance,
    OsceStation,
    SupervisorExperience,
)
from app.requirements import evidence as ev


def evidence_values(session: Session, user_id: int) -> dict[str, Any]:
    """The practical part of a trainee's ``Evidence`` (the certificates' evidence source)."""
    hours = tuple(
        ev.HoursEntry(
            ev.Mode(e.mode),
            e.hours,
            e.held_on,
            e.status == EntryStatus.VERIFIED,
            ev.ContentArea(e.content_area) if e.content_area else None,
        )
        for e in ledger(session, user_id)
        if e.status != EntryStatus.REJECTED
    )
    sessions = tuple(
        ev.LogbookSession(
            e.performed_on, e.region, str(e.supervisor_id), ev.SessionStatus(e.status.value)
        )
        for e in logbook(session, user_id)
    )
    return {
        "hours": hours,
        "sessions": sessions,
        "stations_passed": stations_passed(session, user_id),
    }


def ledger(session: Session, user_id: int) -> list[HoursEntry]:
    return list(
        session.scalars(
            sa.select(HoursEntry)
            .where(HoursEntry.user_id == user_id)
            .order_by(HoursEntry.held_on.desc(), HoursEntry.id.desc())
        )
    )


def logbook(session: Session, user_id: int) -> list[LogbookEntry]:
    return list(
        session.scalars(
            sa.select(LogbookEntry)
            .where(LogbookEntry.user_id == user_id)
            .order_by(LogbookEntry.performed_on.desc(), LogbookEntry.id.desc())
        )
    )


def stations_passed(session: Session, user_id: int) -> frozenset[str]:
    rows = session.scalars(
        sa.select(OsceStation.slug)
        .join(OscePerformance, OscePerformance.station_id == OsceStation.id)
        .where(
            OscePerformance.candidate_id == user_id,
            OscePerformance.passed.is_(True),
            OscePerformance.finalised_at.is_not(None),
        )
    )
    return frozenset(rows)


def to_sign(session: Session, supervisor_id: int) -> list[LogbookEntry]:
    """Entries naming ``supervisor_id`` that wait for their decision."""
    return list(
        session.scalars(
            sa.select(LogbookEntry)
            .where(LogbookEntry.supervisor_id == supervisor_id, LogbookEntry.status == "pending")
            .order_by(LogbookEntry.created_at)
        )
    )


def activities_to_review(session: Session, reviewer: User) -> list[HoursEntry]:
    """Pending activities: every trainee's for an admin, their cohorts' for an instructor."""
    stmt = (
        sa.select(HoursEntry)
        .where(HoursEntry.status == EntryStatus.PENDING, HoursEntry.user_id != reviewer.id)
        .order_by(HoursEntry.created_at)
    )
    if not sees_every_trainee(reviewer):
        stmt = stmt.where(HoursEntry.user_id.in_(trainee_ids_in(taught_cohort_ids(reviewer))))
    return list(session.scalars(stmt))


def adverse_events(session: Session) -> list[LogbookEntry]:
    """Every logged session with an adverse event, newest first (the administrators' summary)."""
    return list(
        session.scalars(
            sa.select(LogbookEntry)
            .where(LogbookEntry.adverse_event != "none")
            .order_by(LogbookEntry.performed_on.desc(), LogbookEntry.id.desc())
        )
    )


def adverse_summary(session: Session) -> list[tuple[str, int, int]]:
    """(region, sessions logged, sessions with an adverse event) per region."""
    rows = session.execute(
        sa.select(
            LogbookEntry.region,
            sa.func.count(),
            sa.func.sum(sa.case((LogbookEntry.adverse_event != "none", 1), else_=0)),
        )
        .group_by(LogbookEntry.region)
        .order_by(LogbookEntry.region)
    )
    return [(region, int(total), int(adverse or 0)) for region, total, adverse in rows]


def supervisors(session: Session) -> list[tuple[User, SupervisorExperience]]:
    rows = session.execute(
        sa.select(User, SupervisorExperience)
        .join(SupervisorExperience, SupervisorExperience.user_id == User.id)
        .order_by(User.name)
    )
    return [(u, e) for u, e in rows]
