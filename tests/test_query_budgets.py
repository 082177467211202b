"""Query budgets for every GET page and API route (issue 19), at two sizes of institution.

The world is the demo (``flask demo setup``: question banks, the demo accounts, a graduate with
a certificate, practical records) plus a synthetic institution from ``flask bench seed``
(app/benchseed). Every GET rule of ``app.url_map`` is requested by an anonymous visitor, a
seeded trainee (who has submitted exams and an open one), the demo instructor (teaching the
seeded cohorts), the demo admin and the demo graduate (who owns the certificate), with real
ids of the world. Then a second synthetic institution five times the size is added (the
instructor teaches it too, and the trainee measured is one of it with five times the
attempts) and everything is requested again.

Each (route, viewer) must answer with the same status and the same number of SQL statements
at both sizes: a count that grows with the data is an N+1. And each route stays within its
budget in ``BUDGETS`` (the most statements any viewer's request takes): raising a budget is a
decision, made in this file, in review.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks.models import Module, Program
from app.benchseed.seed import BENCH_PASSWORD, Params, plan
from app.benchseed.write import Written, write
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.demo.cli import demo_password
from app.enrolment.models import Cohort
from app.extensions import db, limiter
from app.quiz.services import start_attempt
from tests.conftest import login

VIEWERS = ("anonymous", "trainee", "instructor", "admin", "graduate")
SIZE = {"trainees": 3, "questions": 60, "attempts": 300}  # 6 exams: 2 per trainee
GROWTH = 5

# Links that carry a signed token (invitations, resets, unsubscribe): a forged one is a 400
# before any query that could grow; the static files and the OpenAPI document read nothing.
NOT_DATA = {"static"}

# The most statements one request of the route may take (any viewer), at any size.
BUDGETS: dict[str, int] = {
    "admin.accommodation": 7,
    "admin.audit": 4,
    "admin.audit_csv": 4,
    "admin.certificates": 4,
    "admin.completion_detail": 11,  # identical-answers flags computed and kept (app/derived)
    "admin.completions": 17,  # the same for a page: cohort stamps, kept rows, their upsert
    "admin.completions_csv": 4,
    "admin.index": 6,
    "admin.invite": 4,
    "admin.outbox": 4,
    "admin.outbox_message": 4,
    "admin.rule_changes": 4,
    "admin.site_settings": 4,
    "admin.users": 4,
    "api-docs.openapi_json": 0,
    "api_auth.me": 1,
    "api_certificates.get_certificate": 2,
    "api_licensing.my_jurisdictions": 7,
    "api_practical.my_hours": 3,
    "api_practical.my_requirements": 7,
    "api_progress.practice_items": 14,
    "api_progress.progress": 22,
    "api_quiz.get_attempt": 6,  # 5 once the worker knows the versions (app/quiz/versions.py)
    "api_quiz.list_modules": 8,
    "auth.accept_invite": 2,
    "auth.forgot_password": 1,
    "auth.home": 1,
    "auth.index": 5,  # the landing page: programs, CE hours and a sample question (issue 18)
    "auth.login": 1,
    "auth.password": 1,
    "auth.profile": 2,
    "auth.reauth": 1,
    "auth.register": 1,
    "auth.register_complete": 3,
    "auth.reset_password": 2,
    "banks.media": 2,
    "certificates.achievement": 3,
    "certificates.achievement_badge": 1,
    "certificates.did_document": 3,
    "certificates.download_badge": 2,
    "certificates.download_json": 2,
    "certificates.download_pdf": 5,
    "certificates.issuer": 2,
    "certificates.mine": 5,
    "certificates.status_list": 1,
    "certificates.verify": 3,  # a current certificate has no successor to look up
    "certificates.verify_form": 1,
    "enrolment.cohort": 6,
    "enrolment.cohorts": 9,
    "enrolment.mine": 5,
    "licensing.admin_rule": 4,
    "licensing.admin_rules": 4,
    "licensing.roster": 4,
    "licensing.where": 8,
    "lti.jwks": 2,
    "lti.login": 2,  # a disabled platform is refused (issue 20)
    "notify.unsubscribe": 1,
    "ops.healthz": 1,
    "osce.index": 6,
    "osce.mark": 5,
    "osce.new_station": 4,
    "osce.station": 4,
    "practical.adverse_events": 4,
    "practical.evidence": 3,
    "practical.hours_page": 4,
    "practical.logbook_page": 4,
    "practical.new_session": 4,
    "practical.requirements": 7,
    "practical.review_queue": 4,
    "practical.supervisors": 4,
    "practical.to_sign": 4,
    "progress.cohort": 10,  # the page first: count, the page of accounts, their progress
    "progress.cohort_csv": 9,
    "progress.dashboard": 28,
    "progress.practice": 14,
    "progress.trainee": 29,
    "quiz.attempt": 6,
    "quiz.module": 10,
    "quiz.modules": 9,  # raised after the issue 18 merge (still flat as data grows)
    "quiz.result": 6,
    "quiz.summary": 6,
    "quiz.take": 6,  # 5 once the worker knows the attempt's versions (app/quiz/versions.py)
    "regrade.index": 4,
    "siteconfig.logo": 2,
    "siteconfig.signature": 2,
    "studio.analysis": 10,  # computed: stamp, stored row, 6 reads, the upsert (kept: 4)
    "studio.analysis_csv": 10,  # the same analysis, every item
    "studio.case_history": 6,
    "studio.edit_case_revision": 4,
    "studio.edit_revision": 4,
    "studio.export": 4,
    "studio.import_bank": 4,
    "studio.index": 19,  # paginated lists (issue 18); flat as data grows
    "studio.media": 4,
    "studio.module_preview": 4,
    "studio.module_rules": 4,
    "studio.new_case": 4,
    "studio.new_question": 4,
    "studio.preview_item": 4,
    "studio.program_rules": 4,
    "studio.show_case_revision": 4,
    "studio.show_question": 6,
    "studio.show_revision": 4,
    "studio.standard_setting": 11,
    # Issue 18 and 20's pages.
    "progress.practice_build": 6,
    "progress.practice_set": 6,
    "studio.standard_item": 9,
    "studio.pass_mark_proposal": 4,
    "lti_pages.platforms": 5,
    "lti_pages.new_platform": 4,
    "lti_pages.edit_platform": 4,
    "lti_pages.failed_scores": 4,
    "lti_pages.courses": 4,
    "lti_pages.course": 4,
}


def _first(session: Session, table: str, column: str = "id", where: str = "") -> Any:
    sql = f"SELECT min({column}) FROM {table} {where}"  # fixed names only
    return session.execute(sa.text(sql)).scalar()


def _args(session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """A real value for every URL argument name, from the world."""
    certificate = session.scalar(sa.select(Certificate).order_by(Certificate.issued_at))
    return {
        "attempt_id": world["attempt"],
        "position": 1,
        "slug": world["module"],
        "user_id": world["trainee_id"],
        "cohort_id": world["cohort"],
        "completion_id": world["completion"],
        "certificate_id": str(certificate.id) if certificate else "x",
        "code": certificate.code if certificate else "x",
        "list_id": _first(session, "status_lists") or 1,
        "message_id": _first(session, "mail_outbox") or 1,
        "rule_id": _first(session, "jurisdiction_rules", "rule_id") or "x",
        "question_id": _first(session, "questions"),
        "revision_id": _first(session, "studio_authored_revisions") or 1,
        "case_id": _first(session, "cases") or 1,
        "station_id": _first(session, "osce_stations") or 1,
        "performance_id": _first(session, "osce_performances") or 1,
        "entry_id": _first(session, "hours_entries") or 1,
        "sha256": _first(session, "media", "sha256") or "0" * 64,
        "change_id": _first(session, "rule_changes") or 1,
        "platform_id": _first(session, "lti_platforms") or 1,
        "context_id": _first(session, "lti_contexts") or 1,
        "token": "not-a-token",
        "filename": "css/app.css",
    }


# Routes whose ``slug`` is not a module's.
SLUG_OF = {
    "certificates.achievement": "program",
    "certificates.achievement_badge": "program",
    "studio.program_rules": "program",
}


def _urls(app: Flask, args: dict[str, Any], world: dict[str, Any]) -> dict[str, str]:
    urls = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_DATA:
                continue
            values = {name: args[name] for name in rule.arguments}
            if rule.endpoint in SLUG_OF:
                values["slug"] = world[SLUG_OF[rule.endpoint]]
            if rule.endpoint == "quiz.result":  # a submitted attempt (the open one redirects)
                values["attempt_id"] = world["submitted"]
            urls[f"{rule.endpoint} {rule.rule}"] = url_for(rule.endpoint, **values)
    return urls


def _grow(session: Session, prefix: str, factor: int, viewers: dict[str, User]) -> dict[str, Any]:
    """A synthetic institution ``factor`` times ``SIZE`` (trainees and attempts per trainee)."""
    params = Params(
        trainees=SIZE["trainees"] * factor,
        questions=SIZE["questions"],
        attempts=SIZE["attempts"] * factor * factor,
        seed=7,
        prefix=prefix,
    )
    written: Written = write(session, plan(params))
    cohort = session.get(Cohort, written.cohort_id)
    cohort.instructors.append(viewers["instructor"])
    program = session.get(Program, written.program_id)
    trainee = session.get(User, written.user_ids[0])
    completions = [
        certificates.record_completion(session, session.get(User, uid), program)
        for uid in written.user_ids
        if _passed(session, uid, written.module_id)
    ]
    module = session.get(Module, written.module_id)
    module.attempt_limit = None
    attempt = start_attempt(session, trainee, module)
    session.commit()
    return {
        "trainee": trainee,
        "trainee_id": trainee.id,
        "attempt": attempt.id,
        "submitted": _first(session, "attempts", where=f"WHERE user_id = {trainee.id}"),
        "module": module.slug,
        "program": program.slug,
        "cohort": cohort.id,
        "completion": completions[0].id if completions else 1,
    }


def _passed(session: Session, user_id: int, module_id: int) -> bool:
    sql = "SELECT count(*) FROM attempts WHERE user_id = :u AND module_id = :m AND passed"
    return bool(session.execute(sa.text(sql), {"u": user_id, "m": module_id}).scalar())


# Tables that grow with the institution: a query of a request may not read them whole.
GROWING = {
    "users",
    "attempts",
    "attempt_items",
    "enrolments",
    "completions",
    "certificates",
    "questions",
    "question_versions",
    "audit_events",
}


# Whole reads accepted, each with its reason. (Plans are SQLite's without statistics, i.e. as
# if every table were large: the planner's view of a big institution.)
ALLOWED_SCANS = {
    # The supervisors page: SQLite puts users outside the join without statistics; each
    # supervisor_experience row (one per supervisor) finds its user by primary key either way.
    "JOIN supervisor_experience ON supervisor_experience.user_id = users.id",
}


@contextlib.contextmanager
def _recording(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT run (with its parameters), to EXPLAIN afterwards."""
    seen: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _full_scans(session: Session, recorded: list[tuple[str, Any]]) -> dict[str, str]:
    """SQLite's plan of each distinct statement: the growing tables it reads whole."""
    scans: dict[str, str] = {}
    connection = session.connection()
    for statement, parameters in dict(recorded).items():
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        for row in plan:
            words = row[-1].split()
            # A page walked in primary-key order stops at its LIMIT: not a whole read.
            paged = "LIMIT" in statement and not any("TEMP B-TREE" in r[-1] for r in plan)
            allowed = any(part in statement for part in ALLOWED_SCANS)
            if words[0] == "SCAN" and words[1] in GROWING and "INDEX" not in words:
                if paged or allowed:
                    continue
                scans.setdefault(f"{words[1]}: {statement}", str([r[-1] for r in plan]))
    return scans


