"""What the studio shows of authored content: the trainee's view of an unsaved question."""

from __future__ import annotations

import random
from typing import Any

from flask import url_for

from app.banks.schema import QuestionBase
from app.quiz import presenters
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
