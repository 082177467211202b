"""Script concordance panels: the mapping form, and stored versions in the old list form."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.banks.schema import QUESTION_ADAPTER, content_hash
from app.quiz import scoring

BASE = {
    "key": "sct",
    "type": "script_concordance",
    "stem": "A patient.",
    "hypothesis": "Myofascial pain",
    "new_information": "A taut band",
    "references": ["Author 2020. Title."],
}


def test_a_stored_list_loads_as_a_provisional_panel_of_its_sum() -> None:
    q = QUESTION_ADAPTER.validate_python({**BASE, "panel": [0, 1, 2, 6, 1]})
    assert q.panel.counts == [0, 1, 2, 6, 1]
    assert q.panel.source == "provisional" and q.panel.size == 10
    dumped = q.model_dump(mode="json")["panel"]
    assert dumped == {"counts": [0, 1, 2, 6, 1], "source": "provisional", "size": 10}
    # The same panel written as a mapping is the same content.
    same = QUESTION_ADAPTER.validate_python({**BASE, "panel": dumped})
    assert content_hash(same) == content_hash(q)


def test_scoring_uses_the_counts() -> None:
    q = QUESTION_ADAPTER.validate_python(
        {**BASE, "panel": {"counts": [0, 1, 2, 6, 1], "source": "recorded", "size": 10}}
    )
    assert scoring.key_response(q) == {"value": 1}
    assert scoring.score(q, {"value": 1}).score == 1.0
    assert scoring.score(q, {"value": 0}).score == pytest.approx(2 / 6)


@pytest.mark.parametrize(
    "panel,message",
    [
        ({"counts": [0, 1, 2, 6, 1], "source": "recorded", "size": 12}, "size: 12 panellists"),
        ({"counts": [0, 0, 0, 0, 0], "source": "provisional", "size": 1}, "not all zero"),
        ({"counts": [0, 1, 2, 6, 1], "source": "someone", "size": 10}, "provisional"),
        ({"counts": [0, 1, 2], "source": "recorded", "size": 3}, "at least 5"),
        ({"counts": [0, 1, 2, 6, 1], "size": 10}, "required"),
    ],
)
def test_invalid_panels_are_refused(panel, message) -> None:
    with pytest.raises(ValidationError) as exc:
        QUESTION_ADAPTER.validate_python({**BASE, "panel": panel})
    assert message in str(exc.value)