def _measure(
    app: Flask, session: Session, world: dict[str, Any], count_queries: Callable
) -> dict[tuple[str, str], tuple[int, int, list[str]]]:
    urls = _urls(app, _args(session, world), world)
    out = {}
    for viewer in VIEWERS:
        client = app.test_client()
        if viewer != "anonymous":
            user = world["trainee"] if viewer == "trainee" else world["users"][viewer]
            password = BENCH_PASSWORD if viewer == "trainee" else world["password"]
            assert login(client, user.email, password).status_code == 302, viewer
        for name, url in urls.items():
            with app.app_context():
                limiter.reset()
            with count_queries() as q:
                status = client.get(url).status_code
            out[(name, viewer)] = (status, q.count, q.statements)
    return out


@pytest.fixture
def demo(app: Flask, runner, db_session: Session) -> dict[str, Any]:
    result = runner.invoke(args=["demo", "setup"])
    assert result.exit_code == 0, result.output
    emails = {
        "instructor": "instructor@demo.example",
        "admin": "admin@demo.example",
        "graduate": "graduate@demo.example",
    }
    users = {
        k: db_session.scalar(sa.select(User).where(User.email == v)) for k, v in emails.items()
    }
    return {"users": users, "password": demo_password(Path(app.config["INSTANCE_PATH"]))}


