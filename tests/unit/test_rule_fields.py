"""The pure validation of rule changes (app/rules/fields.py)."""

from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.rules import fields

MODULE_NOW = {
    "pass_mark": 70.0,
    "blueprint": [{"topic": "anatomy", "difficulty": None, "count": 5}],
    "case_draws": [],
    "attempt_limit": 3,
    "cooldown_hours": 24.0,
    "review_policy": "score",
    "time_limit_minutes": 60,
}
PROGRAM_NOW = {
    "module_slugs": ["m1", "m2"],
    "final_exam_slug": "m2",
    "requires_review": True,
    "validity_months": 24,
    "ce_hours": 12.0,
    "renewal_module_slug": None,
}


def test_the_page_shows_what_it_parses_back_unchanged():
    for kind, now in (("module", MODULE_NOW), ("program", PROGRAM_NOW)):
        shown = fields.show(kind, now)
        assert fields.parse(kind, shown, now) == {}


def test_only_changed_fields_are_proposed_typed():
    form = fields.show("module", MODULE_NOW) | {
        "pass_mark": "72,5",
        "blueprint": "anatomy, any, 5\r\nsafety, hard, 2",
        "attempt_limit": "",
    }
    assert fields.parse("module", form, MODULE_NOW) == {
        "pass_mark": 72.5,
        "blueprint": [
            {"topic": "anatomy", "difficulty": None, "count": 5},
            {"topic": "safety", "difficulty": "hard", "count": 2},
        ],
        "attempt_limit": None,
    }


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pass_mark", "101"),
        ("pass_mark", "-1"),
        ("pass_mark", "1e309"),
        ("pass_mark", "nan"),
        ("pass_mark", "inf"),
        ("pass_mark", "seventy"),
        ("pass_mark", ""),
        ("attempt_limit", "0"),
        ("attempt_limit", "99999999999999999999"),
        ("attempt_limit", "2.5"),
        ("time_limit_minutes", "100000"),
        ("cooldown_hours", "-3"),
        ("review_policy", "everything"),
        ("blueprint", "anatomy, any"),
        ("blueprint", "anatomy, any, 0"),
        ("blueprint", "anatomy, any, 100000"),
        ("blueprint", "Anatomy!, any, 3"),
        ("blueprint", "anatomy, impossible, 3"),
        ("case_draws", "any, -1"),
        ("pass_mark", "7" * 6000),
    ],
)
def test_bad_module_values_name_their_field(name, text):
    label = next(f.label for f in fields.MODULE_FIELDS if f.name == name)
    with pytest.raises(ValidationFailed) as error:
        fields.parse("module", {name: text}, MODULE_NOW)
    assert error.value.message.startswith(str(label))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("module_slugs", ""),
        ("module_slugs", "m1\nm1"),
        ("module_slugs", "m1, NOT A KEY"),
        ("validity_months", "0"),
        ("validity_months", "100000"),
        ("ce_hours", "1e12"),
        ("requires_review", "maybe"),
        ("final_exam_slug", "../etc"),
    ],
)
def test_bad_program_values_are_refused(name, text):
    with pytest.raises(ValidationFailed):
        fields.parse("program", {name: text}, PROGRAM_NOW)


def test_typed_checks_refuse_unknown_fields_and_wrong_types():
    with pytest.raises(ValidationFailed, match="serial_prefix"):
        fields.check("program", {"serial_prefix": "XX"})
    with pytest.raises(ValidationFailed):
        fields.check("module", {"pass_mark": True})
    with pytest.raises(ValidationFailed):
        fields.check("module", {"blueprint": [{"topic": "a", "count": 1, "extra": 1}]})
    with pytest.raises(ValidationFailed):
        fields.check("nothing", {})
    assert fields.check("module", {"pass_mark": 80}) == {"pass_mark": 80.0}


def test_whole_rules():
    with pytest.raises(ValidationFailed, match="at least one question or case"):
        fields.check_whole("module", MODULE_NOW | {"blueprint": []})
    fields.check_whole(
        "module", MODULE_NOW | {"blueprint": [], "case_draws": [{"topic": None, "count": 1}]}
    )
    with pytest.raises(ValidationFailed, match="Final exam"):
        fields.check_whole("program", PROGRAM_NOW | {"module_slugs": ["m1"]})


def test_diff_names_each_field_before_and_after():
    assert fields.diff({"pass_mark": 70.0}, {"pass_mark": 65.0}) == {
        "pass_mark": {"before": 70.0, "after": 65.0}
    }


def test_guessing_rate_and_the_cut_above_it():
    assert fields.guessing_rate([0.25, 0.25, 0.5, 0.0]) == pytest.approx(25.0)
    assert fields.guessing_rate([]) == 0.0
    fields.above_chance(25.01, 25.0)
    for cut in (25.0, 10.0, 0.0):
        with pytest.raises(ValidationFailed, match="guessing rate"):
            fields.above_chance(cut, 25.0)
