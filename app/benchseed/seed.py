"""A synthetic institution, written with bulk inserts (issue 19).

``plan(params)`` is pure: from the parameters and the seed it builds every row as plain data
(keys, not database ids), so the same seed gives the same institution, and ``plan_hash`` says
so. ``write(session, plan)`` inserts the rows with SQLAlchemy Core ``insert`` of dict lists
(executemany, ``RETURNING`` the ids in parameter order) and links them by id.

What it makes, under a prefix (so that a second seeding does not collide with the first):

- one topic and ``questions`` published single-choice questions, one version each, with the
  content hash the importer would compute; their text says they are synthetic (no clinical
  content is invented);
- one exam module drawing ``min(50, questions)`` questions (90 minutes, pass mark 70), one
  program requiring it, one cohort;
- ``trainees`` verified trainee accounts enrolled in the cohort, all with the same password
  (``BENCH_PASSWORD``; one argon2 hash computed once);
- submitted attempts totalling ``attempts`` answered items (each attempt a full exam, scored:
  every item's score is 1 or 0 and the attempt's score is their sum), spread over the
  trainees in turn, numbered per trainee.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.banks import schema
from app.quiz.display import new_display

BENCH_PASSWORD = "quiet harbour lantern 4711"
EXAM_LENGTH = 50
EPOCH = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LIMITS = {"trainees": 1_000_000, "questions": 1_000_000, "attempts": 100_000_000}
SMALL = {"trainees": 20, "questions": 60, "attempts": 2_000}


class SeedError(ValueError):
    """Bad parameters (a clear message for the command line)."""


@dataclass(frozen=True)
class Params:
    trainees: int
    questions: int
    attempts: int  # answered items in all
    seed: int = 1
    prefix: str = "bench"

    def check(self) -> None:
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0 or value > limit:
                raise SeedError(f"--{name} must be a whole number from 0 to {limit}")
        if self.trainees < 1 or self.questions < 2:
            raise SeedError("--trainees must be at least 1 and --questions at least 2")
        if not self.prefix.isascii() or not self.prefix.replace("-", "").isalnum():
            raise SeedError("--prefix: letters, digits and hyphens only")
        if len(self.prefix) > 20:
            raise SeedError("--prefix: at most 20 characters")

    @property
    def exam_length(self) -> int:
        return min(EXAM_LENGTH, self.questions)


@dataclass
class Plan:
    params: Params
    questions: list[dict[str, Any]] = field(default_factory=list)  # key, content, hash
    trainees: list[dict[str, Any]] = field(default_factory=list)

    @property
    def module_slug(self) -> str:
        return f"{self.params.prefix}-exam"


def _question(prefix: str, number: int, rng: random.Random) -> dict[str, Any]:
    correct = rng.randrange(4)
    content = {
        "key": f"{prefix}-q{number}",
        "type": "single_choice",
        "status": "published",
        "difficulty": rng.choice(["easy", "medium", "hard"]),
        "stem": f"Synthetic benchmark question {number}: which option is marked correct?",
        "explanation": "Synthetic content for load testing; it teaches nothing.",
        "references": ["None: synthetic benchmark content."],
        "options": [
            {"id": f"o{i}", "text": f"Option {i + 1}", "correct": i == correct} for i in range(4)
        ],
    }
    question = schema.QUESTION_ADAPTER.validate_python(content)
    return {
        "key": question.key,
        "question": question,
        "hash": schema.content_hash(question),
        "correct": f"o{correct}",
    }


def _attempt(
    plan: Plan, number: int, trainee: int, attempt_no: int, rng: random.Random
) -> dict[str, Any]:
    drawn = rng.sample(range(len(plan.questions)), plan.params.exam_length)
    started = EPOCH + timedelta(minutes=7 * number)
    items = []
    for position, index in enumerate(drawn, start=1):
        question = plan.questions[index]
        display = new_display(
            question["question"], rng, lambda part, real: f"{part[0]}{rng.getrandbits(40):010x}"
        )
        choice = question["correct"] if rng.random() < 0.7 else "o0"
        score = 1.0 if choice == question["correct"] else 0.0
        items.append(
            {"question": index, "position": position, "display": display, "choice": choice}
            | {"score": score}
        )
    score = sum(i["score"] for i in items)
    percent = round(100 * score / len(items), 2)
    return {
        "trainee": trainee,
        "attempt_no": attempt_no,
        "started_at": started,
        "submitted_at": started + timedelta(minutes=40),
        "score": score,
        "max_score": float(len(items)),
        "percent": percent,
        "passed": percent >= 70,
        "items": items,
    }


def plan(params: Params) -> Plan:
    """Every row of the institution, from the parameters alone (deterministic)."""
    params.check()
    rng = random.Random(params.seed)
    result = Plan(params)
    result.questions = [_question(params.prefix, n, rng) for n in range(params.questions)]
    result.trainees = [
        {"email": f"{params.prefix}-trainee{n}@bench.example", "name": f"Bench Trainee {n}"}
        for n in range(params.trainees)
    ]
    return result


def attempts(result: Plan) -> Iterator[dict[str, Any]]:
    """The submitted attempts, one at a time (a million items do not fit in memory at once),
    the same on every call: full exams until ``attempts`` items are answered."""
    params = result.params
    rng = random.Random(f"{params.seed}:attempts")
    count = -(-params.attempts // params.exam_length) if params.attempts else 0
    numbers = [0] * params.trainees
    for n in range(count):
        trainee = n % params.trainees
        numbers[trainee] += 1
        yield _attempt(result, n, trainee, numbers[trainee], rng)


def plan_hash(result: Plan) -> str:
    """A hash of the whole institution's content (not of database ids)."""
    digest = hashlib.sha256()
    digest.update(repr(result.params).encode())
    for q in result.questions:
        digest.update(f"{q['key']}:{q['hash']}".encode())
    for t in result.trainees:
        digest.update(json.dumps(t, sort_keys=True).encode())
    for a in attempts(result):
        shown = {k: v for k, v in a.items() if k not in {"items"}}
        digest.update(json.dumps(shown, sort_keys=True, default=str).encode())
        digest.update(json.dumps(a["items"], sort_keys=True).encode())
    return digest.hexdigest()
