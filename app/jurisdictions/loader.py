"""Read and check the rule files in ``question_banks/jurisdictions/`` (pure: files in, rules
and located problems out). ``banks lint`` reports the problems with the bank's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.jurisdictions.schema import JurisdictionRule

FOLDER = "jurisdictions"
KIND = "jurisdiction"


@dataclass(frozen=True)
class BankProblem:
    """One located problem, printed as ``banks lint`` prints a bank's (same fields)."""

    path: str
    message: str
    kind: str = ""
    key: str = ""
    field: str = ""
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.kind} '{self.key}': " if self.kind else ""
        fld = f"{self.field}: " if self.field else ""
        return f"{self.path}: {where}{fld}{self.message}"


@dataclass
class RuleSet:
    rules: dict[str, JurisdictionRule] = field(default_factory=dict)
    problems: list[BankProblem] = field(default_factory=list)

    def for_profession(self, profession: str) -> list[JurisdictionRule]:
        return sorted(
            (r for r in self.rules.values() if r.profession == profession), key=lambda r: r.name
        )


def rule_files(bank_root: Path) -> list[Path]:
    folder = bank_root / FOLDER if bank_root.name != FOLDER else bank_root
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def parse_rule(text: str, shown: str) -> tuple[JurisdictionRule | None, list[BankProblem]]:
    """One rule file's text: the rule, or the problems (each located by field)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return None, [BankProblem(shown, f"not valid YAML{where}")]
    if not isinstance(data, dict):
        return None, [BankProblem(shown, "a rule file is a mapping (id, name, profession, ...)")]
    key = str(data.get("id", ""))[:80]
    try:
        return JurisdictionRule.model_validate(data), []
    except ValidationError as exc:
        return None, [
            BankProblem(
                shown,
                err["msg"].removeprefix("Value error, "),
                KIND,
                key,
                ".".join(str(p) for p in err["loc"]),
            )
            for err in exc.errors()
        ]


def load_rules(bank_root: str | Path, today: date | None = None) -> RuleSet:
    """Every rule under ``bank_root/jurisdictions``; with ``today``, a warning for each rule
    past its ``review_by``."""
    found = RuleSet()
    for file in rule_files(Path(bank_root)):
        shown = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            found.problems.append(BankProblem(shown, f"cannot read the file: {exc}"))
            continue
        rule, problems = parse_rule(text, shown)
        found.problems.extend(problems)
        if rule is None:
            continue
        if rule.id != file.stem:
            found.problems.append(
                BankProblem(
                    shown, f"the file is named after its id ({rule.id}.yaml)", KIND, rule.id, "id"
                )
            )
        if rule.id in found.rules:
            found.problems.append(BankProblem(shown, "duplicate id", KIND, rule.id, "id"))
            continue
        found.rules[rule.id] = rule
        if today is not None and rule.review_by < today:
            found.problems.append(
                BankProblem(
                    shown,
                    f"past its review date ({rule.review_by.isoformat()}): read the "
                    "source again and update as_of and review_by",
                    KIND,
                    rule.id,
                    "review_by",
                    severity="warning",
                )  # fmt: skip
            )
    return found
