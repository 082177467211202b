"""The studio facet of a question type: its fields in the studio editor and their conversion to
and from the bank format.

A type's ``app/questions/types/<id>/studio.py`` builds one :class:`StudioFacet` and registers
it with ``registry.register("<id>", studio=StudioFacet(...))``. The studio never names a type:

- its question form (``app.studio.forms.QuestionFields``) is the fields every question has
  (key, title, stem, explanation, references, objective, difficulty, tags) plus the fields
  that every registered facet declares (:attr:`StudioFacet.fields`); a posted form is read by
  the facet of its ``type`` only (:attr:`StudioFacet.to_data`), so a client cannot smuggle in
  another type's fields;
- the editor renders the macro ``studio_fields(qf, action_prefix, standalone)`` of the facet's
  :attr:`StudioFacet.template` (``questions/<id>/studio_fields.html``) between the stem and the
  explanation, and loads its :attr:`StudioFacet.scripts` and :attr:`StudioFacet.styles`;
- the type chooser lists the types with a studio facet by the name and in the order of their
  content facet (``ContentFacet.label``, ``ContentFacet.order``); the first one is the default
  type of a new question or case step.

Pure: no Flask, no SQLAlchemy (the fields are WTForms fields).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wtforms import FieldList
from wtforms.fields.core import UnboundField

from app.questions import registry

#: Where a type without a content facet (so without an ``order``) comes in the chooser.
DEFAULT_ORDER = 100

#: A form with the common question fields and every facet's fields (``QuestionFields``).
QuestionFormLike = Any


@dataclass(frozen=True)
class StudioFacet:
    """How the studio edits one question type.

    ``fields``: returns the type's WTForms fields by name (called once, when the studio's form
    is built; the names are the bank format's where they can be: ``options``, ``pairs``).
    Several types may declare the same name (single and multiple choice share ``options``)
    when they mean the same field; the first type in ``order`` declares it.

    ``to_data(form)``: the bank-format dict of the type's own fields (the studio adds the
    common fields and ``type``); ``fill(form, data)``: the reverse, from the bank model dumped
    as JSON (``model_dump(mode="json")``). Together they are the identity on a valid question.
    """

    fields: Callable[[], Mapping[str, UnboundField]]
    to_data: Callable[[QuestionFormLike], dict[str, Any]]
    fill: Callable[[QuestionFormLike, Mapping[str, Any]], None]
    #: The template whose ``studio_fields(qf, action_prefix, standalone)`` macro renders the
    #: fields; ``standalone`` is False inside a case step (no room for editor helpers there).
    template: str
    #: Row lists (``FieldList`` fields) that the row buttons act on, with the label of one row
    #: in error messages: ``{"options": "Option"}``.
    row_lists: Mapping[str, str] = field(default_factory=dict)
    #: Empty rows to type into on a new question: ``{"options": 4}``.
    starter_rows: Mapping[str, int] = field(default_factory=dict)
    #: A validation error's location in the bank model -> the form field that shows it, where
    #: the names differ: ``{"answer": "numeric_answer"}``.
    error_fields: Mapping[str, str] = field(default_factory=dict)
    #: The name of a select field that holds an uploaded image (``<sha256>.<ext>``): its
    #: choices are the studio's images. (The content facet's ``image`` hook tells the studio
    #: which image a question shows, to check it and keep it with each version.)
    media_field: str | None = None
    #: Static files (paths under ``app/static``) the editor loads for this type.
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()


# ---------------------------------------------------------------- lookups


def facets() -> list[tuple[str, StudioFacet]]:
    """(type id, facet) of every type with a studio facet, in chooser order (the content
    facet's ``order``)."""
    specs = [spec for spec in registry.all_types() if spec.studio is not None]
    specs.sort(key=lambda spec: (_order(spec), spec.id))
    return [(spec.id, spec.studio) for spec in specs]


def _order(spec: registry.QuestionTypeSpec) -> int:
    return getattr(spec.content, "order", DEFAULT_ORDER)


def facet(type_id: Any) -> StudioFacet | None:
    """The studio facet of ``type_id``, or None (unknown type, or no studio facet)."""
    try:
        return registry.get(str(type_id)).studio
    except registry.UnknownQuestionType:
        return None


def default_type() -> str:
    """The type a new question or case step starts as: the first in the chooser."""
    return facets()[0][0]


def label(type_id: Any) -> str:
    """The chooser's name of ``type_id``: its content facet's label (an identifier without one
    shown readably)."""
    try:
        content = registry.get(str(type_id)).content
    except registry.UnknownQuestionType:
        content = None
    found = getattr(content, "label", None)
    return found if found else str(type_id or "").replace("_", " ")


def media_labels() -> list[str]:
    """Names of the types whose studio form chooses an uploaded image."""
    return [label(type_id) for type_id, f in facets() if f.media_field is not None]


# ---------------------------------------------------------------- helpers for facets


def lines(text: str | None) -> list[str]:
    """The non-blank lines of a text area, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def set_rows(field_list: FieldList, rows: list[Any]) -> None:
    """Replace the entries of a row list with ``rows`` (dicts for a row form)."""
    while field_list.entries:
        field_list.pop_entry()
    for row in rows:
        field_list.append_entry(row)
