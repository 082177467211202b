"""Practice items as the trainee sees them, and the dashboard's summary cards.

Built on ``app.quiz.presenters`` (the one place that decides what of a key may be shown): a
served item gets ``item_view`` only (no key, no feedback, no explanation); ``feedback_view``
is added once the answer is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for

from app.banks import models as bm
from app.banks.schema import Mode, QuestionBase
from app.progress import practice
from app.quiz.display import to_display
from app.quiz.models import AttemptItem
from app.quiz.presenters import feedback_view, item_view


def _transient_item(display: dict[str, Any], response: dict[str, Any] | None) -> AttemptItem:
    """An unsaved AttemptItem carrying the display order, for the quiz presenters."""
    return AttemptItem(
        id=0,
        position=1,
        seq=0,
        flagged=False,
        locked=response is not None,
        response=response,
        display=display,
        max_score=1.0,
    )


def _media_url(version: bm.QuestionVersion) -> str | None:
    if not version.media_sha256:
        return None
    return url_for("banks.media", sha256=version.media_sha256)


def served_view(
    version: bm.QuestionVersion, question: QuestionBase, secret: str, nonce: str
) -> dict[str, Any]:
    display = practice.display_for(question, secret, nonce)
    return item_view(_transient_item(display, None), question, media_url=_media_url(version))


def answered_view(result: practice.PracticeResult) -> dict[str, Any]:
    item = _transient_item(result.display, result.answer.response)
    view = item_view(item, result.question, media_url=_media_url(result.version))
    view["response"] = to_display(result.question, result.display, result.answer.response)
    view["feedback"] = feedback_view(item, result.question)
    return view


# ---------------------------------------------------------------- the dashboard's cards


@dataclass(frozen=True)
class Cards:
    """The dashboard's first screen: how am I doing, what next (no query of its own)."""

    modules_passed: int
    modules_total: int
    requirements_met: int
    requirements_total: int
    exams_passed: int
    exams_total: int
    next_step: str
    also: list[tuple[str, str]]  # other unmet requirements (any kind): title, what to do
    reviews_due: int
    new_available: int

    @property
    def progress(self) -> float:
        """Share of the program done: requirements met (every kind), else modules passed."""
        if self.requirements_total:
            return self.requirements_met / self.requirements_total
        return self.modules_passed / self.modules_total if self.modules_total else 0.0


def summary_cards(data: Any) -> Cards:
    """Cards from a ``queries.Dashboard``: program progress, exams passed, the next step across
    every kind of requirement (the module step first, then hours, logbook, OSCE...), reviews
    due."""
    results = list(data.requirements.results) if data.requirements is not None else []
    exams = [m for m in data.modules if m.module.mode == Mode.EXAM]
    return Cards(
        modules_passed=data.modules_passed,
        modules_total=len(data.modules),
        requirements_met=sum(1 for r in results if r.met),
        requirements_total=len(results),
        exams_passed=sum(1 for m in exams if m.status == "passed"),
        exams_total=len(exams),
        next_step=data.next_step,
        also=[(r.title, r.next_step or r.missing) for r in data.other_unmet],
        reviews_due=data.practice.due,
        new_available=data.practice.new_available,
    )
