"""A small program for progress tests: two topics, four objectives, three exam modules and a
practice module (each objective has its exam items and its practice items).

``SENTINEL`` is planted where the key lives (option feedback, explanations, references) but
never in what a trainee needs to answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks import models as bm
from app.banks.services import import_directory
from app.quiz import scoring
from app.quiz.models import Attempt, AttemptItem
from app.quiz.services import start_attempt, submit_attempt

SENTINEL = "ZZKEYZZ"
OBJECTIVES = {
    "anatomy": ["anat-a", "anat-b"],
    "safety": ["saf-a", "saf-b"],
}
PER_OBJECTIVE = 3


def _question(key: str, objective: str, use: str = "exam") -> dict[str, Any]:
    return {
        "key": key,
        "type": "single_choice",
        "use": use,
        "status": "published",
        "difficulty": "medium",
        "objective": objective,
        "stem": f"Stem of {key}?",
        "explanation": f"Because {SENTINEL}.",
        "references": [f"Author 2020. {SENTINEL}. Journal."],
        "options": [
            {"id": "right", "text": "Option A", "correct": True, "feedback": f"Yes {SENTINEL}"},
            {"id": "wrong", "text": "Option B", "correct": False, "feedback": f"No {SENTINEL}"},
        ],
    }


def _objectives(topic: str) -> list[dict[str, str]]:
    return [
        {"id": o, "text": f"Objective text of {o}", "competency": "anatomy-safety"}
        for o in OBJECTIVES[topic]
    ]


def build(session: Session, root: Path, *, bulk_modules: int = 0) -> None:
    """Write the bank under ``root`` and import it (flush only)."""
    root.mkdir(parents=True, exist_ok=True)
    topics = {
        "topics": [{"id": "anatomy", "title": "Anatomy"}, {"id": "safety", "title": "Safety"}]
    }
    (root / "topics.yaml").write_text(yaml.safe_dump(topics))
    for topic, objectives in OBJECTIVES.items():
        # Each objective: PER_OBJECTIVE exam items (the exams) and as many practice items (the
        # practice module and the /practice queue): an item is one or the other.
        questions = [_question(f"{o}-{i}", o) for o in objectives for i in range(PER_OBJECTIVE)]
        questions += [
            _question(f"{o}-p{i}", o, "practice") for o in objectives for i in range(PER_OBJECTIVE)
        ]
        (root / f"{topic}.yaml").write_text(
            yaml.safe_dump({"topic": topic, "questions": questions})
        )
    modules = [
        {
            "slug": "m1-exam",
            "title": "Module one exam",
            "mode": "exam",
            "objectives": _objectives("anatomy"),
            "blueprint": [{"topic": "anatomy", "count": 4}],
            "pass_mark": 60,
            "attempt_limit": 2,
            "cooldown_hours": 24,
        },
        {
            "slug": "m2-exam",
            "title": "Module two exam",
            "mode": "exam",
            "objectives": _objectives("safety"),
            "blueprint": [{"topic": "safety", "count": 4}],
            "pass_mark": 60,
            "attempt_limit": 3,
            "prerequisites": ["m1-exam"],
        },
        {
            "slug": "m3-exam",
            "title": "Module three exam",
            "mode": "exam",
            "blueprint": [{"topic": "safety", "count": 2}],
            "pass_mark": 60,
        },
        {
            "slug": "anatomy-practice",
            "title": "Anatomy practice",
            "mode": "practice",
            "blueprint": [{"topic": "anatomy", "count": 2}],
        },
    ]
    programs = [
        {
            "slug": "dnf",
            "title": "Dry Needling Foundations",
            "modules": ["m1-exam", "m2-exam", "m3-exam"],
            "validity_months": 24,
            "ce_hours": 5,
            "serial_prefix": "DNF",
        }
    ]
    (root / "modules.yaml").write_text(yaml.safe_dump({"modules": modules, "programs": programs}))
    import_directory(session, root)
    session.flush()


def module(session: Session, slug: str) -> bm.Module:
    return session.scalars(sa.select(bm.Module).where(bm.Module.slug == slug)).one()


def take(
    session: Session,
    user: User,
    slug: str,
    right: Callable[[AttemptItem], bool] | bool = True,
    *,
    submit: bool = True,
    seed: int = 1,
) -> Attempt:
    """Start an attempt and answer each item right or wrong (``right(item)``), then submit."""
    attempt = start_attempt(session, user, module(session, slug), random.Random(seed))
    for item in attempt.items:
        question = item.question_version.as_question()
        ok = right(item) if callable(right) else right
        item.response = (
            scoring.key_response(question)
            if ok
            else {"choice": next(o.id for o in question.options if not o.correct)}
        )
    session.flush()
    if submit:
        attempt = submit_attempt(session, user, attempt.id)
    return attempt


def objective_of(item: AttemptItem) -> str:
    return item.question_version.objective or ""
