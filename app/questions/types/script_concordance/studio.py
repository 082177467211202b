"""Script concordance in the studio: hypothesis, new information and the expert panel (its
counts and whether it is a provisional or a recorded panel; its size is the sum of the counts).

The five-point scale keeps its default wording (the studio does not edit it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional

from app.i18n import lazy_gettext as _l
from app.input_guard import NumberRange  # refuses a huge integer (WTForms fails on it)
from app.questions import registry
from app.questions.studio_facet import StudioFacet
from app.questions.types.script_concordance.content import PanelSource

#: The panel's count fields, for the answers -2, -1, 0, +1, +2.
PANEL = ("panel_m2", "panel_m1", "panel_0", "panel_p1", "panel_p2")
PANEL_LABELS = ("−2", "−1", "0", "+1", "+2")


def fields() -> dict[str, UnboundField]:
    return {
        "hypothesis": TextAreaField(_l("If you were thinking of…"), render_kw={"rows": 2}),
        "new_information": TextAreaField(_l("…and then you find…"), render_kw={"rows": 2}),
        **{
            name: IntegerField(
                _l("Panel: %(value)s", value=text),
                validators=[Optional(), NumberRange(min=0)],
                default=0,
            )
            for name, text in zip(PANEL, PANEL_LABELS, strict=True)
        },
        "panel_source": SelectField(
            _l("Panel"),
            choices=[
                SelectChoice(PanelSource.PROVISIONAL.value, _l("provisional (an authoring panel)")),
                SelectChoice(PanelSource.RECORDED.value, _l("recorded (a reference panel)")),
            ],
            default=PanelSource.PROVISIONAL.value,
        ),
    }


def to_data(form: Any) -> dict[str, Any]:
    counts = [getattr(form, name).data or 0 for name in PANEL]
    return {
        "hypothesis": form.hypothesis.data or "",
        "new_information": form.new_information.data or "",
        "panel": {
            "counts": counts,
            "source": form.panel_source.data or PanelSource.PROVISIONAL.value,
            "size": max(sum(counts), 1),  # each panellist gives one answer
        },
    }


def fill(form: Any, data: Mapping[str, Any]) -> None:
    form.hypothesis.data = data.get("hypothesis", "")
    form.new_information.data = data.get("new_information", "")
    panel = data.get("panel") or {}
    for name, value in zip(PANEL, panel.get("counts") or [0] * 5, strict=True):
        getattr(form, name).data = value
    form.panel_source.data = panel.get("source") or PanelSource.PROVISIONAL.value


registry.register(
    "script_concordance",
    studio=StudioFacet(
        fields=fields,
        to_data=to_data,
        fill=fill,
        template="questions/script_concordance/studio_fields.html",
        error_fields={"panel": "panel_0"},
    ),
)