def test_every_get_route_within_budget_and_flat_as_data_grows(
    app: Flask, db_session: Session, demo: dict[str, Any], count_queries: Callable
) -> None:
    small = _measure(
        app, db_session, demo | _grow(db_session, "qb-one", 1, demo["users"]), count_queries
    )
    with _recording(app) as recorded:
        large = _measure(
            app,
            db_session,
            demo | _grow(db_session, "qb-five", GROWTH, demo["users"]),
            count_queries,
        )
    scans = _full_scans(db_session, recorded) if db_session.bind.dialect.name == "sqlite" else {}
    grew, over, changed, unbudgeted = [], [], [], []
    dialect = db_session.bind.dialect.name
    for key, (status, count, _sql) in small.items():
        big_status, big_count, big_sql = large[key]
        if big_status != status:
            changed.append(f"{key}: {status} -> {big_status}")
        elif big_count > count:  # fewer: a cache warmed up (keys, PDFs), not an N+1
            grew.append(f"{key}: {count} -> {big_count} statements\n  " + "\n  ".join(big_sql))
        # A new route: give it its budget in BUDGETS. On PostgreSQL an audit event (e.g. the
        # sampled access.denied of a refusal) takes the chain's advisory lock: one statement more.
        endpoint = key[0].split()[0]
        if endpoint not in BUDGETS:
            unbudgeted.append(f"{key}: {big_count} statements")
            continue
        budget = BUDGETS[endpoint] + (dialect == "postgresql")
        if big_count > budget:
            over.append(f"{key}: {big_count} > {budget}")
    report = {k: (v[0], v[1]) for k, v in sorted(large.items())}
    print("\n".join(f"{k} {v}" for k, v in report.items()))
    assert not unbudgeted, "routes without a budget in BUDGETS:\n" + "\n".join(unbudgeted)
    assert not changed, "\n".join(changed)
    assert not grew, "\n".join(grew)
    assert not over, "\n".join(over)
    assert not scans, "\n\n".join(f"{k}\n  -> {v}" for k, v in scans.items())
