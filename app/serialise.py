"""A marshmallow schema's dump, compiled once into plain Python (issue 19: the attempt page).

``schema.dump(view)`` walks every field of every item through marshmallow's generic machinery
(``get_value``, ``serialize``, ``_serialize`` per field: the attempt page spent a quarter of its
time there). ``compiled_dump(schema)`` reads the schema once and returns a function that builds
the same JSON-able dict from a view of plain dicts: the same keys, in the same order, with the
same conversions. Fields it does not know are dumped by the field itself, so the result is
always what ``schema.dump`` gives; ``tests/unit/test_serialise.py`` and the quiz API's tests
compare the two.

What the compiled form assumes (true of our presenters' views): the object dumped is a mapping,
a field's value is read by its name (or ``attribute``), and a missing key is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, fields, missing
from marshmallow.utils import ensure_text_type

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _converter(field: fields.Field) -> Convert | None:
    """The plain conversion of one field's non-None value (marshmallow's ``_serialize``), or
    None for a field the compiled form leaves to marshmallow."""
    if field.dump_default is not missing or "." in (field.attribute or ""):
        return None
    if isinstance(field, fields.Nested):
        schema = field.schema  # marshmallow resolves a class, an instance or a name here
        dump = _compile(schema)
        if field.many or schema.many:
            return lambda value: [dump(v) for v in value]
        return dump
    if isinstance(field, fields.List):
        inner = _converter(field.inner)
        if inner is None:
            return None
        return lambda value: [None if v is None else inner(v) for v in value]
    exact = type(field)
    if exact is fields.Integer and not field.as_string:  # type: ignore[attr-defined]
        return int
    if exact is fields.Float and not field.as_string:  # type: ignore[attr-defined]
        return float
    if exact is fields.String:
        return ensure_text_type
    if exact is fields.DateTime and field.format in (None, "iso", "iso8601"):  # type: ignore[attr-defined]
        return datetime.isoformat
    if exact in (fields.Raw, fields.Boolean):  # marshmallow 4 dumps a boolean as it is
        return _same
    if exact is fields.Dict and field.key_field is None and field.value_field is None:  # type: ignore[attr-defined]
        return dict
    return None


def _compile(schema: Schema) -> Callable[[Mapping[str, Any]], Any]:
    if any(schema._hooks.values()):  # pre/post-dump hooks: only marshmallow runs them
        return schema.dump
    plan: list[tuple[str, str, Convert | None, fields.Field]] = [
        (field.data_key or name, field.attribute or name, _converter(field), field)
        for name, field in schema.dump_fields.items()
    ]

    def dump(obj: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, attribute, convert, field in plan:
            if convert is None:  # marshmallow's own way, for this field only
                value = field.serialize(attribute, obj, accessor=schema.get_attribute)
                if value is not missing:
                    out[key] = value
                continue
            value = obj.get(attribute, missing)
            if value is missing:
                continue
            out[key] = None if value is None else convert(value)
        return out

    return dump


@cache
def compiled_dump(schema_class: type[Schema]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """``schema_class().dump`` as one plain function, built on first use."""
    return _compile(schema_class())


def json_response(schema_class: type[Schema], view: Mapping[str, Any]) -> Response:
    """The response flask-smorest's ``@blp.response(schema_class)`` would make of ``view``
    (the schema still documents the endpoint)."""
    return jsonify(compiled_dump(schema_class)(view))
