"""Template helpers: which partial and which scripts a question type's views need.

Registered as Jinja globals by ``create_app``; templates never branch on a type's identifier:

- ``{% include question_partial(view.type, "answer") %}`` (also ``"feedback"``, ``"preview"``);
- ``{% for src in question_scripts(views) %}`` the type scripts of the views on a page;
- ``{% for href in question_styles() %}`` every type's stylesheets (in the base layout).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.questions import registry
from app.questions.facets import templates_for


def question_partial(type_id: str, part: str) -> str:
    """The template of ``part`` (answer, feedback, preview) of the type ``type_id``."""
    return templates_for(str(type_id), registry.get(type_id).quiz)[part]


def question_scripts(*views: Any) -> list[str]:
    """The static paths of the scripts the types of ``views`` need (each once, in order).

    Each argument is an item view (a mapping with ``type``) or an iterable of them.
    """
    out: list[str] = []
    for view in _flatten(views):
        if view.get("hidden") or "type" not in view:
            continue
        for src in registry.get(view["type"]).quiz.scripts:
            if src not in out:
                out.append(src)
    return out


#: The feedback marks every type's answer partial uses (questions/_marks.html).
FEEDBACK_STYLES = "css/questions/feedback.css"


def question_styles() -> list[str]:
    """The shared feedback stylesheet, then every registered type's stylesheets (each once)."""
    out: list[str] = [FEEDBACK_STYLES]
    for spec in registry.all_types():
        for href in spec.quiz.styles if spec.quiz else ():
            if href not in out:
                out.append(href)
    return out


def _flatten(items: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        if item is None:
            continue
        if isinstance(item, Mapping):
            yield item
        else:
            yield from _flatten(item)


TEMPLATE_GLOBALS = {
    "question_partial": question_partial,
    "question_scripts": question_scripts,
    "question_styles": question_styles,
}
