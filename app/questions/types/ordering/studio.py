"""Ordering in the studio: the items, in the correct order (the quiz shuffles them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import FieldList, Form, FormField, StringField
from wtforms.fields.core import UnboundField

from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.studio_facet import StudioFacet, set_rows


class ItemForm(Form):
    text = StringField(_l("Item"))


def fields() -> dict[str, UnboundField]:
    return {"items": FieldList(FormField(ItemForm), min_entries=0)}


def to_data(form: Any) -> dict[str, Any]:
    return {"items": [e.form.text.data or "" for e in form.items.entries]}


def fill(form: Any, data: Mapping[str, Any]) -> None:
    set_rows(form.items, [{"text": t} for t in data.get("items", [])])


registry.register(
    "ordering",
    studio=StudioFacet(
        fields=fields,
        to_data=to_data,
        fill=fill,
        template="questions/ordering/studio_fields.html",
        row_lists={"items": "Item"},
        starter_rows={"items": 4},
    ),
)
