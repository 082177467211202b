"""Practice items as the trainee sees them: the answerable view, then the feedback.

Built on ``app.quiz.presenters`` (the one place that decides what of a key may be shown): a
served item gets ``item_view`` only (no key, no feedback, no explanation); ``feedback_view``
is added once the answer is stored.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from app.banks import models as bm
from app.banks.schema import QuestionBase
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
