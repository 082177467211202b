"""Plain-language validation messages for the studio's forms.

The bank's pydantic models (``app.banks.schema``) validate what an author types; their raw
messages ("String should match pattern '^[a-z0-9]...'") mean nothing to an instructor. Each
error is turned into a sentence about the field, by the error's ``type`` and its context. The
field's label is put in front of the sentence by the error summary ("Key: use lower-case...").
A message written by a model validator (``value_error``) is already a sentence: it is kept.
"""

from __future__ import annotations

from typing import Any

from app.i18n import gettext as _

#: Fields whose value is an identifier (the bank's KEY_PATTERN).
KEY_LIKE = frozenset({"key", "objective", "id", "topic", "case"})


def _pattern(name: str) -> str:
    if name in KEY_LIKE:
        return _(
            "use lower-case letters, digits and hyphens (no spaces), starting with a letter "
            "or digit, e.g. saf-pneumothorax-01."
        )
    return _("this is not in the expected form.")


def _too_short(ctx: dict[str, Any]) -> str:
    n = ctx.get("min_length", 1)
    if n <= 1:
        return _("this is required: enter some text.")
    return _("enter at least %(n)s characters.", n=n)


def _list_short(ctx: dict[str, Any]) -> str:
    return _("add at least %(n)s.", n=ctx.get("min_length", 1))


def _dated(_ctx: dict[str, Any]) -> str:
    return _("enter a date as YYYY-MM-DD, e.g. 2026-03-31.")


_BY_TYPE = {
    "missing": lambda ctx: _("this is required."),
    "string_too_short": _too_short,
    "string_too_long": lambda ctx: _("too long: at most %(n)s characters.", n=ctx["max_length"]),
    "too_short": _list_short,
    "too_long": lambda ctx: _("too many: at most %(n)s.", n=ctx.get("max_length")),
    "enum": lambda ctx: _("choose one of %(values)s.", values=ctx.get("expected", "")),
    "literal_error": lambda ctx: _("choose one of %(values)s.", values=ctx.get("expected", "")),
    "date_parsing": _dated,
    "date_from_datetime_parsing": _dated,
    "date_from_datetime_inexact": _dated,
    "date_type": _dated,
    "int_parsing": lambda ctx: _("enter a whole number, e.g. 3."),
    "int_type": lambda ctx: _("enter a whole number, e.g. 3."),
    "int_from_float": lambda ctx: _("enter a whole number, e.g. 3."),
    "float_parsing": lambda ctx: _("enter a number, e.g. 2.5."),
    "float_type": lambda ctx: _("enter a number, e.g. 2.5."),
    "greater_than_equal": lambda ctx: _("enter %(n)s or more.", n=ctx.get("ge")),
    "greater_than": lambda ctx: _("enter more than %(n)s.", n=ctx.get("gt")),
    "less_than_equal": lambda ctx: _("enter %(n)s or less.", n=ctx.get("le")),
    "less_than": lambda ctx: _("enter less than %(n)s.", n=ctx.get("lt")),
    "bool_parsing": lambda ctx: _("choose yes or no."),
    "extra_forbidden": lambda ctx: _("this field is not used by this question type."),
    "url_parsing": lambda ctx: _("enter a full web address, e.g. https://example.org/page."),
}


def plain(error: dict[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a sentence."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" or kind == "assertion_error":
        return (
            str(error.get("msg", ""))
            .removeprefix("Value error, ")
            .removeprefix("Assertion failed, ")
        )
    if kind == "string_pattern_mismatch":
        names = [p for p in error.get("loc", ()) if isinstance(p, str)]
        return _pattern(names[-1] if names else "")
    make = _BY_TYPE.get(kind)
    if make is None:
        return str(error.get("msg", ""))
    return make(ctx)
