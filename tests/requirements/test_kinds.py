"""Eligibility on known evidence, requirement by requirement (pure: no app)."""

from __future__ import annotations

from datetime import date

import pytest

from app.requirements import kinds, text
from app.requirements.evidence import (
    ContentArea,
    Evidence,
    HoursEntry,
    LogbookSession,
    Mode,
    SessionStatus,
)
from app.requirements.judge import judge, requirements_of

TODAY = date(2026, 6, 15)


def hours(mode, n, area=None, verified=True, on=TODAY):
    return HoursEntry(Mode(mode), n, on, verified, ContentArea(area) if area else None)


def session(status="approved", region="lumbar", on=TODAY):
    return LogbookSession(on, region, "sup@example.org", SessionStatus(status))


def test_modules_say_which_are_left():
    spec = kinds.check({"kind": "module", "id": "modules", "modules": ["a", "b", "c"]})
    ev = Evidence(TODAY, modules_passed=frozenset({"a"}), module_titles=(("b", "Module B"),))
    result = kinds.evaluate(spec, ev)
    assert (result.required, result.done, result.met) == (3, 1, False)
    assert result.missing == "2 more to pass: Module B, c"
    assert result.next_step == "Pass Module B"


def test_hours_count_only_verified_hours_of_the_mode_and_area():
    spec = kinds.check(
        {
            "kind": "hours",
            "id": "psychomotor",
            "hours": 10,
            "area": "psychomotor",
            "modes": ["in_person"],
        }
    )
    ev = Evidence(
        TODAY,
        hours=(
            hours("in_person", 4, "psychomotor"),
            hours("in_person", 2, "psychomotor"),
            hours("in_person", 5, "psychomotor", verified=False),  # not verified
            hours("live_online", 3, "psychomotor"),  # wrong mode
            hours("in_person", 7, "theory"),  # wrong area
        ),
    )
    result = kinds.evaluate(spec, ev)
    assert (result.done, result.met) == (6, False)
    assert result.missing == "psychomotor in person hours 6 of 10"
    met = kinds.evaluate(spec, Evidence(TODAY, hours=(hours("in_person", 10, "psychomotor"),)))
    assert met.met and met.missing == ""


def test_hours_window_counts_back_from_the_evidence_date():
    spec = kinds.check({"kind": "hours", "id": "h", "hours": 5, "within_months": 12})
    old = hours("self_study", 5, on=date(2025, 6, 14))
    recent = hours("self_study", 5, on=date(2025, 6, 15))
    assert not kinds.evaluate(spec, Evidence(TODAY, hours=(old,))).met
    assert kinds.evaluate(spec, Evidence(TODAY, hours=(recent,))).met


def test_logbook_counts_approved_sessions_and_says_how_many_more():
    spec = kinds.check({"kind": "logbook", "id": "sessions", "sessions": 25})
    ev = Evidence(
        TODAY,
        sessions=tuple([session()] * 13 + [session("pending")] * 2 + [session("returned")]),
    )
    result = kinds.evaluate(spec, ev)
    assert (result.done, result.met) == (13, False)
    assert result.missing == "12 more supervised sessions; 2 waiting for sign-off"


def test_logbook_by_region():
    spec = kinds.check({"kind": "logbook", "id": "thorax", "sessions": 2, "region": "thoracic"})
    ev = Evidence(TODAY, sessions=(session(region="thoracic"), session(region="lumbar")))
    result = kinds.evaluate(spec, ev)
    assert (result.done, result.missing) == (1, "1 more supervised session (thoracic)")


def test_practical_stations():
    spec = kinds.check({"kind": "practical", "id": "osce", "stations": ["hygiene", "thorax"]})
    result = kinds.evaluate(spec, Evidence(TODAY, stations_passed=frozenset({"hygiene"})))
    assert (result.required, result.done, result.met) == (2, 1, False)
    assert result.missing == "stations still to pass: thorax"


def test_eligible_only_when_every_kind_is_met():
    specs = requirements_of(
        ["a"],
        "final",
        [
            {
                "kind": "hours",
                "id": "h",
                "title": "Hours",
                "hours": 2.0,
                "modes": [],
                "area": None,
                "within_months": None,
            },
            {
                "kind": "logbook",
                "id": "l",
                "title": "Logbook",
                "sessions": 1,
                "region": None,
                "within_months": None,
            },
            {"kind": "practical", "id": "p", "title": "OSCE", "stations": ["s"]},
        ],
    )
    full = Evidence(
        TODAY,
        modules_passed=frozenset({"a", "final"}),
        hours=(hours("in_person", 2),),
        sessions=(session(),),
        stations_passed=frozenset({"s"}),
    )
    assert judge(specs, full).eligible
    partial = Evidence(
        TODAY, modules_passed=frozenset({"a", "final"}), hours=(hours("in_person", 2),)
    )
    verdict = judge(specs, partial)
    assert not verdict.eligible
    assert [r.id for r in verdict.unmet] == ["l", "p"]
    assert verdict.next_step == "Log 1 more supervised session"


def test_no_modules_never_eligible():
    assert not judge(requirements_of([], None, []), Evidence(TODAY)).eligible


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "hours", "id": "h", "hours": -1}, "hours"),
        ({"kind": "hours", "id": "h", "hours": float("inf")}, "hours"),
        ({"kind": "hours", "id": "h", "hours": 1, "area": "juggling"}, "area"),
        ({"kind": "hours", "id": "h", "hours": 1, "modes": ["carrier_pigeon"]}, "modes"),
        ({"kind": "logbook", "id": "l", "sessions": 2.5}, "sessions"),
        ({"kind": "logbook", "id": "l", "sessions": 2, "region": "elbow"}, "region"),
        ({"kind": "practical", "id": "p", "stations": []}, "stations"),
        ({"kind": "hours", "id": "h", "hours": 1, "colour": "red"}, "colour"),
        ({"kind": "hours", "id": "BAD ID", "hours": 1}, "id"),
    ],
)
def test_bad_specs_name_the_field(spec, field):
    with pytest.raises(kinds.RequirementInvalid, match=field):
        kinds.check(spec)


def test_listed_requirements_refuse_modules_and_duplicate_ids():
    with pytest.raises(kinds.RequirementInvalid, match="module list"):
        kinds.check_listed([{"kind": "module", "id": "m", "modules": ["a"]}])
    twice = [{"kind": "logbook", "id": "x", "sessions": 1}] * 2
    with pytest.raises(kinds.RequirementInvalid, match="twice"):
        kinds.check_listed(twice)


def test_text_round_trip():
    line = (
        "hours, psychomotor, 10, modes=in_person+supervised_clinical, area=psychomotor, "
        "title=Psychomotor"
    )
    spec = kinds.check(text.parse_line(line))
    assert spec["modes"] == ["in_person", "supervised_clinical"] and spec["hours"] == 10.0
    assert kinds.check(text.parse_line(text.show_line(spec))) == spec
    with pytest.raises(kinds.RequirementInvalid, match="options of hours"):
        text.parse_line("hours, h, 10, colour=red")


def test_a_thorax_scope_needs_a_practical_requirement():
    assert kinds.scope_problem(["thoracic"], []) is not None
    assert kinds.scope_problem(["thoracic"], [{"kind": "practical"}]) is None
    assert kinds.scope_problem(["lumbar"], []) is None
