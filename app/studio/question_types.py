"""What the studio's templates know of question types: only what the registry's studio facets
say (``app.questions.studio_facet``). No template names or branches on a type identifier."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint

from app.questions import studio_facet


def assets(type_ids: Iterable[Any]) -> dict[str, list[str]]:
    """The static files the editor loads for questions of these types, each once."""
    styles: list[str] = []
    scripts: list[str] = []
    for type_id in type_ids:
        facet = studio_facet.facet(type_id)
        if facet is None:
            continue
        styles.extend(s for s in facet.styles if s not in styles)
        scripts.extend(s for s in facet.scripts if s not in scripts)
    return {"styles": styles, "scripts": scripts}


def media_types() -> str:
    """The names of the types that show an uploaded image, joined by "or"."""
    return " or ".join(studio_facet.media_labels())


def register_template_globals(bp: Blueprint) -> None:
    """``question_studio(type)`` (the facet or None), ``question_type_label(type)``,
    ``default_question_type()``, ``question_assets(types)`` and ``media_question_types()``."""
    bp.add_app_template_global(studio_facet.facet, "question_studio")
    bp.add_app_template_global(studio_facet.label, "question_type_label")
    bp.add_app_template_global(studio_facet.default_type, "default_question_type")
    bp.add_app_template_global(assets, "question_assets")
    bp.add_app_template_global(media_types, "media_question_types")
