"""Marshmallow schemas the types use to document their item views in the JSON API.

A type's quiz facet lists, in ``api_fields``, the fields its ``item_view`` adds (``options``,
``regions``...); ``app/quiz/api.py`` builds the attempt item's output schema from the common
fields and every registered type's. Schemas keep their names (``Choice``...) in the OpenAPI
document.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class Out(Schema):
    class Meta:
        ordered = True


class Choice(Out):
    id = fields.String(required=True, metadata={"description": "Opaque, fresh per attempt."})
    html = fields.String(required=True)


def choices() -> fields.Field:
    """A list of options in display order (opaque ids)."""
    return fields.List(fields.Nested(Choice))
