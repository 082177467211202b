"""A staff preview of a whole module that records nothing (issue 12: only trainees take
assessments; staff who want to try a module use this).

A preview draws a form of the module the way an attempt does (``quiz.services.draw_questions``:
the same blueprint and case draws, from published content), shows each item through the quiz's
own presenters and partials, and scores a checked answer with the quiz's own scoring. Nothing
is written to the database: the drawn form lives in the Flask session as a :class:`PreviewForm`
(question and case version ids, a seed for the displays, and the score of each checked item),
bounded by ``MAX_ITEMS``. Each item's display (option order, opaque ids) is rebuilt from the
seed, so the page and the posted answer agree without storing it.

No Flask here beyond the session dict the routes pass in and out; reads only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks import models as bm
from app.banks.schema import QuestionBase
from app.i18n import gettext as _
from app.questions import registry
from app.quiz import presenters, scoring, services
from app.quiz.display import new_display, to_canonical
from app.quiz.errors import NothingToDraw
from app.quiz.models import AttemptItem

SESSION_KEY = "module_preview"
#: A larger form is refused: the session is a signed cookie (about 4 KB in a browser).
MAX_ITEMS = 150


class PreviewTooLarge(Exception):
    """The module draws more items than a preview can keep in the session."""


@dataclass
class PreviewForm:
    """One drawn form of a module: what the session keeps (ids only, no content)."""

    slug: str
    seed: str
    #: (question version id, case version id or None, case step or None) in the order drawn.
    items: list[tuple[int, int | None, int | None]]
    #: position -> score of the answer checked there (its last check).
    scores: dict[int, float] = field(default_factory=dict)

    def to_session(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "seed": self.seed,
            "items": [list(i) for i in self.items],
            "scores": {str(k): v for k, v in self.scores.items()},
        }

    @classmethod
    def from_session(cls, data: Any, slug: str) -> PreviewForm | None:
        """The preview of ``slug`` kept in the session, or None (none, another module's, or
        not readable)."""
        if not isinstance(data, dict) or data.get("slug") != slug:
            return None
        try:
            items = [(int(q), _opt_int(c), _opt_int(s)) for q, c, s in data["items"]]
            scores = {int(k): float(v) for k, v in data.get("scores", {}).items()}
            return cls(slug=slug, seed=str(data["seed"]), items=items, scores=scores)
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def score(self) -> float:
        return round(sum(self.scores.values()), 6)

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / len(self.items), 2) if self.items else 0.0


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def draw(
    session: Session, user: User, module: bm.Module, rng: random.Random | None = None
) -> PreviewForm:
    """A new form of ``module``, drawn by the quiz's own draw (reads only).

    Raises NothingToDraw (nothing published to draw) or PreviewTooLarge.
    """
    rng = rng or random.SystemRandom()
    drawn = services.draw_questions(session, user, module, rng)
    if not drawn:
        raise NothingToDraw()
    if len(drawn) > MAX_ITEMS:
        raise PreviewTooLarge(
            _(
                "This module draws %(n)s items; a preview holds %(max)s.",
                n=len(drawn),
                max=MAX_ITEMS,
            )
        )
    return PreviewForm(
        slug=module.slug,
        seed=secrets.token_hex(16),
        items=[(version.id, case_id, step) for version, case_id, step in drawn],
    )


# ---------------------------------------------------------------- one item


@dataclass
class PreviewItem:
    """One position of a preview: the question, its rebuilt display, and an unsaved item."""

    position: int
    version: bm.QuestionVersion
    question: QuestionBase
    item: AttemptItem
    case: bm.CaseVersion | None


def _opaque(seed: str, position: int) -> Callable[[str, str], str]:
    """Repeatable opaque ids for one position: keyed by the preview's seed."""

    def name(part: str, real: str) -> str:
        digest = hmac.new(seed.encode(), f"{position}:{part}:{real}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:6]).decode()

    return name


def display_for(form: PreviewForm, position: int, question: QuestionBase) -> dict[str, Any]:
    """The display of ``position`` (option order, opaque ids), the same on every request."""
    rng = random.Random(f"{form.seed}:{position}")
    return new_display(question, rng, _opaque(form.seed, position))


def load_item(session: Session, form: PreviewForm, position: int) -> PreviewItem | None:
    """The item at ``position`` (1-based), or None when out of range or no longer there."""
    if not 1 <= position <= len(form.items):
        return None
    version_id, case_id, step = form.items[position - 1]
    version = session.get(bm.QuestionVersion, version_id)
    if version is None:
        return None
    question = version.as_question()
    # Transient: never added to the session, so never written.
    item = AttemptItem(
        id=position,
        position=position,
        display=display_for(form, position, question),
        response=None,
        seq=0,
        flagged=False,
        locked=False,
        case_step=step,
    )
    case = session.get(bm.CaseVersion, case_id) if case_id is not None else None
    return PreviewItem(position, version, question, item, case)


def is_disclosed(form: PreviewForm, position: int) -> bool:
    """A case step opens once the step before it is checked, as in an attempt."""
    step = form.items[position - 1][2]
    return step is None or step == 1 or (position - 1) in form.scores


def item_view(found: PreviewItem, media_url: str | None, visible: bool = True) -> dict[str, Any]:
    """What a trainee is shown of the item (the quiz presenter and the type's page view)."""
    view = presenters.item_view(found.item, found.question, media_url=media_url, visible=visible)
    if visible:
        facet = registry.get(found.question.type).quiz
        view.update(facet.page_view(found.question, found.item.display, found.item.response))
    return view


def check(form: PreviewForm, found: PreviewItem, response: dict[str, Any]) -> dict[str, Any]:
    """Score ``response`` (in the display's opaque ids) and keep only its score in ``form``.

    Returns the feedback view (key, per-option feedback, explanation, references). Raises
    ResponseRejected for a malformed response; ``form`` is unchanged then.
    """
    canonical = to_canonical(found.question, found.item.display, response)
    found.item.response = canonical
    feedback = presenters.feedback_view(found.item, found.question)
    form.scores[found.position] = round(scoring.score(found.question, canonical).score, 6)
    return feedback


def case_context(session: Session, form: PreviewForm, found: PreviewItem) -> dict[str, Any] | None:
    """The vignette, this step's disclosure and the stems of the earlier steps of its case."""
    case, step = found.case, found.item.case_step
    if case is None or step is None:
        return None
    steps = {s.position: s for s in case.steps}
    earlier = []
    for position in range(found.position - step + 1, found.position):
        prior = load_item(session, form, position)
        if prior is not None:
            earlier.append({"step": prior.item.case_step, "view": item_view(prior, None)})
    current = steps.get(step)
    return {
        "title": case.title,
        "vignette": case.vignette,
        "step": step,
        "step_count": len(case.steps),
        "disclosure": current.disclosure if current is not None else None,
        "earlier": earlier,
    }


def topics_of(session: Session, form: PreviewForm) -> dict[int, str]:
    """position -> topic slug of each drawn question (for the summary)."""
    ids = [q for q, _, _ in form.items]
    rows = session.execute(
        sa.select(bm.QuestionVersion.id, bm.Topic.slug)
        .join(bm.Question, bm.Question.id == bm.QuestionVersion.question_id)
        .join(bm.Topic, bm.Topic.id == bm.Question.topic_id)
        .where(bm.QuestionVersion.id.in_(ids))
    ).all()
    by_version = dict(rows)
    return {i + 1: by_version.get(q, "") for i, (q, _, _) in enumerate(form.items)}
