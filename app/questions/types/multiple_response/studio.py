"""Multiple response in the studio: the option rows of single choice, any number correct."""

from __future__ import annotations

from app.questions import registry
from app.questions.studio_facet import StudioFacet
from app.questions.types.single_choice.studio import choice_fields, choice_fill, choice_to_data

registry.register(
    "multiple_response",
    studio=StudioFacet(
        fields=choice_fields,
        to_data=choice_to_data,
        fill=choice_fill,
        template="questions/multiple_response/studio_fields.html",
        row_lists={"options": "Option"},
        starter_rows={"options": 4},
    ),
)
