"""Issue 18 (the studio): plain-language errors linked to their fields, a duplicate key that
keeps the draft, generated option ids, pagination and search, standard setting item by item."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.banks import models as bm
from tests.studio.conftest import single_choice
from tests.studio.test_workflow import post, sc_form, two  # noqa: F401  (fixture)


def _summary(html: str) -> str:
    return html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]


def test_a_bad_key_is_a_sentence_linked_to_the_key_field(two, client, build):  # noqa: F811
    form = sc_form("Bad Key!", build.topic.id)
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    summary = _summary(html)
    assert 'href="#key"' in summary
    assert "Key: use lower-case letters, digits and hyphens" in summary
    assert "pattern" not in html and "^[a-z0-9]" not in html
    assert re.search(r'<input[^>]*aria-describedby="key-error"[^>]*aria-invalid="true"', html)
    assert 'id="key-error"' in html
    assert 'value="Median"' in html  # the rest of the draft is shown again as typed


def test_an_empty_option_text_links_to_that_option(two, client, build):  # noqa: F811
    form = sc_form("ux-empty-opt", build.topic.id)
    form["options-1-text"] = ""
    html = post(client, "/studio/questions/new", form).get_data(as_text=True)
    summary = _summary(html)
    assert 'href="#options-1-text"' in summary
    assert "this is required" in summary and "String should" not in html


def test_a_duplicate_key_is_a_field_error_and_the_draft_is_kept(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    build.question(single_choice("ux-dup"))
    db_session.commit()
    form = sc_form("ux-dup", build.topic.id, stem="A brand new stem typed by the author")
    form["options-1-text"] = "Radial (typed)"
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "“ux-dup” is already the key of another question" in _summary(html)
    assert 'href="#key"' in _summary(html)
    assert "A brand new stem typed by the author" in html
    assert 'value="Radial (typed)"' in html and 'value="ux-dup"' in html
    count = db_session.scalar(
        sa.select(sa.func.count()).select_from(bm.Question).where(bm.Question.key == "ux-dup")
    )
    assert count == 1
