"""The studio's question and case forms carry ``use`` (practice | exam), and a change of use
goes through the review workflow like any other content change (issue 12)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.banks import models as bm
from app.banks.schema import Case
from app.studio.forms import CaseForm
from tests.studio.conftest import single_choice
from tests.studio.test_workflow import post, sc_form, switch, two  # noqa: F401 (fixture)


def test_a_question_is_created_with_its_use_and_a_change_of_use_needs_a_reviewer(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    a, b = two
    created = post(
        client, "/studio/questions/new", {**sc_form("use-q", build.topic.id), "use": "practice"}
    )
    assert created.status_code == 302
    row = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "use-q"))
    assert row.current_version.use.value == "practice"
    assert row.current_version.content["use"] == "practice"

    published = build.question(single_choice("use-pub"))  # exam: the default
    assert published.use.value == "exam"
    db_session.commit()
    r = post(client, f"/studio/questions/{published.question_id}/revise", {})
    rid = int(re.search(r"/revisions/(\d+)/edit", r.headers["Location"]).group(1))
    form = {**sc_form("use-pub", build.topic.id), "use": "practice"}
    assert post(client, f"/studio/revisions/{rid}/edit", form).status_code == 302
    question = db_session.get(bm.Question, published.question_id)
    db_session.refresh(question)
    assert question.current_version.use.value == "exam"  # the draft changes nothing yet
    assert post(client, f"/studio/revisions/{rid}/submit", {}).status_code == 302
    own = post(client, f"/studio/revisions/{rid}/review", {"approve": "y", "comment": "ok"})
    assert own.status_code == 403  # not on the author's word alone
    switch(client, b)
    approved = post(client, f"/studio/revisions/{rid}/review", {"approve": "y", "comment": "ok"})
    assert approved.status_code == 302
    db_session.refresh(question)
    assert question.current_version.use.value == "practice"


def test_the_case_form_gives_every_step_the_case_use(app):
    case = Case.model_validate(
        {
            "key": "fc",
            "title": "T",
            "vignette": "V",
            "use": "exam",
            "steps": [{"question": single_choice(f"fc-s{i}")} for i in (1, 2)],
        }
    )
    with app.test_request_context():
        form = CaseForm(formdata=None, meta={"csrf": False})
        form.fill(case)
        assert form.use.data == "exam"
        form.use.data = "practice"
        changed = form.to_case()
    assert changed is not None
    assert changed.use.value == "practice"
    assert {s.question.use.value for s in changed.steps} == {"practice"}
