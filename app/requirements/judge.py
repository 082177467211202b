"""A program's eligibility, requirement by requirement (pure).

``requirements_of`` turns a program's module list and listed requirements into specs (the
modules first); ``judge`` evaluates each against the evidence. Eligible when every one is met;
a program with no required module is never complete (nothing proves competence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.requirements import kinds
from app.requirements.evidence import Evidence


@dataclass(frozen=True)
class Judgement:
    eligible: bool
    results: tuple[kinds.Result, ...]
    evidence: Evidence | None = None

    @property
    def unmet(self) -> list[kinds.Result]:
        return [r for r in self.results if not r.met]

    @property
    def next_step(self) -> str:
        """What to do next across all kinds: the first unmet requirement's step."""
        unmet = self.unmet
        return unmet[0].next_step if unmet else ""

    def explain(self) -> str:
        return "; ".join(f"{r.title}: {r.missing}" for r in self.unmet)


def requirements_of(
    module_slugs: Sequence[str],
    final_exam_slug: str | None,
    listed: Sequence[Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    """The module requirement (the final exam last if not listed) and the listed ones."""
    modules = list(dict.fromkeys(module_slugs))
    if final_exam_slug and final_exam_slug not in modules:
        modules.append(final_exam_slug)
    specs: list[dict[str, Any]] = []
    if modules:
        specs.append(
            {"kind": "module", "id": "modules", "title": "Modules passed", "modules": modules}
        )
    specs.extend(dict(s) for s in listed or ())
    return specs


def judge(specs: Sequence[Mapping[str, Any]], evidence: Evidence) -> Judgement:
    results = tuple(kinds.evaluate(spec, evidence) for spec in specs)
    has_modules = any(r.kind == "module" for r in results)
    return Judgement(has_modules and all(r.met for r in results), results, evidence)
