"""Studio pages render for staff (smoke), including the analysis of a module with attempts."""

from __future__ import annotations

import re

import pytest

from app.banks.schema import QuestionType
from tests import factories
from tests.studio.conftest import single_choice


@pytest.mark.parametrize("qtype", [t.value for t in QuestionType])
def test_new_question_page_renders_for_every_type(qtype, client, login_as):
    login_as("instructor")
    r = client.get(f"/studio/questions/new?type={qtype}")
    assert r.status_code == 200 and "Save draft" in r.get_data(as_text=True)


def test_index_question_and_analysis_pages_render(client, login_as, build, db_session):
    v = build.question(single_choice("pg-q1"))
    module = build.module(slug="pg-exam", count=1)
    for choice in "aabc":
        user = factories.make_user("trainee")
        build.attempt(user, module, [(v, 1.0 if choice == "a" else 0.0, {"choice": choice})])
    login_as("admin")
    assert "pg-q1" in client.get("/studio/").get_data(as_text=True)
    assert "version 1" in client.get(f"/studio/questions/{v.question_id}").get_data(as_text=True)
    page = client.get("/studio/modules/pg-exam/analysis").get_data(as_text=True)
    assert "pg-q1 v1" in page and "nonfunctional distractor:d" in page
    assert "exposure (trainees served)" in page
    assert re.search(r"pg-q1 v1</a></th>\s*<td>4</td>", page)  # four trainees served it
    assert client.get("/studio/modules/pg-exam/standard-setting").status_code == 200
