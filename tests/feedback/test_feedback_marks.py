"""Feedback at a glance (issue 18): every question type marks its options, pairs, positions or
regions where they stand, with icons AND words (never colour alone), and the verdict is the
element the page lands on after "Check answer"."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from flask import render_template_string

from app.banks.schema import question_models
from app.quiz import scoring
from app.quiz.display import new_display, to_display
from app.quiz.models import AttemptItem
from app.quiz.presenters import feedback_view, item_view
from tests.quiz.bank import type_questions

PAGE = """{% from "quiz/_question.html" import answer_fields %}
{% from "quiz/_feedback.html" import feedback_block %}
{{ answer_fields(view, disabled=True, prefix="t") }}{{ feedback_block(view, focus=True) }}"""

WORDS = {
    "right": "Your answer — correct",
    "wrong": "Your answer — incorrect",
    "key": "Correct answer",
    "missed": "You did not choose this correct option",
    "partial": "Your answer — partly correct",
}
ICONS = {"right": "✓", "wrong": "✗", "key": "✓", "missed": "✓", "partial": "◐"}


def _question(key: str) -> Any:
    data = next(q for q in type_questions() if q["key"] == key)
    return question_models()[data["type"]].model_validate({**data, "topic": "alpha"})


def _render(app, key: str, response_of) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The answered, checked item of ``key`` rendered; ``response_of(question, display)`` gives
    the canonical response (question ids)."""
    question = _question(key)
    display = new_display(question, random.Random(3))
    canonical = response_of(question, display)
    item = AttemptItem(
        id=0,
        position=1,
        seq=0,
        flagged=False,
        locked=True,
        response=canonical,
        display=display,
        max_score=1.0,
    )
    view = item_view(item, question, media_url="/media/x.svg")
    view["response"] = to_display(question, display, canonical) if canonical else None
    view["feedback"] = feedback_view(item, question)
    with app.test_request_context("/"):
        html = render_template_string(PAGE, view=view)
    return html, view


def _marks(html: str) -> list[str]:
    """The kinds of marks in the order they appear (fb-mark-<kind>)."""
    return re.findall(r'class="fb-mark fb-mark-(\w+)"', html)


def _assert_words_and_icons(html: str) -> None:
    """Every mark says what it means in words and has its icon (colour is not the signal)."""
    found = re.findall(
        r'<span class="fb-mark fb-mark-(\w+)"><span class="fb-icon" aria-hidden="true">(.)</span>'
        r" ([^<]+)</span>",
        html,
    )
    assert len(found) == len(_marks(html)) > 0
    for kind, icon, words in found:
        assert icon == ICONS[kind] and words.strip() == WORDS[kind], (kind, icon, words)


def _key(question, display):  # type: ignore[no-untyped-def]
    return scoring.key_response(question)


def test_single_choice_wrong_answer_marks_both_options_in_place(app):
    def wrong(question, display):  # type: ignore[no-untyped-def]
        return {"choice": next(o.id for o in question.options if not o.correct)}

    html, view = _render(app, "sc", wrong)
    assert sorted(_marks(html)) == ["key", "wrong"]
    _assert_words_and_icons(html)
    # marked where they stand: inside the option's row, after its label, not in a second list
    chosen = view["response"]["choice"]
    row = re.search(rf'<div class="choice fb-wrong"><input[^>]+value="{chosen}"', html)
    assert row, html
    assert "option-feedback" not in html and html.count("Option 0") == 1
    assert "Feedback 0" in html  # the author's note for each option is kept, beside it
    assert 'id="verdict" tabindex="-1"' in html and "Incorrect" in html


def test_single_choice_right_answer(app):
    html, _ = _render(app, "sc", _key)
    assert _marks(html) == ["right"]
    assert 'class="verdict verdict-correct" id="verdict" tabindex="-1"' in html


def test_multiple_response_marks_a_missed_correct_option(app):
    def one_of_two(question, display):  # type: ignore[no-untyped-def]
        right = [o.id for o in question.options if o.correct]
        wrong = [o.id for o in question.options if not o.correct]
        return {"choices": [right[0], wrong[0]]}

    html, _ = _render(app, "mr", one_of_two)
    assert sorted(_marks(html)) == ["missed", "right", "wrong"]
    _assert_words_and_icons(html)
    assert "verdict-partial" in html or "verdict-wrong" in html


