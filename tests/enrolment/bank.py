"""Two programs for the enrolment tests, with practice modules in and out of their topics.

- ``alpha-prog``: ``a-exam`` (anatomy), final exam ``a-final`` (anatomy, safety), renewal
  ``a-renewal`` (anatomy);
- ``beta-prog``: ``b-exam`` (other);
- practice: ``anatomy-practice`` (anatomy: with alpha), ``other-practice`` (other: with beta),
  ``mixed-practice`` (anatomy and other: only with both);
- ``loose-exam`` (anatomy) is in no program: nobody sees it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from app.banks.services import import_directory

TOPICS = ("anatomy", "safety", "other")


def _question(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "type": "single_choice",
        "status": "published",
        "stem": f"Stem of {key}?",
        "explanation": "Test content.",
        "references": ["Author 2020. Test reference. Journal."],
        "options": [
            {"id": "right", "text": "Option A", "correct": True},
            {"id": "wrong", "text": "Option B", "correct": False},
        ],
    }


def _module(slug: str, mode: str, topics: list[str]) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": f"Module {slug}",
        "mode": mode,
        "blueprint": [{"topic": t, "count": 1} for t in topics],
    }


MODULES = [
    _module("a-exam", "exam", ["anatomy"]),
    _module("a-final", "exam", ["anatomy", "safety"]),
    _module("a-renewal", "exam", ["anatomy"]),
    _module("b-exam", "exam", ["other"]),
    _module("anatomy-practice", "practice", ["anatomy"]),
    _module("other-practice", "practice", ["other"]),
    _module("mixed-practice", "practice", ["anatomy", "other"]),
    _module("loose-exam", "exam", ["anatomy"]),
]
PROGRAMS = [
    {
        "slug": "alpha-prog",
        "title": "Alpha program",
        "modules": ["a-exam", "a-final"],
        "final_exam": "a-final",
        "renewal_module": "a-renewal",
        "validity_months": 24,
        "ce_hours": 2,
        "serial_prefix": "AP",
    },
    {
        "slug": "beta-prog",
        "title": "Beta program",
        "modules": ["b-exam"],
        "validity_months": 24,
        "ce_hours": 1,
        "serial_prefix": "BP",
    },
]
ALPHA = {"a-exam", "a-final", "anatomy-practice"}
BETA = {"b-exam", "other-practice"}


def build(session: Session, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    topics = {"topics": [{"id": t, "title": t.title()} for t in TOPICS]}
    (root / "topics.yaml").write_text(yaml.safe_dump(topics))
    for topic in TOPICS:
        questions = [_question(f"{topic}-{i}") for i in range(3)]
        (root / f"{topic}.yaml").write_text(
            yaml.safe_dump({"topic": topic, "questions": questions})
        )
    (root / "modules.yaml").write_text(yaml.safe_dump({"modules": MODULES, "programs": PROGRAMS}))
    import_directory(session, root)
    session.flush()
