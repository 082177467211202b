"""Every question type authored through the form equals its YAML twin; XSS never survives."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
import yaml
from PIL import Image

from app.banks import models as bm
from app.banks.schema import QUESTION_ADAPTER, content_hash
from app.quiz import presenters
from app.quiz.display import new_display as _display
from app.quiz.models import AttemptItem
from app.studio import services
from tests import factories
from tests.conftest import csrf_token_from, login

BASE = {
    "title": "",
    "explanation": "Explained.",
    "references": "Ref A\nRef B",
    "objective": "",
    "difficulty": "hard",
    "tags": "t1, t2",
    "save": "Save draft",
}


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


CASES = {
    "single_choice": (
        {
            "options-0-id": "a", "options-0-text": "One", "options-0-correct": "y",
            "options-0-feedback": "Yes",
            "options-1-id": "b", "options-1-text": "Two", "options-1-feedback": "",
            "shuffle": "y",
        },
        """
options:
  - {id: a, text: One, correct: true, feedback: "Yes"}
  - {id: b, text: Two}
""",
    ),
    "multiple_response": (
        {
            "options-0-id": "a", "options-0-text": "One", "options-0-correct": "y",
            "options-1-id": "b", "options-1-text": "Two", "options-1-correct": "y",
            "options-2-id": "c", "options-2-text": "Three",
        },
        """
shuffle: false
options:
  - {id: a, text: One, correct: true}
  - {id: b, text: Two, correct: true}
  - {id: c, text: Three}
""",
    ),
    "true_false": (
        {"tf_answer": "false", "feedback_true": "No.", "feedback_false": "Right."},
        "answer: false\nfeedback_true: 'No.'\nfeedback_false: Right.\n",
    ),
    "matching": (
        {
            "pairs-0-premise": "P1", "pairs-0-answer": "A1",
            "pairs-1-premise": "P2", "pairs-1-answer": "A2",
            "distractors": "D1\nD2",
        },
        """
pairs:
  - {premise: P1, answer: A1}
  - {premise: P2, answer: A2}
distractors: [D1, D2]
""",
    ),
    "ordering": (
        {"items-0-text": "First", "items-1-text": "Second", "items-2-text": "Third"},
        "items: [First, Second, Third]\n",
    ),
    "numeric": (
        {"numeric_answer": "2.5", "tolerance": "0.1", "unit": "cm"},
        "answer: 2.5\ntolerance: 0.1\nunit: cm\n",
    ),
    "short_answer": (
        {"answers": "median nerve\nmedian*", "case_sensitive": ""},
        "answers: [median nerve, median*]\n",
    ),
    "script_concordance": (
        {
            "hypothesis": "Radiculopathy", "new_information": "Negative Spurling",
            "panel_m2": "1", "panel_m1": "6", "panel_0": "3", "panel_p1": "0", "panel_p2": "0",
        },
        "hypothesis: Radiculopathy\nnew_information: Negative Spurling\npanel: [1, 6, 3, 0, 0]\n",
    ),
    "hotspot": (
        {
            "image_alt": "A diagram",
            "regions-0-id": "r1", "regions-0-label": "Left", "regions-0-correct": "y",
            "regions-0-points": "0.1,0.1 0.4,0.1 0.4,0.4",
            "regions-1-id": "r2", "regions-1-label": "Right",
            "regions-1-points": "0.6,0.1 0.9,0.1 0.9,0.4",
        },
        """
image_alt: A diagram
regions:
  - {id: r1, label: Left, correct: true, points: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4]]}
  - {id: r2, label: Right, points: [[0.6, 0.1], [0.9, 0.1], [0.9, 0.4]]}
""",
    ),
}  # fmt: skip


@pytest.fixture
def instructor(client, db_session):
    user = factories.make_user("instructor")
    db_session.commit()
    assert login(client, user.email).status_code == 302
    return user


def _post_new(client, qtype, data):
    token = csrf_token_from(
        client.get(f"/studio/questions/new?type={qtype}").get_data(as_text=True)
    )
    return client.post(
        f"/studio/questions/new?type={qtype}", data={**data, "type": qtype, "csrf_token": token}
    )


@pytest.mark.parametrize("qtype", list(CASES))
def test_each_type_authored_in_the_form_equals_its_yaml_twin(
    qtype, instructor, client, build, db_session
):
    fields, twin_yaml = CASES[qtype]
    key = f"au-{qtype.replace('_', '-')}"
    data = {**BASE, **fields, "key": key, "topic_id": str(build.topic.id), "stem": "A *stem*"}
    twin = {
        "key": key, "type": qtype, "stem": "A *stem*", "explanation": "Explained.",
        "references": ["Ref A", "Ref B"], "difficulty": "hard", "tags": ["t1", "t2"],
        **yaml.safe_load(twin_yaml),
    }  # fmt: skip
    if qtype == "hotspot":
        media = services.upload_image(db_session, instructor, _png(), "d.png")
        db_session.commit()
        data["image"] = twin["image"] = f"{media.sha256}.png"  # referred to by hash
    response = _post_new(client, qtype, data)
    assert response.status_code == 302, re.findall(
        r"<li>(.*?)</li>", response.get_data(as_text=True)
    )
    row = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == key))
    authored = row.current_version.as_question()
    expected = QUESTION_ADAPTER.validate_python(twin)
    assert content_hash(authored) == content_hash(expected)
    # And the trainee sees the same thing from both.
    rng_item = AttemptItem(
        id=1, position=1, display=_display(expected, __import__("random").Random(1))
    )
    rng_item.response, rng_item.seq, rng_item.flagged, rng_item.locked = None, 0, False, False
    assert presenters.item_view(rng_item, authored) == presenters.item_view(rng_item, expected)


XSS = (
    'Hello <script>alert(1)</script> <img src=x onerror="alert(2)"> '
    '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a> <svg onload=alert(5)>'
    '<iframe src="https://evil.example"></iframe>'
)


def _no_xss(html: str) -> None:
    low = html.lower()
    assert "<script>alert(1)" not in low
    assert "onerror" not in low and "onload" not in low
    assert not re.search(r"(href|src)\s*=\s*[\"']?\s*javascript:", low)  # inert text may stay
    assert "<iframe" not in low and "<svg" not in low


def test_script_onerror_and_javascript_links_are_gone_for_trainee_and_studio(
    instructor, client, build, db_session
):
    data = {**BASE, **CASES["single_choice"][0], "key": "au-xss", "stem": XSS}
    data["topic_id"] = str(build.topic.id)
    response = _post_new(client, "single_choice", data)
    assert response.status_code == 302
    row = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "au-xss"))
    question = row.current_version.as_question()
    item = AttemptItem(id=1, position=1, display=_display(question, __import__("random").Random(1)))
    item.response, item.seq, item.flagged, item.locked = None, 0, False, False
    view = presenters.item_view(item, question)
    _no_xss(view["stem_html"])
    assert "Hello" in view["stem_html"]
    revision_page = client.get(response.headers["Location"].replace("/edit", ""))
    assert revision_page.status_code == 200
    page = revision_page.get_data(as_text=True)
    preview = page.split('aria-label="Trainee preview"', 1)[1].split("</section>", 1)[0]
    _no_xss(preview)
    assert "nonce-" in revision_page.headers["Content-Security-Policy"]
    token = csrf_token_from(client.get("/studio/").get_data(as_text=True))
    live = client.post("/studio/preview", json={"text": XSS}, headers={"X-CSRFToken": token})
    assert live.status_code == 200
    _no_xss(live.get_json()["html"])
    no_token = client.post("/studio/preview", json={"text": XSS})
    assert no_token.status_code == 400
