"""What the choice types share (single choice, multiple response): options shown shuffled under
opaque ids, their text in the trainee's view, and each option's feedback after the policy
allows. Pure: no Flask, no SQLAlchemy."""

from __future__ import annotations

import random
from typing import Any

from app.questions.facets import Opaque
from app.text import markdown_html

# The choice types' feedback partial: the key and each option's feedback, marked as chosen.
FEEDBACK_TEMPLATE = "questions/choices/feedback.html"


def option_display(question: Any, rng: random.Random, opaque: Opaque) -> dict[str, Any]:
    """The options, shuffled unless the question says not to."""
    ids = [o.id for o in question.options]
    if question.shuffle:
        rng.shuffle(ids)
    return {"options": [[opaque("o", i), i] for i in ids]}


def option_view(q: Any, display: Any, media_url: str | None = None) -> dict[str, Any]:
    """The options' text in display order."""
    text = {o.id: o.text for o in q.options}
    return {
        "options": [
            {"id": opaque, "html": markdown_html(text[real])} for opaque, real in display["options"]
        ]
    }


def option_feedback(q: Any, display: Any, response: Any) -> dict[str, Any]:
    """Per option: is it correct, and its feedback."""
    by_id = {o.id: o for o in q.options}
    return {
        "options": [
            {
                "id": opaque,
                "correct": by_id[real].correct,
                "feedback_html": markdown_html(by_id[real].feedback),
            }
            for opaque, real in display["options"]
        ]
    }
