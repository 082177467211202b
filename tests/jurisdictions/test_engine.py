"""The jurisdiction engine on the shipped rule files: each state's numbers from the fact sheet
(shared/domain/JURISDICTIONS.md), judged on evidence built here, plus property tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.jurisdictions.engine import (
    Profile,
    Status,
    SupervisorRecord,
    add_months,
    best_window,
    judge,
    years_between,
)
from app.jurisdictions.loader import load_rules
from app.requirements.evidence import (
    ContentArea,
    Evidence,
    HoursEntry,
    LogbookSession,
    Mode,
    SessionStatus,
)

BANKS = Path(__file__).resolve().parents[2] / "question_banks"
RULES = load_rules(BANKS).rules
TODAY = date(2026, 12, 3)
EXPERIENCED = SupervisorRecord(years=3, sessions=300)
NOVICE = SupervisorRecord(years=0.5, sessions=10)


def hours(mode: Mode, n: float, on: date = date(2026, 6, 1), area=None, verified=True):
    return HoursEntry(mode, n, on, verified, area)


def sessions(n: int, supervisor: str = "sup@x", on: date = date(2026, 7, 1), status=None):
    status = status or SessionStatus.APPROVED
    return tuple(LogbookSession(on, "cervical", supervisor, status) for _ in range(n))


def pt(licensed_since: date | None = date(2020, 1, 1), **supervisors) -> Profile:
    return Profile("physical_therapist", licensed_since, supervisors or {"sup@x": EXPERIENCED})


def evidence(hours_=(), sessions_=(), stations=frozenset()) -> Evidence:
    return Evidence(as_of=TODAY, hours=tuple(hours_), sessions=tuple(sessions_),
                    stations_passed=frozenset(stations))  # fmt: skip


def messages(result) -> list[str]:
    return [g.message for g in result.missing]


def test_at_least_fifteen_rules_ship_and_load_cleanly():
    loaded = load_rules(BANKS, today=TODAY)
    assert loaded.problems == []
    assert len(loaded.rules) >= 15
    professions = {r.profession for r in loaded.rules.values()}
    assert {"physical_therapist", "chiropractor", "athletic_trainer"} <= professions


def test_florida_pt_the_issue_example():
    """Florida PT: 25 sessions, 50 face-to-face hours; online hours do not count."""
    rule = RULES["us-fl-physical-therapist"]
    ev = evidence(
        [hours(Mode.IN_PERSON, 44), hours(Mode.LIVE_ONLINE, 6)],
        sessions(18),
    )
    result = judge(ev, pt(), rule)
    assert result.status == Status.NOT_MET
    found = messages(result)
    assert "Supervised sessions: 18 of 25" in found
    assert (
        "Hours: 44 of 50; live online hours do not count here: 6 of your 50 hours are live online"
        in found
    )
    by_kind = {g.kind: g for g in result.missing}
    assert (by_kind["sessions"].needed, by_kind["sessions"].have) == (25, 18)
    assert (by_kind["hours"].needed, by_kind["hours"].have) == (50, 44)


def test_florida_pt_met_with_everything():
    rule = RULES["us-fl-physical-therapist"]
    ev = evidence([hours(Mode.IN_PERSON, 50)], sessions(25), {"psychomotor"})
    assert judge(ev, pt(), rule).status == Status.MET


def test_florida_pt_supervisor_conditions_and_licence_years():
    rule = RULES["us-fl-physical-therapist"]
    ev = evidence([hours(Mode.IN_PERSON, 50)], sessions(25, "new@x"), {"psychomotor"})
    result = judge(ev, pt(date(2025, 6, 1), **{"new@x": NOVICE}), rule)
    assert result.status == Status.NOT_MET
    found = " | ".join(messages(result))
    assert "Supervised sessions: 0 of 25" in found
    assert "25 of your sessions were under a supervisor who does not meet" in found
    assert "Years licensed: 1.5 of 2" in found


def test_florida_chiropractor_minimums_by_area():
    rule = RULES["us-fl-chiropractor"]
    ev = evidence(
        [
            hours(Mode.IN_PERSON, 30, area=ContentArea.THEORY),
            hours(Mode.IN_PERSON, 6, area=ContentArea.PSYCHOMOTOR),
            hours(Mode.IN_PERSON, 4, area=ContentArea.POST_CARE),
        ]
    )
    result = judge(ev, Profile("chiropractor"), rule)
    found = messages(result)
    assert "Psychomotor hours: 6 of 10" in found
    assert "Needles and biohazard hours: 0 of 2" in found
    assert "Indications and contraindications hours: 0 of 4" in found
    assert not any(m.startswith("Hours:") for m in found)  # 40 of 40 in total


def test_illinois_practicum_within_twelve_months_and_two_hundred_sessions():
    rule = RULES["us-il-physical-therapist"]
    spread = [
        hours(Mode.IN_PERSON, 27, date(2024, 1, 10)),
        hours(Mode.IN_PERSON, 27, date(2025, 3, 1)),
    ]
    result = judge(evidence(spread, sessions(200)), pt(), rule)
    assert "In person hours: 27 of 54 within 12 months" in messages(result)
    close = [
        hours(Mode.IN_PERSON, 27, date(2025, 1, 10)),
        hours(Mode.IN_PERSON, 27, date(2025, 12, 1)),
    ]
    result = judge(evidence(close, sessions(200)), pt(), rule)
    assert [g.kind for g in result.missing] == ["condition"]  # foundation/didactic: body confirms
    assert result.status == Status.UNCONFIRMED


def test_illinois_athletic_trainer_needs_a_competency_examination():
    rule = RULES["us-il-athletic-trainer"]
    ev = evidence([hours(Mode.IN_PERSON, 54)], sessions(200))
    result = judge(ev, Profile("athletic_trainer", supervisors={"sup@x": EXPERIENCED}), rule)
    assert [g.kind for g in result.missing if not g.unconfirmed] == ["practical"]


def test_utah_250_sessions_within_three_years_is_unconfirmed_after_hb188():
    rule = RULES["us-ut-physical-therapist"]
    old = sessions(125, on=date(2021, 1, 1)) + sessions(125, on=date(2026, 1, 1))
    result = judge(evidence((), old), pt(), rule)
    gap = next(g for g in result.missing if g.kind == "sessions")
    assert (gap.have, gap.needed, gap.unconfirmed) == (125, 250, True)
    assert result.status == Status.UNCONFIRMED  # the only gap rests on a [verify] figure
    assert "within 36 months" in gap.message


def test_nevada_total_and_in_person_minimum():
    rule = RULES["us-nv-physical-therapist"]
    ev = evidence([hours(Mode.SELF_PACED_ONLINE, 140), hours(Mode.IN_PERSON, 10)], (), {"x"})
    result = judge(ev, pt(), rule)
    assert messages(result) == ["In person hours: 10 of 25"]


@pytest.mark.parametrize("rule_id", ["us-nd-chiropractor"])
def test_north_dakota_online_study_never_counts(rule_id):
    rule = RULES[rule_id]
    ev = evidence([hours(Mode.IN_PERSON, 30), hours(Mode.SELF_PACED_ONLINE, 40)])
    result = judge(ev, Profile("chiropractor"), rule)
    assert result.missing[0].have == 30
    assert "self-paced online hours do not count here: 40 of your 70" in result.missing[0].message
    assert any("temporary" in n.lower() for n in result.notes)


def test_tennessee_figures_are_unconfirmed_even_when_met():
    rule = RULES["us-tn-physical-therapist"]
    result = judge(evidence([hours(Mode.IN_PERSON, 30)]), pt(), rule)
    assert result.status == Status.UNCONFIRMED


def test_california_prohibits_and_oregon_is_pending():
    full = evidence([hours(Mode.IN_PERSON, 400)], sessions(300), {"a"})
    assert judge(full, pt(), RULES["us-ca-physical-therapist"]).status == Status.NOT_MET
    oregon = judge(full, pt(), RULES["us-or-physical-therapist"])
    assert oregon.status == Status.NOT_MET
    assert "not yet in force" in oregon.missing[0].message


def test_quebec_102_hours_and_uk_thorax_and_cpd_notes():
    assert messages(
        judge(evidence([hours(Mode.IN_PERSON, 90)]), pt(), RULES["ca-qc-physical-therapist"])
    ) == ["Hours: 90 of 102"]
    uk = judge(
        evidence([hours(Mode.IN_PERSON, 300)], (), {"a"}), pt(), RULES["gb-physical-therapist"]
    )
    assert uk.status == Status.MET
    assert any("thoracic" in n for n in uk.notes)
    assert any("10 CPD hours every 24 months" in n for n in uk.notes)


def test_unverified_hours_and_unapproved_sessions_do_not_count():
    rule = RULES["us-fl-physical-therapist"]
    ev = evidence(
        [hours(Mode.IN_PERSON, 50, verified=False)],
        sessions(25, status=SessionStatus.PENDING),
        {"a"},
    )
    by_kind = {g.kind: g for g in judge(ev, pt(), rule).missing}
    assert by_kind["hours"].have == 0 and by_kind["sessions"].have == 0


def test_a_rule_for_another_profession_is_never_met():
    full = evidence([hours(Mode.IN_PERSON, 400)], sessions(300), {"a"})
    result = judge(
        full,
        Profile("chiropractor", supervisors={"sup@x": EXPERIENCED}),
        RULES["us-la-physical-therapist"],
    )
    assert result.status == Status.NOT_MET
    assert result.missing[0].kind == "profession"


def test_helpers():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert years_between(date(2020, 3, 1), date(2022, 3, 1)) == 2
    items = [(date(2024, 1, 1), 5), (date(2024, 6, 1), 5), (date(2025, 3, 1), 5)]
    assert best_window(items, lambda i: i[0], lambda i: i[1], 12) == 10
    assert best_window(items, lambda i: i[0], lambda i: i[1], None) == 15


# ---------------------------------------------------------------- properties

MODES = list(Mode)
hour_entries = st.builds(
    HoursEntry,
    st.sampled_from(MODES),
    st.floats(min_value=0.5, max_value=120, allow_nan=False),
    st.dates(date(2022, 1, 1), TODAY),
    st.booleans(),
    st.one_of(st.none(), st.sampled_from(list(ContentArea))),
)
logbook = st.builds(
    LogbookSession,
    st.dates(date(2022, 1, 1), TODAY),
    st.just("cervical"),
    st.sampled_from(["sup@x", "new@x"]),
    st.sampled_from(list(SessionStatus)),
)
evidences = st.builds(
    evidence,
    st.lists(hour_entries, max_size=8),
    st.lists(logbook, max_size=30),
    st.frozensets(st.sampled_from(["a", "b", "psychomotor"]), max_size=2),
)
RANK = {Status.NOT_MET: 0, Status.UNCONFIRMED: 1, Status.MET: 2}
PROFILE = Profile("physical_therapist", date(2021, 1, 1), {"sup@x": EXPERIENCED, "new@x": NOVICE})


@settings(max_examples=150, deadline=None)
@given(evidences, evidences, st.sampled_from(sorted(RULES)))
def test_more_evidence_never_turns_met_into_not_met(base, extra, rule_id):
    rule = RULES[rule_id]
    profile = Profile(rule.profession, PROFILE.licensed_since, PROFILE.supervisors)
    more = Evidence(
        as_of=TODAY,
        hours=base.hours + extra.hours,
        sessions=base.sessions + extra.sessions,
        stations_passed=base.stations_passed | extra.stations_passed,
    )
    before, after = judge(base, profile, rule), judge(more, profile, rule)
    assert RANK[after.status] >= RANK[before.status]
    have_before = {(g.kind, g.message.split(":")[0]): g.have for g in before.missing}
    for gap in after.missing:
        key = (gap.kind, gap.message.split(":")[0])
        assert gap.have >= have_before.get(key, gap.have)


@settings(max_examples=150, deadline=None)
@given(evidences, st.lists(hour_entries, min_size=1, max_size=5))
def test_hours_in_an_excluded_mode_never_count(base, extra):
    for rule_id in ("us-fl-physical-therapist", "us-nd-chiropractor", "us-la-physical-therapist"):
        rule = RULES[rule_id]
        excluded = rule.requirements.hours.excluded_modes
        profile = Profile(rule.profession, PROFILE.licensed_since, PROFILE.supervisors)
        only_excluded = tuple(
            HoursEntry(excluded[i % len(excluded)], e.hours, e.on, True, e.content_area)
            for i, e in enumerate(extra)
        )
        more = Evidence(as_of=TODAY, hours=base.hours + only_excluded, sessions=base.sessions,
                        stations_passed=base.stations_passed)  # fmt: skip

        assert counted(more, profile, rule) == counted(base, profile, rule)


def counted(ev, profile, rule):
    """The hours the rule counts (its total when nothing is missing)."""
    gaps = {g.kind: g.have for g in judge(ev, profile, rule).missing}
    return gaps.get("hours", rule.requirements.hours.total)


def test_window_edges_are_half_open():
    start = date(2025, 1, 1)
    items = [(start, 1), (add_months(start, 12) - timedelta(days=1), 1), (add_months(start, 12), 1)]
    assert best_window(items, lambda i: i[0], lambda i: i[1], 12) == 2
