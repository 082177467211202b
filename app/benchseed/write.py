"""Insert a ``Plan`` (app/benchseed/seed.py) with bulk inserts, in batches, linking by id."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.banks import models as bm
from app.banks import schema
from app.benchseed.seed import BENCH_PASSWORD, EPOCH, Plan, SeedError, attempts
from app.enrolment.models import Cohort, Enrolment, EnrolmentState
from app.quiz import exposure
from app.quiz.models import Attempt, AttemptItem, AttemptStatus

BATCH = 2_000  # attempts per round trip (about 100,000 items)


@dataclass
class Written:
    module_id: int
    program_id: int
    cohort_id: int
    user_ids: list[int]
    attempts: int = 0
    items: int = 0


def _insert(session: Session, model: type, rows: list[dict[str, Any]], *cols: Any) -> list[Any]:
    """Bulk insert (executemany); the returned columns in the rows' order."""
    if not rows:
        return []
    statement = sa.insert(model).returning(*cols, sort_by_parameter_order=True)
    return list(session.execute(statement, rows).all())


def _questions(session: Session, plan: Plan, topic_id: int) -> list[int]:
    rows = [
        {
            "key": q["key"],
            "topic_id": topic_id,
            "status": schema.Status.PUBLISHED,
            "created_at": EPOCH,
        }
        for q in plan.questions
    ]
    question_ids = [r[0] for r in _insert(session, bm.Question, rows, bm.Question.id)]
    versions = [
        {
            "question_id": qid,
            "version_no": 1,
            "type": q["question"].type,
            "difficulty": q["question"].difficulty,
            "use": q["question"].use,
            "objective": q["question"].objective,
            "content": schema.version_content(q["question"]),
            "content_hash": q["hash"],
            "created_at": EPOCH,
        }
        for qid, q in zip(question_ids, plan.questions, strict=True)
    ]
    version_ids = [
        r[0] for r in _insert(session, bm.QuestionVersion, versions, bm.QuestionVersion.id)
    ]
    session.execute(
        sa.update(bm.Question),
        [
            {"id": q, "current_version_id": v}
            for q, v in zip(question_ids, version_ids, strict=True)
        ],
    )
    return version_ids


def _module_and_program(session: Session, plan: Plan, topic: str) -> tuple[int, int]:
    prefix = plan.params.prefix
    module = schema.Module(
        slug=plan.module_slug,
        title=f"Synthetic exam ({prefix})",
        mode="exam",
        blueprint=[{"topic": topic, "count": plan.params.exam_length}],
        pass_mark=70,
        time_limit_minutes=90,
        review_policy="score",
    )
    program = schema.Program(
        slug=f"{prefix}-program",
        title=f"Synthetic program ({prefix})",
        modules=[module.slug],
        final_exam=module.slug,
        validity_months=24,
        ce_hours=0,
        serial_prefix="BEN",
    )
    module_id = _insert(
        session,
        bm.Module,
        [
            {
                "slug": module.slug,
                "title": module.title,
                "mode": module.mode,
                "blueprint": [r.model_dump(mode="json") for r in module.blueprint],
                "pass_mark": module.pass_mark,
                "time_limit_minutes": module.time_limit_minutes,
                "review_policy": module.review_policy,
                "position": 1000,
                "updated_at": EPOCH,
            }
        ],
        bm.Module.id,
    )[0][0]
    program_id = _insert(
        session,
        bm.Program,
        [
            {
                "slug": program.slug,
                "title": program.title,
                "module_slugs": list(program.modules),
                "final_exam_slug": program.final_exam,
                "validity_months": program.validity_months,
                "ce_hours": program.ce_hours,
                "serial_prefix": program.serial_prefix,
                "updated_at": EPOCH,
            }
        ],
        bm.Program.id,
    )[0][0]
    return module_id, program_id


def _people(session: Session, plan: Plan, program_id: int) -> tuple[int, list[int]]:
    cohort_id = _insert(
        session,
        Cohort,
        [{"name": f"{plan.params.prefix} cohort", "program_id": program_id, "created_at": EPOCH}],
        Cohort.id,
    )[0][0]
    password_hash = hash_password(BENCH_PASSWORD)  # once: argon2 is slow by design
    users = [
        {
            "email": t["email"],
            "name": t["name"],
            "role": Role.TRAINEE,
            "password_hash": password_hash,
            "profession": "physical_therapist",
            "email_verified_at": EPOCH,
            "created_at": EPOCH,
        }
        for t in plan.trainees
    ]
    user_ids = [r[0] for r in _insert(session, User, users, User.id)]
    enrolments = [
        {
            "user_id": uid,
            "program_id": program_id,
            "cohort_id": cohort_id,
            "state": EnrolmentState.ACTIVE,
            "enrolled_at": EPOCH,
        }
        for uid in user_ids
    ]
    _insert(session, Enrolment, enrolments, Enrolment.id)
    return cohort_id, user_ids


def _attempt_batch(
    session: Session, batch: list[dict[str, Any]], written: Written, version_ids: list[int]
) -> None:
    rows = [
        {
            "user_id": written.user_ids[a["trainee"]],
            "module_id": written.module_id,
            "attempt_no": a["attempt_no"],
            "mode": "exam",
            "status": AttemptStatus.SUBMITTED,
            "started_at": a["started_at"],
            "deadline": a["started_at"] + (a["submitted_at"] - a["started_at"]) * 2,
            "submitted_at": a["submitted_at"],
            "score": a["score"],
            "max_score": a["max_score"],
            "percent": a["percent"],
            "passed": a["passed"],
            "pass_mark": 70.0,
        }
        for a in batch
    ]
    ids = [r[0] for r in _insert(session, Attempt, rows, Attempt.id)]
    items = [
        {
            "attempt_id": attempt_id,
            "position": item["position"],
            "question_version_id": version_ids[item["question"]],
            "display": item["display"],
            "response": {"choice": item["choice"]},
            "seq": 1,
            "saved_at": a["started_at"],
            "score": item["score"],
            "max_score": 1.0,
        }
        for attempt_id, a in zip(ids, batch, strict=True)
        for item in a["items"]
    ]
    session.execute(sa.insert(AttemptItem), items)
    written.attempts += len(rows)
    written.items += len(items)


def write(session: Session, plan: Plan) -> Written:
    """Insert the institution (flush only: the caller commits)."""
    prefix = plan.params.prefix
    topic = f"{prefix}-topic"
    if session.scalar(sa.select(bm.Topic.id).where(bm.Topic.slug == topic)) is not None:
        raise SeedError(f"prefix {prefix!r} is already seeded: choose another --prefix")
    topic_id = _insert(
        session, bm.Topic, [{"slug": topic, "title": f"Synthetic ({prefix})"}], bm.Topic.id
    )[0][0]
    version_ids = _questions(session, plan, topic_id)
    module_id, program_id = _module_and_program(session, plan, topic)
    cohort_id, user_ids = _people(session, plan, program_id)
    written = Written(module_id, program_id, cohort_id, user_ids)
    stream = attempts(plan)
    while batch := list(islice(stream, BATCH)):
        _attempt_batch(session, batch, written, version_ids)
    session.flush()
    exposure.rebuild(session)  # what the draws would have recorded, for the starts to come
    return written
