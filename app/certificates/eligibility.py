"""Whether a trainee has completed a program (pure: no Flask, no database)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Eligibility:
    """``eligible`` once nothing is ``missing`` (module slugs, in the program's order) and
    every other requirement is met (``unmet``: what each still needs, issue 15)."""

    eligible: bool
    missing: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)


def required_modules(module_slugs: Sequence[str], final_exam_slug: str | None) -> list[str]:
    """The program's required modules in order, the final exam last if not listed."""
    required = list(dict.fromkeys(module_slugs))
    if final_exam_slug and final_exam_slug not in required:
        required.append(final_exam_slug)
    return required


def check_eligibility(required: Sequence[str], passed: Iterable[str]) -> Eligibility:
    """Eligible when every required module slug was passed; else what is missing.

    A program without required modules is never completed (nothing proves competence).
    """
    done = set(passed)
    missing = [slug for slug in dict.fromkeys(required) if slug not in done]
    if not required:
        return Eligibility(False, [])
    return Eligibility(not missing, missing)


def is_renewal_pass(module_slug: str, renewal_module_slug: str | None) -> bool:
    """Passing the program's renewal module renews an existing certificate."""
    return bool(renewal_module_slug) and module_slug == renewal_module_slug
