"""The demo's practical competence (issue 15): an eligible supervisor, a practical exam with two
stations, and the demo trainee (a physical therapist) part-way through every kind of
requirement: some hours, some signed-off sessions, one station passed. Idempotent."""

from __future__ import annotations

from datetime import date, timedelta

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.auth.services import find_user_by_email
from app.practical import hours, logbook, osce
from app.practical.models import HoursEntry, OsceStation

DEMO_EMAILS = {
    "trainee": "trainee@demo.example",
    "instructor": "instructor@demo.example",
    "supervisor": "supervisor@demo.example",
}

# A minimal PDF: the pending activity's evidence file.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

STATIONS = [
    (
        "needle-safety",
        "Needle safety and hygiene",
        None,
        "hygiene | Performs hand hygiene before and after | 2\n"
        "sharps | Disposes of each needle in the sharps container | 3\n"
        "count | Counts needles in and out and reconciles them | 5",
        "count_not_reconciled | Needle count not reconciled\nno_hygiene | No hand hygiene",
    ),
    (
        "thorax-barrier",
        "Thorax: needling over the ribs with a barrier technique",
        "thoracic",
        "landmarks | Palpates the rib and the intercostal space | 3\n"
        "barrier | Places the fingers as a barrier over the rib | 4\n"
        "angle | Directs the needle tangentially, away from the pleura | 3",
        "no_barrier | Needles toward the pleura without a barrier technique",
    ),
]


def _stations(session: Session, author: User, approver: User) -> list[OsceStation]:
    rows = []
    for slug, title, region, checklist, critical in STATIONS:
        row = session.scalar(sa.select(OsceStation).where(OsceStation.slug == slug))
        if row is None:
            row = osce.create_station(
                session,
                author,
                osce.StationInput(
                    slug,
                    title,
                    f"Show the examiners: {title.lower()}.",
                    region,
                    osce.parse_items(checklist, "checklist", True),
                    osce.parse_items(critical, "critical errors", False),
                    5,
                    70.0,
                    3,
                ),
            )
            osce.submit_station(session, author, row.id)
            osce.approve_station(session, approver, row.id)
        rows.append(row)
    return rows


def _hours(session: Session, instructor: User, trainee: User, today: date) -> None:
    for title, mode, area, amount, days in (
        ("Lab day 1: upper quarter", "in_person", "psychomotor", 6.0, 40),
        ("Lab day 2: lower quarter", "in_person", "needles_biohazard", 8.0, 20),
        ("Live webinar: adverse events", "live_online", "post_care", 2.0, 10),
    ):
        activity = hours.Activity(title, mode, area, amount, today - timedelta(days=days))
        hours.run_session(session, instructor, activity, [trainee.id])
    hours.record_activity(
        session,
        trainee,
        hours.Activity("Reading: needling the thorax", "self_study", "theory", 3.0, today),
        DEMO_PDF,
        "reading-log.pdf",
    )


def _logbook(session: Session, trainee: User, supervisor: User, program, today: date) -> None:
    regions = ["lumbar", "cervical", "shoulder", "lower_limb", "pelvis_hip"]
    for n in range(16):
        entry = logbook.log_session(
            session,
            trainee,
            program,
            logbook.LogbookInput(
                today - timedelta(days=60 - 3 * n),
                f"DEMO-{n + 1:03d}",
                regions[n % len(regions)],
                ["upper trapezius"] if n % 2 else ["gluteus medius", "piriformis"],
                2,
                2,
                "Bruising at the needling site" if n == 4 else "none",
                supervisor.email,
                "Local twitch responses; needle count reconciled.",
            ),
        )
        if n < 13:
            logbook.decide(session, supervisor, entry.id, "approve", "")
        elif n == 13:
            logbook.decide(session, supervisor, entry.id, "return", "Add the muscles you needled.")


def setup_practical(session: Session, program, emails: dict[str, str]) -> None:
    """The demo's practical data for ``program`` (once: skipped when the trainee has hours)."""
    trainee = find_user_by_email(session, emails["trainee"])
    instructor = find_user_by_email(session, emails["instructor"])
    supervisor = find_user_by_email(session, emails["supervisor"])
    if trainee is None or instructor is None or supervisor is None or program is None:
        return
    today = clock.utcnow().date()
    logbook.record_experience(session, None, supervisor, date(2018, 3, 1), 400)
    logbook.record_experience(session, None, instructor, date(2021, 9, 1), 120)
    safety, _thorax = _stations(session, instructor, supervisor)
    if session.scalar(sa.select(HoursEntry.id).where(HoursEntry.user_id == trainee.id).limit(1)):
        return
    trainee.profession = "physical_therapist"  # an id of app/jurisdictions/professions.py
    _hours(session, instructor, trainee, today)
    _logbook(session, trainee, supervisor, program, today)
    performance = osce.start_performance(session, instructor, safety, trainee, 2)
    all_done = {"seq": 1, "marks": {"hygiene": True, "sharps": True, "count": True},
                "critical": [], "global_rating": 4}  # fmt: skip
    osce.submit_marking(session, instructor, performance.id, all_done)
    osce.submit_marking(session, supervisor, performance.id, all_done | {"global_rating": 5})
    click.echo(
        f"Practical: {trainee.email} has 16 h, 13 signed-off sessions and 1 of 2 stations; "
        f"{supervisor.email} supervises."
    )


def graduate_practical(session: Session, graduate: User, program) -> None:
    """Everything beyond the exams for the demo graduate: 28 h in person (10 psychomotor),
    25 signed-off sessions, both stations passed (called before their completion)."""
    instructor = find_user_by_email(session, DEMO_EMAILS["instructor"])
    supervisor = find_user_by_email(session, DEMO_EMAILS["supervisor"])
    if instructor is None or supervisor is None:
        return
    if session.scalar(sa.select(HoursEntry.id).where(HoursEntry.user_id == graduate.id).limit(1)):
        return
    today = clock.utcnow().date()
    for title, area, amount, days in (
        ("Lab weekend 1", "psychomotor", 10.0, 200),
        ("Lab weekend 2", "needles_biohazard", 10.0, 180),
        ("Lab day 3", "indications", 8.0, 160),
    ):
        activity = hours.Activity(title, "in_person", area, amount, today - timedelta(days=days))
        hours.run_session(session, instructor, activity, [graduate.id])
    for n in range(25):
        entry = logbook.log_session(
            session,
            graduate,
            program,
            logbook.LogbookInput(
                today - timedelta(days=150 - 5 * n), f"GRAD-{n + 1:03d}", "lumbar",
                ["quadratus lumborum"], 2, 2, "none", supervisor.email, "Count reconciled.",
            ),
        )  # fmt: skip
        logbook.decide(session, supervisor, entry.id, "approve", "")
    full = {"seq": 1, "critical": [], "global_rating": 5}
    for station in session.scalars(sa.select(OsceStation).order_by(OsceStation.slug)):
        done = dict.fromkeys((str(i["id"]) for i in station.checklist), True)
        performance = osce.start_performance(session, instructor, station, graduate, 1)
        osce.submit_marking(session, supervisor, performance.id, full | {"marks": done})
