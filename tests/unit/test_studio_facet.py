"""The studio facet of each question type: every type the banks use can be edited in the studio,
and its form is a faithful twin of the bank format (bank model -> posted form -> bank model is
the identity on the questions of ``question_banks/``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, FormField, SelectField, StringField
from wtforms.fields.core import Field

from app.banks.loader import load_bank
from app.banks.schema import NON_VERSION_FIELDS, QuestionBase
from app.questions import registry, studio_facet
from app.questions.studio_facet import StudioFacet
from app.studio.forms import QuestionFields, add_starter_rows, type_choices

BANKS = Path(__file__).resolve().parents[2] / "question_banks"


def _bank_questions() -> list[QuestionBase]:
    bank = load_bank(BANKS)
    assert not bank.errors
    return [loaded.question for loaded in bank.questions.values()]


QUESTIONS = _bank_questions()


def posted(form: Any) -> MultiDict:
    """What a browser posts for ``form`` as rendered (unchecked boxes are left out)."""
    data: MultiDict = MultiDict()

    def walk(field: Field) -> None:
        if isinstance(field, FieldList):
            for entry in field.entries:
                walk(entry)
        elif isinstance(field, FormField):
            for sub in field.form:
                walk(sub)
        elif isinstance(field, BooleanField):
            if field.data:
                data.add(field.name, "y")
        elif isinstance(field, SelectField):
            if field.data is not None:
                data.add(field.name, field.data)
        else:
            data.add(field.name, field._value())

    for field in form:
        walk(field)
    return data


def _version_fields(question: QuestionBase) -> dict[str, Any]:
    return question.model_dump(mode="json", exclude=set(NON_VERSION_FIELDS - {"key"}))


def test_every_type_with_content_or_bank_questions_has_a_studio_facet() -> None:
    with_content = {spec.id for spec in registry.all_types() if spec.content is not None}
    in_banks = {str(q.type) for q in QUESTIONS}
    with_studio = {type_id for type_id, _ in studio_facet.facets()}
    assert with_content | in_banks <= with_studio
    assert all(isinstance(facet, StudioFacet) for _, facet in studio_facet.facets())


@pytest.mark.parametrize("type_id", sorted({str(q.type) for q in QUESTIONS}))
def test_round_trip_through_the_studio_form_is_the_identity(type_id: str) -> None:
    questions = [q for q in QUESTIONS if str(q.type) == type_id]
    assert questions
    for question in questions:
        filled = QuestionFields()
        filled.fill(question)
        form = QuestionFields(formdata=posted(filled))
        back = form.to_question()
        assert back is not None, (question.key, form.errors, form.form_errors)
        assert _version_fields(back) == _version_fields(question), question.key


def test_the_type_chooser_lists_the_facets_in_order_and_defaults_to_the_first() -> None:
    ids = [c.value for c in type_choices()]
    assert ids == [type_id for type_id, _ in studio_facet.facets()]
    assert studio_facet.default_type() == ids[0]
    for type_id, facet in studio_facet.facets():
        form = QuestionFields()
        form.type.data = type_id
        add_starter_rows(form)
        for name, count in facet.starter_rows.items():
            assert len(getattr(form, name).entries) == count


def test_a_type_registered_later_gets_its_fields_and_loses_them_when_removed() -> None:
    def fields() -> dict[str, Any]:
        return {"throwaway_word": StringField("Word")}

    facet = StudioFacet(
        fields=fields,
        to_data=lambda form: {"word": form.throwaway_word.data or ""},
        fill=lambda form, data: setattr(form.throwaway_word, "data", data.get("word", "")),
        template="questions/throwaway/studio_fields.html",
    )
    registry.register("throwaway", studio=facet)
    try:
        form = QuestionFields(formdata=MultiDict({"type": "throwaway", "throwaway_word": "hi"}))
        assert form.to_data()["word"] == "hi"
        assert "throwaway" in [c.value for c in type_choices()]
        assert studio_facet.label("throwaway") == "throwaway"
    finally:
        registry.unregister("throwaway")
    assert "throwaway_word" not in QuestionFields()._fields
    assert studio_facet.facet("throwaway") is None
