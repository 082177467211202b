"""Readable names for topics and learning objectives: one helper for every page.

Topics have titles (``topics.yaml``) and objectives have texts (each module's ``objectives``),
but an objective a question names may be declared by no module, and a page may only hold the
slug. ``objective_label`` and ``topic_label`` give the declared name when it is known, and
otherwise a name derived from the slug (``saf-pneumothorax`` -> "Saf pneumothorax"), so that a
page never shows a bare slug as a label. Pure: the caller passes what it has read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def humanise(slug: str) -> str:
    """A slug as words: hyphens and underscores become spaces, the first letter a capital."""
    words = " ".join(slug.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:]


def objective_label(slug: str, texts: Mapping[str, str] | None = None) -> str:
    """The objective's declared text, else a name derived from its slug."""
    text = (texts or {}).get(slug, "").strip()
    return text or humanise(slug)


def topic_label(slug: str, titles: Mapping[str, str] | None = None) -> str:
    """The topic's title, else a name derived from its slug."""
    title = (titles or {}).get(slug, "").strip()
    return title or humanise(slug)


def objective_texts_of(
    objective_lists: Iterable[Iterable[Mapping[str, Any]] | None],
) -> dict[str, str]:
    """Objective id -> text from modules' ``objectives`` lists; the first declaration wins."""
    texts: dict[str, str] = {}
    for objectives in objective_lists:
        for o in objectives or ():
            if o.get("id") and o.get("text"):
                texts.setdefault(str(o["id"]), str(o["text"]))
    return texts