def test_true_false_marks_the_key_and_the_wrong_choice(app):
    html, _ = _render(app, "tf", lambda q, d: {"value": False})
    assert sorted(_marks(html)) == ["key", "wrong"]
    assert re.search(
        r'value="true"[^>]*>\s*<label[^>]*>True</label> <span class="fb-mark fb-mark-key"', html
    )


def test_matching_marks_each_pair_and_gives_the_right_match(app):
    def two_swapped(question, display):  # type: ignore[no-untyped-def]
        key = dict(scoring.key_response(question)["pairs"])
        premises = list(key)
        key[premises[0]], key[premises[1]] = key[premises[1]], key[premises[0]]
        return {"pairs": key}

    html, _ = _render(app, "ma", two_swapped)
    assert sorted(_marks(html)) == ["right", "right", "wrong", "wrong"]
    _assert_words_and_icons(html)
    assert html.count("Correct match:") == 2
    assert "Correct match: Answer A" in html and "Correct match: Answer B" in html
    assert "verdict-partial" in html


def test_ordering_marks_each_position_and_shows_the_right_order(app):
    def first_two_swapped(question, display):  # type: ignore[no-untyped-def]
        order = list(scoring.key_response(question)["order"])
        order[0], order[1] = order[1], order[0]
        return {"order": order}

    html, _ = _render(app, "or", first_two_swapped)
    assert _marks(html) == ["wrong", "wrong", "right", "right"]
    _assert_words_and_icons(html)
    assert "Correct position: 2" in html and "Correct position: 1" in html
    assert "The correct order:" in html
    assert "data-ordering" not in html  # no move buttons on a checked answer


def test_hotspot_draws_the_answer_region_and_the_trainees_point(app):
    html, view = _render(app, "ho", lambda q, d: {"point": {"x": 0.75, "y": 0.5}})
    assert '<svg class="hotspot-overlay"' in html
    polygon = re.search(r'<polygon class="hotspot-key-region" points="([^"]+)"', html).group(1)
    points = [tuple(float(v) for v in p.split(",")) for p in polygon.split()]
    assert points == [(0, 0), (0.5, 0), (0.5, 1), (0, 1)]  # the correct region only
    assert html.count('class="hotspot-your-point"') == 2 and 'x1="0.725"' in html
    assert sorted(_marks(html)) == ["key", "wrong"]  # regions marked in place
    assert "Answer region" in html and "Your point" in html


def test_numeric_shows_the_accepted_answer_beside_the_trainees(app):
    html, _ = _render(app, "nu", lambda q, d: {"value": 25.0})
    assert _marks(html) == ["wrong"]
    assert re.search(
        r'value="25".*?Your answer — incorrect.*?Accepted answer: 20 mm \(± 2\)', html, re.S
    )
    html, _ = _render(app, "nu", lambda q, d: {"value": 21.0})
    assert _marks(html) == ["right"]


def test_short_answer_shows_the_accepted_answers(app):
    html, _ = _render(app, "sa", lambda q, d: {"text": "trigger"})
    assert _marks(html) == ["wrong"]
    assert "Accepted answers: " in html and "ltr" in html


def test_script_concordance_marks_the_panels_answer_and_the_credit_of_the_trainees(app):
    html, _ = _render(app, "sct", lambda q, d: {"value": 0})  # 2 of 6 panellists: partial
    assert sorted(_marks(html)) == ["key", "partial"]
    _assert_words_and_icons(html)
    assert "Expert panel answers" in html


@pytest.mark.parametrize("key", ["sc", "mr", "tf", "ma", "or", "nu", "ho", "sa", "sct"])
def test_every_type_right_answer_is_green_and_says_so(app, key):
    html, _ = _render(app, key, _key)
    assert "verdict-correct" in html and "✓" in html and "Correct" in html
    assert "fb-mark-wrong" not in html
    assert "tag-key" not in html  # the red "Correct answer" badge is gone


def test_feedback_styles_make_correct_green_and_are_loaded_everywhere():
    from pathlib import Path

    from app.questions.templating import question_styles

    assert question_styles()[0] == "css/questions/feedback.css"
    css = (Path(__file__).parents[2] / "app/static/css/questions/feedback.css").read_text()
    rule = re.search(r"\.fb-mark-right, \.fb-mark-key, \.fb-mark-missed \{([^}]*)\}", css).group(1)
    assert "var(--success)" in rule
