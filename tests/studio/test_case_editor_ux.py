"""Issue 18 for the case editor: a taken step or case key is a field error that keeps the
draft, objectives are picked from the modules' list, and a draft case is previewed as a
trainee sees it (step by step, through each type's partials) without saving anything."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.banks import models as bm
from tests.studio.test_cases import _create, case_form, two  # noqa: F401  (fixture)
from tests.studio.test_workflow import post


def _summary(html: str) -> str:
    return html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]


def _count(db_session, model, key: str) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model).where(model.key == key))


def test_a_taken_step_key_is_a_field_error_on_that_step_and_keeps_the_draft(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    build.question(
        {"key": "cx-taken", "type": "true_false", "stem": "S", "references": ["R"], "answer": True}
    )
    db_session.commit()
    typed = {"steps-1-question-key": "cx-taken", "vignette": "A vignette typed by the author"}
    r = post(client, "/studio/cases/new", case_form("cx-new", build.topic.id, **typed))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    summary = _summary(html)
    assert "“cx-taken” is already the key of another question" in summary
    assert 'href="#steps-1-question-key"' in summary
    assert 'id="steps-1-question-key-error"' in html
    assert re.search(
        r'<input[^>]*aria-describedby="steps-1-question-key-error"[^>]*aria-invalid="true"', html
    )
    assert 'id="key-error"' not in html  # not the case's key
    assert "A vignette typed by the author" in html and 'value="Gluteus medius"' in html
    assert _count(db_session, bm.Case, "cx-new") == 0
    assert _count(db_session, bm.Question, "cx-taken") == 1


def test_a_taken_step_key_on_an_existing_draft_is_a_field_error_too(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    rid = _create(client, build, key="cx-edit")
    build.question(
        {"key": "cx-other", "type": "true_false", "stem": "S", "references": ["R"], "answer": True}
    )
    db_session.commit()
    form = case_form("cx-edit", build.topic.id, **{"steps-0-question-key": "cx-other"})
    r = post(client, f"/studio/case-revisions/{rid}/edit", form)
    assert r.status_code == 422
    summary = _summary(r.get_data(as_text=True))
    assert 'href="#steps-0-question-key"' in summary and "“cx-other”" in summary


def test_a_taken_case_key_is_a_field_error_on_the_key(two, client, build, db_session):  # noqa: F811
    _create(client, build, key="cx-dup")
    form = case_form("cx-dup", build.topic.id, title="A title typed again")
    form["steps-0-question-key"] = "cx-dup-a"
    form["steps-1-question-key"] = "cx-dup-b"
    r = post(client, "/studio/cases/new", form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'href="#key"' in _summary(html) and "“cx-dup” is already the key of another case" in html
    assert 'value="A title typed again"' in html
    assert _count(db_session, bm.Case, "cx-dup") == 1


def test_step_objectives_are_picked_from_the_modules_objectives(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    module = build.module(slug="cx-obj-exam")
    module.objectives = [
        {"id": "saf-pneumothorax", "text": "Avoid the pleura over the thorax", "competency": "x"}
    ]
    db_session.commit()
    html = client.get("/studio/cases/new").get_data(as_text=True)
    form = case_form("cx-obj", build.topic.id)
    form.pop("save")
    added = post(client, "/studio/cases/new", {**form, "action": "add:steps"})
    for page in (html, added.get_data(as_text=True)):
        assert '<datalist id="objective-options">' in page
        assert (
            '<option value="saf-pneumothorax">saf-pneumothorax: Avoid the pleura over the thorax'
            in page
        )
    steps = re.findall(r'<input[^>]*name="(steps-\d+-question-objective)"[^>]*>', added.text)
    assert steps == [
        "steps-0-question-objective",
        "steps-1-question-objective",
        "steps-2-question-objective",
    ]
    for tag in re.findall(r'<input[^>]*name="steps-\d+-question-objective"[^>]*>', added.text):
        assert 'list="objective-options"' in tag
    rid = _create(
        client, build, key="cx-obj2", **{"steps-0-question-objective": "saf-pneumothorax"}
    )
    page = client.get(f"/studio/case-revisions/{rid}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*list="objective-options"[^>]*value="saf-pneumothorax"', page)


def _preview(client, url: str, form: dict[str, str]):
    form = {**form, "action": "preview"}
    form.pop("save")
    return post(client, url, form)


def test_preview_shows_the_draft_case_step_by_step_and_saves_nothing(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    r = _preview(client, "/studio/cases/new", case_form("cx-preview", build.topic.id))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    section = html.split('id="draft-preview"', 1)[1]
    assert "<strong>runner</strong>" in section  # the vignette as rendered Markdown
    first, second = section.split("Step 1 of 2", 1)[1].split("Step 2 of 2", 1)
    assert 'class="trainee-preview"' in first and "Gluteus medius" in first
    assert "<em>most</em>" in first  # the stem, rendered
    assert "<em>lying</em>" in second  # the disclosure opens the second step
    assert 'class="trainee-preview"' in second and "Lying on the side" in second
    assert "Correct answer" not in section and "Referral pattern" not in section  # no key
    assert 'value="Gluteus medius"' in html  # the form is kept as typed
    assert _count(db_session, bm.Case, "cx-preview") == 0
    assert _count(db_session, bm.Question, "cx-preview-s1") == 0


def test_preview_of_an_existing_draft_saves_nothing_and_a_bad_draft_shows_errors(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    rid = _create(client, build, key="cx-prev2")
    url = f"/studio/case-revisions/{rid}/edit"
    form = case_form("cx-prev2", build.topic.id, vignette="A changed vignette, not saved")
    r = _preview(client, url, form)
    assert r.status_code == 200 and "A changed vignette, not saved" in r.text
    vignettes = db_session.scalars(
        sa.select(bm.CaseVersion.vignette)
        .join(bm.Case, bm.Case.id == bm.CaseVersion.case_id)
        .where(bm.Case.key == "cx-prev2")
    ).all()
    assert vignettes and "A changed vignette, not saved" not in vignettes
    bad = _preview(client, url, {**form, "steps-0-question-options-1-text": ""})
    assert bad.status_code == 400
    assert 'id="draft-preview"' not in bad.text and 'href="#steps-0-question-options-1-text"' in (
        _summary(bad.text)
    )
