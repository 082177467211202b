"""Matching: the bank model, its premise and answer ids, and the shuffled answers."""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field, model_validator

from app.i18n import gettext
from app.questions import registry
from app.questions.base import NonEmpty, QuestionBase, Strict
from app.questions.facets import ContentFacet, Opaque

TYPE = "matching"


class MatchPair(Strict):
    premise: NonEmpty
    answer: NonEmpty


class Matching(QuestionBase):
    """Premises each matched to one answer; answers may repeat, distractors are never right."""

    type: Literal["matching"]
    pairs: list[MatchPair] = Field(min_length=2)
    distractors: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct(self) -> Matching:
        premises = [p.premise for p in self.pairs]
        if len(set(premises)) != len(premises):
            raise ValueError(gettext("pairs: each premise must appear once"))
        answers = {p.answer for p in self.pairs}
        if answers & set(self.distractors):
            raise ValueError(gettext("distractors: a distractor is also a correct answer"))
        if len(set(self.distractors)) != len(self.distractors):
            raise ValueError(gettext("distractors: duplicate distractor"))
        return self

    def premise_ids(self) -> list[str]:
        return [f"p{i + 1}" for i in range(len(self.pairs))]

    def answer_choices(self) -> list[tuple[str, str]]:
        """(id, text) of every answer, correct ones first in premise order, then distractors."""
        texts: list[str] = []
        for text in [p.answer for p in self.pairs] + list(self.distractors):
            if text not in texts:
                texts.append(text)
        return [(f"m{i + 1}", t) for i, t in enumerate(texts)]

    def key_map(self) -> dict[str, str]:
        ids = {text: cid for cid, text in self.answer_choices()}
        return {pid: ids[p.answer] for pid, p in zip(self.premise_ids(), self.pairs, strict=True)}


def display(question: Matching, rng: random.Random, opaque: Opaque) -> dict[str, Any]:
    """Premises in their order, answers shuffled."""
    answers = [cid for cid, _ in question.answer_choices()]
    rng.shuffle(answers)
    return {
        "premises": [[opaque("p", p), p] for p in question.premise_ids()],
        "options": [[opaque("o", a), a] for a in answers],
    }


registry.register(
    TYPE, content=ContentFacet(model=Matching, label="matching", order=40, display=display)
)
