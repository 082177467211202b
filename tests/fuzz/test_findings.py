"""Regression tests for what the fuzzers found (each was a 500), on both databases."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from app.input_guard import NumberRange
from tests.conftest import csrf_token_from, login
from tests.fuzz.conftest import table_counts
from tests.fuzz.crawl import _FormParser

HUGE = "9" * 400  # an integer beyond a float's range


class _Form(FlaskForm):
    class Meta:
        csrf = False

    low = IntegerField(validators=[NumberRange(min=0)])
    both = IntegerField(validators=[NumberRange(0, 10)])


@pytest.mark.parametrize("value", [HUGE, str(2**53), "-" + HUGE])
def test_number_range_refuses_a_huge_integer_instead_of_failing(app, value):
    with app.test_request_context():
        form = _Form(formdata=MultiDict({"low": value, "both": value}))
        assert not form.validate()
        assert form.errors == {"low": ["Number is too large."], "both": ["Number is too large."]}


def test_number_range_keeps_its_bounds_and_message(app):
    with app.test_request_context():
        form = _Form(formdata=MultiDict({"low": "-1", "both": "11"}))
        assert not form.validate()
        assert form.errors["both"] == ["Number must be between 0 and 10."]
        assert _Form(formdata=MultiDict({"low": str(2**53 - 1), "both": "3"})).validate()


@pytest.mark.parametrize("suffix", ["", "/autosave"])
def test_a_huge_seq_in_the_answer_form_is_a_400_that_saves_nothing(
    app, client, db_session, seeded, suffix
):
    assert login(client, seeded.trainee.email).status_code == 302
    page = client.get(f"/attempts/{seeded.attempt_id}/items/1").get_data(as_text=True)
    before = table_counts(db_session)
    response = client.post(
        f"/attempts/{seeded.attempt_id}/items/1{suffix}",
        data={"csrf_token": csrf_token_from(page), "seq": HUGE, "value": "3"},
    )
    assert response.status_code == 400
    assert table_counts(db_session) == before


def test_a_huge_page_number_on_the_cohort_page_is_refused(app, client, seeded):
    assert login(client, seeded.instructor.email).status_code == 302
    response = client.get(f"/cohort?page={HUGE}")
    assert response.status_code in (200, 400)


def _studio_defaults(html: str) -> dict[str, str]:
    parser = _FormParser()
    parser.feed(html)
    form = [f for f in parser.forms if f["method"].lower() == "post"][-1]
    return {
        name: (spec.choices[0] if spec.choices else "") if spec.kind == "select" else spec.value
        for name, spec in form["fields"].items()
        if spec.kind not in ("checkbox", "radio")
    }


def test_a_huge_panel_count_in_a_script_concordance_draft_is_a_400(app, client, db_session, seeded):
    assert login(client, seeded.instructor.email).status_code == 302
    url = "/studio/questions/new?type=script_concordance"
    data = _studio_defaults(client.get(url).get_data(as_text=True))
    data.update({"key": "sct-huge", "stem": "A stem?", "hypothesis": "h", "new_information": "n"})
    data.pop("action", None)
    data["panel_0"] = HUGE
    before = table_counts(db_session)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "Number is too large." in response.get_data(as_text=True)
    assert table_counts(db_session) == before
