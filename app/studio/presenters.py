"""What the studio shows of authored content: the trainee's view of an unsaved question."""

from __future__ import annotations

import random
from typing import Any

from flask import url_for

from app.banks.schema import QuestionBase
from app.questions import registry
from app.quiz import presenters, scoring
from app.quiz.display import new_display
from app.quiz.models import AttemptItem


def trainee_view(question: QuestionBase, media_sha: str | None) -> dict[str, Any]:
    """What a trainee is shown of ``question`` (the quiz presenter, on an unsaved item)."""
    item = AttemptItem(
        id=0,
        position=1,
        display=new_display(question, random.Random(0)),
        response=None,
        seq=0,
        flagged=False,
        locked=False,
    )
    media_url = url_for("banks.media", sha256=media_sha) if media_sha else None
    return presenters.item_view(item, question, media_url=media_url)


def key_view(question: QuestionBase, media_sha: str | None) -> dict[str, Any]:
    """The trainee's view of ``question`` and the feedback view of its key (the type's own
    feedback partial marks the key): what a standard-setting judge reads of an item. The key
    is scored as the response; the view has no response ("your answer" is never shown)."""
    display = new_display(question, random.Random(0))
    item = AttemptItem(
        id=0,
        position=1,
        display=display,
        response=scoring.key_response(question),
        seq=0,
        flagged=False,
        locked=True,
    )
    media_url = url_for("banks.media", sha256=media_sha) if media_sha else None
    view = presenters.item_view(item, question, media_url=media_url)
    facet = registry.get(question.type).quiz
    view.update(facet.page_view(question, display, None))
    view["feedback"] = presenters.feedback_view(item, question)
    view["response"] = None
    return view
