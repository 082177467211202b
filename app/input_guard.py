"""Hostile input stops at the door, before any form, service or database sees it.

One ``before_request`` guard refuses, with a 400 naming the field:

- a NUL byte or a lone surrogate in the path, a query or form field (name or value), an uploaded
  file's name, a header or a JSON string (key or value) — PostgreSQL cannot store NUL in text and
  no database can store a lone surrogate, so these would otherwise end as 500s;
- JSON nested deeper than ``JSON_MAX_DEPTH`` (Python's parser would recurse until it fails);
- JSON integers outside the interoperable range ±(2⁵³ − 1) (RFC 7493, I-JSON §2.2): nothing we
  store is that large, and an id or sequence number beyond a column's range must not reach SQL.

A JSON body over ``JSON_MAX_BYTES`` is refused with 413. Integer path segments (``<int:id>``) are
bounded to the 32-bit column type by :class:`BoundedIntConverter`: a larger id matches no route,
so it is a 404 like any other unknown id. Form numbers use :class:`NumberRange`, which refuses
an integer too large for a float instead of failing on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter
from wtforms import validators

from app.errors import DomainError
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

INT32_MAX = 2**31 - 1
JSON_SAFE_INTEGER = 2**53 - 1
DEFAULT_JSON_MAX_DEPTH = 32
DEFAULT_JSON_MAX_BYTES = 1024 * 1024

NUL_BYTE = "a NUL byte"
SURROGATE = "an unpaired surrogate"
# Where a bad character was found (each has its own sentence, in ``_refusal``).
ADDRESS, QUERY, HEADER, FIELD, FILE_NAME, JSON_PATH = (
    "address",
    "query",
    "header",
    "field",
    "file_name",
    "json",
)

_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


class InputRefused(DomainError):
    """A request carrying bytes or shapes no field accepts; names the field."""

    code = "invalid_input"
    status = 400


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    message = _l("The JSON body is too large.")


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to the 32-bit integer columns ids live in (beyond: no match, 404)."""

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = INT32_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


class NumberRange(validators.NumberRange):
    """WTForms' ``NumberRange`` for any number a form field parsed, however large.

    WTForms calls ``math.isnan`` on the value, which raises ``OverflowError`` for an integer
    beyond a float's range (an ``IntegerField`` given 400 digits): that was a 500. An integer
    beyond ±(2⁵³ − 1) is refused here like one outside the range, whatever the bounds: nothing
    a form stores is that large (the same rule as for JSON).
    """

    def __call__(self, form: Any, field: Any) -> None:
        data = field.data
        if isinstance(data, int) and not isinstance(data, bool) and abs(data) > JSON_SAFE_INTEGER:
            raise validators.ValidationError(self.message or field.gettext("Number is too large."))
        super().__call__(form, field)


def bad_character(text: str) -> str | None:
    """What the first bad character of ``text`` is (``NUL_BYTE`` or ``SURROGATE``), or None."""
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    return NUL_BYTE if found.group() == "\x00" else SURROGATE


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings ignored)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _json_leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every key and leaf of a parsed JSON value, with a dotted path naming it."""
    if isinstance(value, dict):
        for key, sub in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, key
            yield from _json_leaves(sub, where)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _json_leaves(sub, f"{path}[{index}]")
    else:
        yield path or "body", value


def _refusal(place: str, name: str, problem: str) -> str:
    """The whole sentence refusing a NUL byte or lone surrogate in ``place`` (named ``name``)."""
    nul = problem == NUL_BYTE
    if place == ADDRESS:
        if nul:
            return _("The address contains a NUL byte.")
        return _("The address contains an unpaired surrogate.")
    if place == QUERY:
        if nul:
            return _("Query parameter %(name)s contains a NUL byte.", name=repr(name))
        return _("Query parameter %(name)s contains an unpaired surrogate.", name=repr(name))
    if place == HEADER:
        if nul:
            return _("Header %(name)s contains a NUL byte.", name=repr(name))
        return _("Header %(name)s contains an unpaired surrogate.", name=repr(name))
    if place == FIELD:
        if nul:
            return _("Field %(name)s contains a NUL byte.", name=repr(name))
        return _("Field %(name)s contains an unpaired surrogate.", name=repr(name))
    if place == FILE_NAME:
        if nul:
            return _("The name of the file in %(name)s contains a NUL byte.", name=repr(name))
        return _(
            "The name of the file in %(name)s contains an unpaired surrogate.", name=repr(name)
        )
    if nul:  # JSON: ``name`` is the dotted path of the key or value
        return _("%(path)s contains a NUL byte.", path=name)
    return _("%(path)s contains an unpaired surrogate.", path=name)


def _check_text(place: str, name: str, text: str) -> None:
    problem = bad_character(text)
    if problem:
        raise InputRefused(_refusal(place, name, problem))


def _check_json(max_depth: int, max_bytes: int) -> None:
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(_("The JSON body is larger than %(max)s bytes.", max=max_bytes))
    if json_depth(raw) > max_depth:
        raise InputRefused(_("The JSON body is nested deeper than %(max)s levels.", max=max_depth))
    try:
        body = json.loads(raw) if raw.strip() else None
    except (ValueError, RecursionError):
        return  # malformed JSON: the view's parser answers with its own 400
    for where, leaf in _json_leaves(body, ""):
        if isinstance(leaf, str):
            _check_text(JSON_PATH, where, leaf)
        elif isinstance(leaf, int) and not isinstance(leaf, bool) and abs(leaf) > JSON_SAFE_INTEGER:
            raise InputRefused(_("%(path)s is out of range.", path=where))


def check_request(max_depth: int, max_bytes: int) -> None:
    """Refuse the current request if any part of it carries hostile input (see module doc)."""
    _check_text(ADDRESS, "", request.path)
    for name, value in request.args.items(multi=True):
        _check_text(QUERY, name, name + value)
    for name, value in request.headers.items():
        _check_text(HEADER, name, value)
    if request.is_json:
        _check_json(max_depth, max_bytes)
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            _check_text(FIELD, name, name + value)
        for name, upload in request.files.items(multi=True):
            _check_text(FILE_NAME, name, upload.filename or "")


def init_input_guard(app: Flask) -> None:
    """Install the guard before every view (settings ``JSON_MAX_DEPTH``, ``JSON_MAX_BYTES``)."""
    max_depth = int(app.config.get("JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH))
    max_bytes = int(app.config.get("JSON_MAX_BYTES", DEFAULT_JSON_MAX_BYTES))

    @app.before_request
    def refuse_hostile_input() -> None:
        check_request(max_depth, max_bytes)
