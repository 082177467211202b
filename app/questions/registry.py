"""The question-type registry: everything a question type means, found by its identifier.

Each type lives in its own package, ``app/questions/types/<id>/``, whose modules register the
type's facets here:

- ``content``: the bank model (pydantic) and its validation, shuffling and opaque option ids;
- ``quiz``: form/API body -> canonical response and back, scoring and the key, the trainee's
  answer and feedback partials (``questions/<id>/…`` templates), item-analysis hooks;
- ``studio``: the studio form fields and their conversion to and from the bank format;
- ``formats``: per import/export format (``gift``, ``moodle-xml``, ``qti``), read and write hooks.

The rest of the application dispatches through :func:`get` and :func:`all_types` and never
branches on a type's identifier. ``docs/adding-a-question-type.md`` walks through adding one.
The facets' shapes are in ``app/questions/facets.py`` (content, quiz). Pure: no Flask, no
SQLAlchemy.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any


class UnknownQuestionType(KeyError):
    """No type is registered under this identifier."""


class _TypeIds(type):
    """Makes :class:`QuestionType` read like the enum it replaces, from the registry."""

    def __iter__(cls):
        return iter([cls(spec.id) for spec in all_types()])

    def __len__(cls) -> int:
        return len(all_types())

    def __contains__(cls, value: object) -> bool:
        return isinstance(value, str) and value in {spec.id for spec in all_types()}

    def __getattr__(cls, name: str) -> QuestionType:
        # QuestionType.SOME_TYPE: the registered type "some_type".
        if name.isupper() and name.lower() in {spec.id for spec in all_types()}:
            return cls(name.lower())
        raise AttributeError(name)


class QuestionType(str, metaclass=_TypeIds):
    """A question type's identifier: a ``str`` that also answers ``.value``.

    Iterating the class gives every registered type, ``QuestionType.SOME_TYPE`` the type
    ``"some_type"``; the identifiers themselves are spelled only in the type packages.
    """

    __slots__ = ()

    @property
    def value(self) -> str:
        return str.__str__(self)


@dataclass
class QuestionTypeSpec:
    """One question type's facets; each is filled by a module of the type's own package."""

    id: str
    content: Any = None
    quiz: Any = None
    studio: Any = None
    formats: dict[str, Any] = field(default_factory=dict)


_TYPES: dict[str, QuestionTypeSpec] = {}
_generation = 0  # bumped on every change, so that derived tables know to rebuild


def generation() -> int:
    """A number that changes whenever a type or facet is added or removed."""
    return _generation


def register(
    type_id: str,
    *,
    content: Any = None,
    quiz: Any = None,
    studio: Any = None,
    formats: dict[str, Any] | None = None,
) -> QuestionTypeSpec:
    """Add facets to the type ``type_id`` (created on first use); a facet is set once."""
    global _generation
    _generation += 1
    spec = _TYPES.setdefault(type_id, QuestionTypeSpec(type_id))
    for name, value in (("content", content), ("quiz", quiz), ("studio", studio)):
        if value is None:
            continue
        if getattr(spec, name) is not None:
            raise ValueError(f"question type {type_id!r}: facet {name!r} registered twice")
        setattr(spec, name, value)
    for fmt, hooks in (formats or {}).items():
        if fmt in spec.formats:
            raise ValueError(f"question type {type_id!r}: format {fmt!r} registered twice")
        spec.formats[fmt] = hooks
    return spec


def unregister(type_id: str) -> None:
    """Remove a type (for tests that register a throwaway type)."""
    global _generation
    _generation += 1
    _TYPES.pop(type_id, None)


def get(type_id: str) -> QuestionTypeSpec:
    """The spec of ``type_id``, or ``UnknownQuestionType``."""
    load()
    try:
        return _TYPES[str(type_id)]
    except KeyError:
        raise UnknownQuestionType(type_id) from None


def all_types() -> list[QuestionTypeSpec]:
    """Every registered type, in display order (the content facet's ``order``, then id)."""
    load()
    return sorted(_TYPES.values(), key=_display_order)


def _display_order(spec: QuestionTypeSpec) -> tuple[int, str]:
    return (getattr(spec.content, "order", 1000), spec.id)


_loaded = False


def load() -> None:
    """Import every package under ``app/questions/types`` and each of its modules, once:
    the modules register the type's facets."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    try:
        from app.questions import types

        for info in sorted(pkgutil.iter_modules(types.__path__), key=lambda m: m.name):
            package = importlib.import_module(f"{types.__name__}.{info.name}")
            for sub in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
                importlib.import_module(f"{package.__name__}.{sub.name}")
    except BaseException:
        _loaded = False
        raise
