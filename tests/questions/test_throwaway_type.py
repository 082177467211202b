"""A type defined only in the tests goes the whole way: YAML import, an attempt (the answer
page, save, submit, score, the result page), a YAML export and the studio's question form
(new question, saved draft, the draft shown again), through the registry alone.

Each step is one function taking the ``Journey`` so far; a new step is one more function and
one more line in the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from jinja2 import ChoiceLoader, DictLoader

from app.banks import models as bm
from app.banks.schema import QUESTION_ADAPTER, QuestionType
from app.banks.services import export_bank, import_directory
from app.quiz import scoring
from app.quiz.models import Attempt, AttemptItem, AttemptStatus
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.questions import throwaway_type

BANK = {
    "topics": [{"id": "numbers", "title": "Numbers"}],
    "questions": [
        {
            "key": "pick-seven",
            "type": "throwaway",
            "topic": "numbers",
            "status": "published",
            "use": "practice",  # its review shows the type's feedback partial
            "stem": "Which number is **seven**?",
            "explanation": "Seven is seven.",
            "references": ["Counting 2020. Numbers. Journal."],
            "numbers": [3, 7, 11],
            "answer": 7,
        }
    ],
    "modules": [
        {
            "slug": "numbers-practice",
            "title": "Numbers practice",
            "mode": "practice",
            "blueprint": [{"topic": "numbers", "count": 1}],
        }
    ],
    # Trainees see the modules of their programs (the test trainee is enrolled by default).
    "programs": [
        {
            "slug": "numbers",
            "title": "Numbers",
            "modules": ["numbers-practice"],
            "validity_months": 12,
            "ce_hours": 1,
        }
    ],
}


@pytest.fixture
def throwaway(app) -> Iterator[None]:
    """The type registered, and its partials served from the test side; both undone after."""
    throwaway_type.install()
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader(throwaway_type.TEMPLATES), original])
    try:
        yield
    finally:
        app.jinja_env.loader = original
        throwaway_type.uninstall()


@dataclass
class Journey:
    client: Any
    db_session: Any
    bank_dir: Path
    attempt_id: int = 0
    notes: dict[str, Any] = field(default_factory=dict)


def import_yaml(j: Journey) -> None:
    j.bank_dir.mkdir()
    (j.bank_dir / "numbers.yaml").write_text(yaml.safe_dump(BANK, sort_keys=False))
    import_directory(j.db_session, j.bank_dir)
    j.db_session.commit()
    version = j.db_session.scalars(
        sa.select(bm.QuestionVersion).join(bm.Question, bm.Question.key == "pick-seven")
    ).one()
    assert version.type == "throwaway" and version.content["numbers"] == [3, 7, 11]
    assert isinstance(version.as_question(), throwaway_type.PickNumber)


def take_attempt(j: Journey) -> None:
    html = j.client.get("/modules/numbers-practice").get_data(as_text=True)
    response = j.client.post(
        "/modules/numbers-practice/start", data={"csrf_token": csrf_token_from(html)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    j.attempt_id = int(re.search(r"/attempts/(\d+)/", response.headers["Location"]).group(1))

    page = j.client.get(f"/attempts/{j.attempt_id}/items/1").get_data(as_text=True)
    assert "Pick the number" in page and "Which number is" in page
    # The partial shows opaque ids, never the numbers themselves as values.
    found = re.findall(r'name="pick" id="[^"]+" value="([^"]+)">\s*<label[^>]*>(\d+)</label>', page)
    picks = {label: opaque for opaque, label in found}
    assert set(picks) == {"3", "7", "11"} and not set(picks.values()) & {"3", "7", "11"}
    seq = re.search(r'name="seq" value="(\d+)"', page).group(1)
    saved = j.client.post(
        f"/attempts/{j.attempt_id}/items/1",
        data={
            "csrf_token": csrf_token_from(page),
            "seq": seq,
            "action": "save",
            "pick": picks["7"],
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]
    j.db_session.expire_all()
    item = j.db_session.scalars(
        sa.select(AttemptItem).where(AttemptItem.attempt_id == j.attempt_id)
    ).one()
    assert item.response == {"pick": 7}  # canonical: the question's own number
    again = j.client.get(f"/attempts/{j.attempt_id}/items/1").get_data(as_text=True)
    assert f'value="{picks["7"]}" checked' in again

    summary = j.client.get(f"/attempts/{j.attempt_id}/summary").get_data(as_text=True)
    submitted = j.client.post(
        f"/attempts/{j.attempt_id}/submit",
        data={"csrf_token": csrf_token_from(summary), "confirm": "y"},
    )
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:400]
    j.db_session.expire_all()
    attempt = j.db_session.get(Attempt, j.attempt_id)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.score == attempt.max_score == 1.0
    result = j.client.get(f"/attempts/{j.attempt_id}/result").get_data(as_text=True)
    assert '<span class="throwaway-key">7</span>' in result  # the type's feedback partial


def export_yaml(j: Journey) -> None:
    data, skipped = export_bank(j.db_session, "yaml", "numbers")
    assert skipped == []
    exported = yaml.safe_load(data)["questions"]
    assert [(q["key"], q["type"], q["numbers"], q["answer"]) for q in exported] == [
        ("pick-seven", "throwaway", [3, 7, 11], 7)
    ]
    j.notes["exported"] = exported


def write_in_studio(j: Journey) -> None:
    """An instructor (another browser) writes a question of the type in the studio."""
    instructor = factories.make_user("instructor")
    j.db_session.commit()
    studio = j.client.application.test_client()
    assert login(studio, instructor.email).status_code == 302
    page = studio.get("/studio/questions/new?type=throwaway").get_data(as_text=True)
    assert "New pick the number question" in page and 'name="numbers"' in page
    assert '<option value="throwaway"' in studio.get("/studio/").get_data(as_text=True)
    topic = j.db_session.scalars(sa.select(bm.Topic).where(bm.Topic.slug == "numbers")).one()
    form = {
        "csrf_token": csrf_token_from(page),
        "type": "throwaway",
        "key": "pick-eight",
        "topic_id": str(topic.id),
        "stem": "Which number is eight?",
        "references": "Counting 2020. Numbers. Journal.",
        "numbers": "3\n8",
        "pick_answer": "9",
        "save": "Save draft",
    }
    refused = studio.post("/studio/questions/new", data=form)
    assert refused.status_code == 400  # the model's rule, shown on the type's own field
    assert "must be one of the numbers" in refused.get_data(as_text=True)
    saved = studio.post("/studio/questions/new", data={**form, "pick_answer": "8"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]
    j.db_session.expire_all()
    version = j.db_session.scalars(
        sa.select(bm.QuestionVersion)
        .join(bm.Question, bm.QuestionVersion.question_id == bm.Question.id)
        .where(bm.Question.key == "pick-eight")
    ).one()
    assert version.type == "throwaway"
    assert (version.content["numbers"], version.content["answer"]) == ([3, 8], 8)
    again = studio.get(saved.headers["Location"]).get_data(as_text=True)
    assert re.search(r'name="numbers"[^>]*>\s*3\n8</textarea>', again)
    assert 'name="pick_answer" type="number" value="8"' in again


def test_a_type_defined_in_the_tests_goes_from_import_to_export(
    throwaway, client, login_as, db_session, tmp_path
):
    login_as("trainee")
    journey = Journey(client=client, db_session=db_session, bank_dir=tmp_path / "bank")
    import_yaml(journey)
    take_attempt(journey)
    export_yaml(journey)
    write_in_studio(journey)


def test_the_throwaway_type_is_a_type_like_the_others(throwaway):
    assert "throwaway" in QuestionType and QuestionType.THROWAWAY == "throwaway"
    question = QUESTION_ADAPTER.validate_python(
        {**BANK["questions"][0], "status": "draft", "topic": None}
    )
    assert scoring.key_response(question) == {"pick": 7}
    assert scoring.score(question, {"pick": 7}).is_correct
    with pytest.raises(scoring.ResponseInvalid):
        scoring.validate_response(question, {"pick": 8})


def test_unregistered_the_throwaway_type_is_unknown_again():
    assert "throwaway" not in QuestionType
    assert "throwaway" not in scoring.RULES
