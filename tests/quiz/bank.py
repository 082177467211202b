"""A small bank for engine tests: every question type, a two-step case, modules of each kind.

The sentinel ``ZZKEYZZ`` is planted wherever the key lives (a correct option's id, option
feedback, explanations, references, accepted short answers, the correct hotspot region) but
never in what a trainee needs to answer (stems, option texts, labels).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from app.banks.services import import_directory

SENTINEL = "ZZKEYZZ"
S = SENTINEL
REF = [f"Author 2020. Reference {S}. Journal."]
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
    '<rect width="100" height="100" fill="#eee"/></svg>'
)


def _q(key: str, qtype: str, **kw: Any) -> dict[str, Any]:
    base = {
        "key": key,
        "type": qtype,
        "status": "published",
        "stem": f"Stem of {key}?",
        "explanation": f"Because {S}.",
        "references": REF,
    }
    base.update(kw)
    return base


def _choice_options(correct: list[bool]) -> list[dict[str, Any]]:
    ids = ["zzkeyzz" if c else f"o{i}" for i, c in enumerate(correct)]
    if sum(correct) > 1:  # several correct: only the first gets the sentinel id
        seen = False
        for i, c in enumerate(correct):
            if c and seen:
                ids[i] = f"ok{i}"
            seen = seen or c
    return [
        {"id": oid, "text": f"Option {i}", "correct": c, "feedback": f"Feedback {i} {S}"}
        for i, (oid, c) in enumerate(zip(ids, correct, strict=True))
    ]


def type_questions() -> list[dict[str, Any]]:
    """One published question of each of the nine types (topic ``alpha``)."""
    return [
        _q("sc", "single_choice", difficulty="easy", options=_choice_options([True, False, False])),
        _q("mr", "multiple_response", options=_choice_options([True, True, False, False])),
        _q("tf", "true_false", answer=True, feedback_true=f"Yes {S}", feedback_false=f"No {S}"),
        _q(
            "ma",
            "matching",
            pairs=[
                {"premise": "Premise one", "answer": "Answer A"},
                {"premise": "Premise two", "answer": "Answer B"},
                {"premise": "Premise three", "answer": "Answer C"},
                {"premise": "Premise four", "answer": "Answer D"},
            ],
            distractors=["Answer E"],
        ),
        _q("or", "ordering", items=["First", "Second", "Third", "Fourth"]),
        _q("nu", "numeric", answer=20, tolerance=2, unit="mm"),
        _q(
            "ho",
            "hotspot",
            image="images/diagram.svg",
            image_alt="A square diagram",
            regions=[
                {
                    "id": "zzkeyzz",
                    "label": "Left half",
                    "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]],
                    "correct": True,
                    "feedback": f"Right {S}",
                },
                {
                    "id": "right",
                    "label": "Right half",
                    "points": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]],
                    "feedback": f"Wrong {S}",
                },
            ],
        ),
        _q("sa", "short_answer", answers=[f"local twitch*{S.lower()}", "ltr"]),
        _q(
            "sct",
            "script_concordance",
            hypothesis="Hypothesis text",
            new_information="New information text",
            panel={"counts": [0, 1, 2, 6, 1], "source": "recorded", "size": 10},
        ),
    ]


def practice_twins(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Practice copies (key ``p-<key>``, ``use: practice``) of exam questions: an item is
    practice or exam, never both, so practice modules draw from their own items."""
    return [{**q, "key": f"p-{q['key']}", "use": "practice"} for q in questions]


def build_bank(
    session: Session,
    root: Path,
    *,
    bulk: int = 0,
    modules: list[dict[str, Any]] | None = None,
    extra_questions: list[dict[str, Any]] | None = None,
) -> None:
    """Write the bank as YAML under ``root`` and import it (flush only).

    ``bulk``: that many extra single-choice questions in topic ``bulk`` (for query counts).
    """
    write_bank(root, bulk=bulk, modules=modules, extra_questions=extra_questions)
    import_directory(session, root)
    session.flush()


