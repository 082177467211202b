"""Helpers for engine tests: the key of an attempt item in the attempt's opaque ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.quiz import scoring
from app.quiz.display import to_display
from app.quiz.models import AttemptItem


def key_of(session: Session, item_id: int) -> dict[str, Any]:
    """The full-marks response for an item, as the trainee would send it."""
    item = session.get(AttemptItem, item_id)
    session.refresh(item)
    question = item.question_version.as_question()
    return to_display(question, item.display, scoring.key_response(question))


def question_of(session: Session, item_id: int) -> Any:
    item = session.get(AttemptItem, item_id)
    return item.question_version.as_question()
