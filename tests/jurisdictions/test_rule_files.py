"""`banks lint` on jurisdiction rule files: broken files are named and located; a rule past
its review date warns; the bank loader leaves the rule folder alone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.banks.loader import load_bank
from app.jurisdictions.loader import load_rules, parse_rule

GOOD = """
id: xx-test
name: Testland
country: US
region: "TX"
profession: physical_therapist
body: Test board
source: {citation: "Test Act §1", where: "section 1"}
as_of: 2026-01-01
review_by: 2026-07-01
requirements:
  hours: {total: 50, excluded_modes: [live_online]}
  sessions: {count: 10}
"""


def write_bank(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "question_banks" / "jurisdictions"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "question_banks"


def test_a_good_file_loads_and_warns_after_review_by(tmp_path):
    root = write_bank(tmp_path, {"xx-test.yaml": GOOD})
    assert load_rules(root, today=date(2026, 6, 30)).problems == []
    late = load_rules(root, today=date(2026, 7, 2)).problems
    assert [(p.severity, p.key, p.field) for p in late] == [("warning", "xx-test", "review_by")]
    assert "past its review date (2026-07-01)" in str(late[0])


def test_broken_files_are_named_and_located(tmp_path):
    broken = {
        "xx-test.yaml": GOOD.replace("physical_therapist", "wizard"),
        "bad-yaml.yaml": "id: [unclosed\n",
        "xx-mode.yaml": GOOD.replace("xx-test", "xx-mode").replace("live_online", "telepathy"),
        "xx-verify.yaml": GOOD.replace("xx-test", "xx-verify") + "unconfirmed: [practical]\n",
        "xx-dates.yaml": GOOD.replace("xx-test", "xx-dates").replace("2026-07-01", "2025-01-01"),
        "wrong-name.yaml": GOOD,
        "xx-extra.yaml": GOOD.replace("xx-test", "xx-extra") + "hours_per_week: 3\n",
        "xx-region.yaml": GOOD.replace("xx-test", "xx-region").replace(
            "  sessions: {count: 10}", "  regions: {excluded: [elbow]}"
        ),
    }
    problems = load_rules(write_bank(tmp_path, broken)).problems
    text = "\n".join(str(p) for p in problems)
    assert all(p.severity == "error" for p in problems)
    assert (
        "xx-test.yaml: jurisdiction 'xx-test': profession: 'wizard' is not a profession id" in text
    )
    assert "bad-yaml.yaml: not valid YAML (line" in text
    assert "xx-mode.yaml: jurisdiction 'xx-mode': requirements.hours.excluded_modes.0:" in text
    assert "xx-verify.yaml: jurisdiction 'xx-verify'" in text
    assert "'practical' names a figure the rule does not set" in text
    assert "review_by: must come after as_of" in text
    assert "wrong-name.yaml: jurisdiction 'xx-test': id: the file is named after its id" in text
    assert (
        "xx-extra.yaml: jurisdiction 'xx-extra': hours_per_week: Extra inputs are not permitted"
        in text
    )
    assert "'elbow' is not a region" in text


def test_hostile_values_are_refused():
    for bad in ("total: 1e308", "total: -5", "total: .nan"):
        rule, problems = parse_rule(GOOD.replace("total: 50", bad), "x.yaml")
        assert rule is None and problems, bad
    rule, problems = parse_rule(GOOD.replace("Testland", "Test\x00land"), "x.yaml")
    assert rule is None or "\x00" not in rule.name


def test_the_bank_loader_skips_the_rule_folder(tmp_path):
    root = write_bank(tmp_path, {"xx-test.yaml": GOOD})
    bank = load_bank(root)
    assert bank.problems == [] and bank.files == []