def write_bank(
    root: Path,
    *,
    bulk: int = 0,
    modules: list[dict[str, Any]] | None = None,
    extra_questions: list[dict[str, Any]] | None = None,
) -> None:
    """Write the bank's YAML files and its image under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "diagram.svg").write_text(SVG)
    questions = (
        [{**q, "use": "exam"} for q in type_questions()]
        + practice_twins(type_questions())
        + list(extra_questions or [])
    )
    beta = [
        _q(
            f"beta-{d}-{i}",
            "single_choice",
            difficulty=d,
            use="exam",
            options=_choice_options([True, False]),
        )
        for d in ("easy", "hard")
        for i in range(3)
    ]
    beta += [
        _q(
            f"beta-p-{d}-{i}",
            "single_choice",
            difficulty=d,
            use="practice",
            options=_choice_options([True, False]),
        )
        for d, n in (("easy", 4), ("hard", 1))
        for i in range(n)
    ]
    bulk_qs = [
        _q(f"bulk-{i}", "single_choice", options=_choice_options([True, False, False]))
        for i in range(bulk)
    ]
    cases = [_case("case-one", "case", "exam"), _case("case-two", "pcase", "practice")]
    all_modules = [
        _module("types-exam", "exam", [{"topic": "alpha", "count": 9}], review_policy="full"),
        _module("types-practice", "practice", [{"topic": "alpha", "count": 9}]),
        _module("score-exam", "exam", [{"topic": "alpha", "count": 9}], review_policy="score"),
        _module(
            "correctness-exam",
            "exam",
            [{"topic": "alpha", "count": 9}],
            review_policy="correctness",
        ),
        _module(
            "beta-exam",
            "exam",
            [
                {"topic": "beta", "difficulty": "easy", "count": 2},
                {"topic": "beta", "difficulty": "hard", "count": 1},
            ],
        ),
        _module("beta-practice", "practice", [{"topic": "beta", "difficulty": "easy", "count": 4}]),
        _module(
            "case-exam",
            "exam",
            [{"topic": "beta", "difficulty": "hard", "count": 1}],
            cases=[{"count": 1}],
        ),
        _module(
            "case-practice",
            "practice",
            [{"topic": "beta", "difficulty": "hard", "count": 1}],
            cases=[{"count": 1}],
        ),
        _module(
            "limited-exam",
            "exam",
            [{"topic": "beta", "count": 1}],
            attempt_limit=2,
            cooldown_hours=24,
        ),
        _module("timed-exam", "exam", [{"topic": "alpha", "count": 9}], time_limit_minutes=30),
        _module(
            "locked-exam", "exam", [{"topic": "beta", "count": 1}], prerequisites=["beta-exam"]
        ),
    ]
    if bulk:
        all_modules += [
            _module("bulk-5", "exam", [{"topic": "bulk", "count": 5}]),
            _module(f"bulk-{bulk}", "exam", [{"topic": "bulk", "count": bulk}]),
        ]
    all_modules += list(modules or [])
    doc = {
        "topics": [
            {"id": "alpha", "title": "Alpha"},
            {"id": "beta", "title": "Beta"},
            {"id": "bulk", "title": "Bulk"},
        ],
    }
    (root / "topics.yaml").write_text(yaml.safe_dump(doc))
    (root / "alpha.yaml").write_text(yaml.safe_dump({"topic": "alpha", "questions": questions}))
    (root / "beta.yaml").write_text(
        yaml.safe_dump({"topic": "beta", "questions": beta, "cases": cases})
    )
    if bulk_qs:
        (root / "bulk.yaml").write_text(yaml.safe_dump({"topic": "bulk", "questions": bulk_qs}))
    # One program over the exam modules: trainees see modules through their enrolment (the
    # default test world enrols them, tests/factories.py); the practice modules of its topics
    # come with it.
    program = {
        "slug": "quiz-test",
        "title": "Quiz test program",
        "modules": [m["slug"] for m in all_modules if m["mode"] == "exam"],
        "validity_months": 24,
        "ce_hours": 1,
        "serial_prefix": "QT",
    }
    (root / "modules.yaml").write_text(
        yaml.safe_dump({"modules": all_modules, "programs": [program]})
    )


def _case(key: str, prefix: str, use: str) -> dict[str, Any]:
    """A published two-step case of ``use`` (its steps share it)."""
    return {
        "key": key,
        "title": "A case",
        "status": "published",
        "use": use,
        "vignette": "A patient with neck pain.",
        "steps": [
            {
                "question": _q(
                    f"{prefix}-s1", "single_choice", options=_choice_options([True, False])
                )
            },
            {
                "disclosure": "The patient now reports DISCLOSEDLATER.",
                "question": _q(
                    f"{prefix}-s2",
                    "single_choice",
                    stem="Step two STEPTWOSTEM?",
                    options=_choice_options([True, False]),
                ),
            },
        ],
    }


def _module(slug: str, mode: str, blueprint: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": f"Module {slug}",
        "mode": mode,
        "blueprint": blueprint,
        "pass_mark": kw.pop("pass_mark", 60),
        **kw,
    }
