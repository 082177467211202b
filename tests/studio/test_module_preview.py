"""The staff preview of a whole module (issue 12): drawn like an attempt, answered and checked
with keys and feedback, and recording NOTHING (every table counted before and after).

Uses the engine tests' bank (tests/quiz/bank.py): every question type, a two-step case, and
modules with blueprints. ``ZZKEYZZ`` is planted in keys, feedback, explanations and references.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.banks import models as bm
from app.quiz import scoring
from app.quiz.display import to_display
from app.studio import preview as logic
from tests.conftest import csrf_token_from
from tests.quiz.bank import SENTINEL, build_bank
from tests.quiz.test_pages import fields_for
from tests.rowcounts import table_counts, table_rows, without_audit


@pytest.fixture
def bank(db_session: Session, tmp_path) -> Iterator[None]:
    build_bank(db_session, tmp_path / "bank")
    db_session.commit()
    yield


def draw(client, slug: str) -> Any:
    html = client.get(f"/studio/modules/{slug}/preview").get_data(as_text=True)
    return client.post(
        f"/studio/modules/{slug}/preview", data={"csrf_token": csrf_token_from(html)}
    )


def kept(client, slug: str) -> logic.PreviewForm:
    with client.session_transaction() as sess:
        form = logic.PreviewForm.from_session(sess.get(logic.SESSION_KEY), slug)
    assert form is not None
    return form


def key_fields(session: Session, form: logic.PreviewForm, position: int) -> dict[str, Any]:
    found = logic.load_item(session, form, position)
    question = found.question
    key = to_display(question, found.item.display, scoring.key_response(question))
    return fields_for(question.type.value, key)


def answer_values(html: str) -> list[str]:
    """The values of the answer fields (opaque ids...) in the preview form, in page order."""
    form = html.split('id="preview-form"', 1)[1].split("</form>", 1)[0]
    values = re.findall(r'<(?:input|option)[^>]*value="([^"]*)"', form)
    return [v for v in values if v != csrf_token_from(form)]


def check(client, slug: str, position: int, fields: dict[str, Any]) -> Any:
    html = client.get(f"/studio/modules/{slug}/preview/{position}").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html), **fields}
    return client.post(f"/studio/modules/{slug}/preview/{position}", data=data)


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize("role", ["instructor", "admin"])
@pytest.mark.parametrize("slug", ["types-exam", "case-exam"])
def test_a_full_preview_records_nothing(client, login_as, db_session, role, slug):
    """Draw, see every item, check the key everywhere, read the score: no row anywhere."""
    login_as(role)
    before = table_rows(db_session)
    response = draw(client, slug)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/studio/modules/{slug}/preview/1")
    form = kept(client, slug)
    module = db_session.scalar(sa.select(bm.Module).where(bm.Module.slug == slug))
    standalone = [q for q, case, _ in form.items if case is None]
    assert len(standalone) == sum(row["count"] for row in module.blueprint)
    steps = [step for _, case, step in form.items if case is not None]
    assert len({case for _, case, _ in form.items if case}) == sum(
        d["count"] for d in module.case_draws
    )
    assert steps == sorted(steps) and steps[:1] in ([], [1])
    for position in range(1, len(form.items) + 1):
        page = check(client, slug, position, key_fields(db_session, form, position))
        text = page.get_data(as_text=True)
        assert page.status_code == 200, text[:500]
        assert "Correct" in text and SENTINEL in text  # the key and feedback are shown
    summary = client.get(f"/studio/modules/{slug}/preview").get_data(as_text=True)
    n = len(form.items)
    assert f"Checked {n} of {n} items" in summary
    assert "(100.0%)" in summary and "would pass" in summary
    db_session.expire_all()
    assert table_rows(db_session) == before  # not a row inserted, updated or deleted


@pytest.mark.usefixtures("bank")
def test_the_form_is_drawn_by_the_modules_blueprint_from_published_questions(
    client, login_as, db_session
):
    login_as("instructor")
    draw(client, "beta-exam")
    form = kept(client, "beta-exam")
    versions = [db_session.get(bm.QuestionVersion, q) for q, _, _ in form.items]
    assert sorted(v.difficulty.value for v in versions) == ["easy", "easy", "hard"]
    for v in versions:
        question = db_session.get(bm.Question, v.question_id)
        assert question.current_version_id == v.id
        assert question.status.value == "published"
        assert db_session.get(bm.Topic, question.topic_id).slug == "beta"


@pytest.mark.usefixtures("bank")
def test_a_question_is_shown_as_a_trainee_sees_it_and_the_key_only_after_check(
    client, login_as, db_session
):
    login_as("instructor")
    draw(client, "types-exam")
    form = kept(client, "types-exam")
    first = client.get("/studio/modules/types-exam/preview/1").get_data(as_text=True)
    assert SENTINEL not in first  # no key, feedback or explanation before a check
    assert 'id="preview-form"' in first and "Check answer" in first
    # The same page (same opaque ids) on every visit: the display is rebuilt from the seed.
    again = client.get("/studio/modules/types-exam/preview/1").get_data(as_text=True)
    assert answer_values(again) == answer_values(first) != []
    # Every opaque id of the rebuilt display is on the page, and no real option id is.
    for position in range(1, len(form.items) + 1):
        html = client.get(f"/studio/modules/types-exam/preview/{position}").get_data(as_text=True)
        display = logic.load_item(db_session, form, position).item.display
        pairs = [pair for part in display.values() for pair in part]
        assert all(f'"{opaque}"' in html or f'-{opaque}"' in html for opaque, _ in pairs)
        assert not any(f'value="{real}"' in html for _, real in pairs)


@pytest.mark.usefixtures("bank")
def test_a_wrong_answer_scores_zero_and_an_unreadable_one_changes_nothing(
    client, login_as, db_session
):
    login_as("instructor")
    draw(client, "types-exam")
    form = kept(client, "types-exam")
    position = next(
        i + 1
        for i, (q, _, _) in enumerate(form.items)
        if db_session.get(bm.QuestionVersion, q).type.value == "single_choice"
    )
    found = logic.load_item(db_session, form, position)
    key = to_display(found.question, found.item.display, scoring.key_response(found.question))
    wrong = next(o for o, _ in found.item.display["options"] if o != key["choice"])
    page = check(client, "types-exam", position, {"choice": wrong})
    assert page.status_code == 200 and "Incorrect" in page.get_data(as_text=True)
    assert kept(client, "types-exam").scores == {position: 0.0}
    bad = check(client, "types-exam", position, {"choice": "not-an-option"})
    assert bad.status_code == 400
    empty = check(client, "types-exam", position, {})
    assert empty.status_code == 400 and "Choose an answer" in empty.get_data(as_text=True)
    assert kept(client, "types-exam").scores == {position: 0.0}


@pytest.mark.usefixtures("bank")
def test_a_case_step_opens_once_the_step_before_is_checked(client, login_as, db_session):
    login_as("instructor")
    draw(client, "case-exam")
    form = kept(client, "case-exam")
    second = next(i + 1 for i, (_, _, step) in enumerate(form.items) if step == 2)
    hidden = client.get(f"/studio/modules/case-exam/preview/{second}").get_data(as_text=True)
    assert "opens once the step before it is checked" in hidden
    check(client, "case-exam", second - 1, key_fields(db_session, form, second - 1))
    shown = client.get(f"/studio/modules/case-exam/preview/{second}").get_data(as_text=True)
    assert 'id="preview-form"' in shown and "Case:" in shown


@pytest.mark.usefixtures("bank")
def test_without_a_drawn_form_the_items_send_back_to_the_draw(client, login_as):
    login_as("instructor")
    response = client.get("/studio/modules/types-exam/preview/1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/studio/modules/types-exam/preview")
    draw(client, "types-exam")
    # Another module's form is not this one's; a position beyond the form is a 404.
    assert client.get("/studio/modules/beta-exam/preview/1").status_code == 302
    assert client.get("/studio/modules/types-exam/preview/999").status_code == 404
    assert client.get("/studio/modules/no-such-module/preview").status_code == 404


@pytest.mark.usefixtures("bank")
def test_trainees_cannot_preview(client, login_as, db_session):
    login_as("trainee")
    before = table_counts(db_session)
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.get("/studio/modules/types-exam/preview").status_code == 403
    assert client.get("/studio/modules/types-exam/preview/1").status_code == 403
    posted = client.post("/studio/modules/types-exam/preview", data={"csrf_token": token})
    assert posted.status_code == 403
    with client.session_transaction() as sess:
        assert logic.SESSION_KEY not in sess
    after = table_counts(db_session)
    # A refusal is audited (access.denied); nothing else is written.
    assert without_audit(after) == without_audit(before)


def test_the_kept_form_is_read_defensively():
    assert logic.PreviewForm.from_session(None, "m") is None
    assert logic.PreviewForm.from_session({"slug": "other"}, "m") is None
    assert logic.PreviewForm.from_session({"slug": "m", "items": [["x", 1, 2]]}, "m") is None
    form = logic.PreviewForm("m", "seed", [(1, None, None), (2, 5, 1)], {2: 1.0})
    assert logic.PreviewForm.from_session(form.to_session(), "m") == form
    assert form.percent == 50.0


def test_the_largest_form_fits_in_a_session_cookie(app):
    """MAX_ITEMS checked items, with the login's own keys, stay well under a browser's 4 KB."""
    items = [
        (90000 + i, 9000 + i if i % 3 == 0 else None, 1 if i % 3 == 0 else None)
        for i in range(logic.MAX_ITEMS)
    ]
    scores = {i + 1: 0.333333 for i in range(logic.MAX_ITEMS)}
    form = logic.PreviewForm("a-module-with-a-long-slug", "f" * 32, items, scores)
    data = {"_user_id": "123456:12", "_fresh": True, "_id": "a" * 128, "csrf_token": "b" * 40}
    data[logic.SESSION_KEY] = form.to_session()
    cookie = app.session_interface.get_signing_serializer(app).dumps(data)
    assert len(cookie) < 3000


@pytest.mark.usefixtures("bank")
def test_a_module_drawing_more_than_a_preview_holds_is_refused(
    client, login_as, db_session, monkeypatch
):
    login_as("instructor")
    monkeypatch.setattr(logic, "MAX_ITEMS", 2)
    before = table_counts(db_session)
    response = draw(client, "types-exam")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/studio/modules/types-exam/preview")
    with client.session_transaction() as sess:
        assert logic.SESSION_KEY not in sess
    page = client.get("/studio/modules/types-exam/preview").get_data(as_text=True)
    assert "a preview holds 2" in page
    assert table_counts(db_session) == before


@pytest.mark.usefixtures("bank")
def test_the_studio_links_each_module_to_its_preview(client, login_as):
    login_as("instructor")
    index = client.get("/studio/").get_data(as_text=True)
    assert 'href="/studio/modules/types-exam/preview"' in index
    assert 'href="/studio/modules/case-practice/preview"' in index
    analysis = client.get("/studio/modules/types-exam/analysis").get_data(as_text=True)
    assert 'href="/studio/modules/types-exam/preview"' in analysis
