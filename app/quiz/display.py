"""An attempt item's display: the opaque ids a trainee sees, and responses in both directions.

A display maps a part (``options``...) to ``[[opaque, real], ...]`` in the order shown; each
question type's facets build it and translate responses. Pages and the API speak opaque ids;
stored responses use the question's own ids. Pure: no Flask, no database.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from typing import Any

from app.banks.schema import QuestionBase
from app.i18n import gettext as _
from app.questions import registry
from app.quiz import scoring
from app.quiz.errors import ResponseRejected


def _opaque() -> str:
    return secrets.token_urlsafe(6)


def new_display(
    question: QuestionBase,
    rng: random.Random,
    opaque: Callable[[str, str], str] | None = None,
) -> dict[str, Any]:
    """Opaque ids (fresh per attempt) in the order shown; never any hint of the key.

    ``opaque(part, real)`` names each id; by default a fresh random one. (The studio's module
    preview passes a keyed, repeatable one, so that it can rebuild a display from a seed.)
    """
    name = opaque or (lambda part, real: _opaque())
    return registry.get(question.type).content.display(question, rng, name)


# ---------------------------------------------------------------- responses: display <-> canonical


def to_canonical(question: QuestionBase, display: dict[str, Any], response: Any) -> dict:
    """Translate a response in opaque ids into the question's ids, then validate it."""
    if not isinstance(response, dict):
        raise ResponseRejected(_("response: must be an object"))
    try:
        response = registry.get(question.type).quiz.to_canonical(question, display, response)
        return scoring.validate_response(question, response)
    except scoring.ResponseInvalid as exc:
        raise ResponseRejected(
            _("%(field)s: %(message)s", field=exc.field, message=exc.message)
        ) from None


def to_display(
    question: QuestionBase, display: dict[str, Any], response: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A canonical response in the attempt's opaque ids (to show the trainee their answer)."""
    if response is None:
        return None
    return registry.get(question.type).quiz.to_display(question, display, response)
