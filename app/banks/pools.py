"""Pool depths, cognitive levels and answer-key cues of a bank (issue 14).

Pure: no Flask, no SQLAlchemy. The same functions serve ``banks lint`` (on the bank files,
through :func:`inventory_of_bank`) and ``banks stats --json`` (on the database's published
current versions, through ``app.banks.queries.inventory``), so both report the same numbers.

Only published items count: they are what a module can draw.

- An exam pool is one (module, topic, difficulty) of an exam's blueprint (``difficulty`` None
  when the row draws any difficulty); ``drawn`` is the total the blueprint draws from it and
  ``eligible`` the published exam questions it can draw from. The cases an exam draws form one
  more pool per exam (topic ``"cases"``, difficulty None): ``drawn`` all its case draws,
  ``eligible`` the published exam cases any of them can draw. :func:`case_draw_pools` also
  gives each case draw on its own (a final exam drawing one safety and one contraindications
  case needs enough of each).
- A practice pool is a practice module's published practice questions (or, for a module that
  draws only cases, practice cases). Exams draw exam items only, so no exam can draw them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.banks.schema import Mode, Status
from app.questions import registry
from app.questions.base import CognitiveLevel, QuestionBase, Use

#: An exam pool holds at least this many times what the blueprints draw from it.
POOL_DEPTH = 3
#: A practice module needs this many practice questions (or cases, for a case module).
PRACTICE_QUESTIONS = 40
PRACTICE_CASES = 8
#: At least this share of a pool's exam questions are application or analysis.
APPLIED_SHARE = 0.5
#: The share of "true" keys among true/false items lies within these bounds.
TRUE_SHARE_RANGE = (0.40, 0.60)
#: The key is the unique longest (or unique shortest) option in at most this share.
KEY_LENGTH_SHARE = 0.30
CASES = "cases"
APPLIED = frozenset({CognitiveLevel.APPLICATION, CognitiveLevel.ANALYSIS})


@dataclass(frozen=True)
class PoolModule:
    """What a module draws: blueprint rows (topic, difficulty or None, count) and case draws
    (topic or None, count)."""

    slug: str
    exam: bool
    blueprint: tuple[tuple[str, str | None, int], ...]
    case_draws: tuple[tuple[str | None, int], ...] = ()


@dataclass(frozen=True)
class PoolQuestion:
    topic: str
    question: QuestionBase
    case_key: str | None = None  # set for a case's step


@dataclass(frozen=True)
class PoolCase:
    key: str
    topic: str
    use: Use


@dataclass
class Inventory:
    """The modules and the published items of a bank."""

    modules: list[PoolModule] = field(default_factory=list)
    questions: list[PoolQuestion] = field(default_factory=list)  # steps of published cases too
    cases: list[PoolCase] = field(default_factory=list)

    def standalone(self, use: Use) -> list[PoolQuestion]:
        return [q for q in self.questions if q.case_key is None and q.question.use == use]


@dataclass(frozen=True)
class ExamPool:
    module: str
    topic: str
    difficulty: str | None
    drawn: int
    eligible: int
    applied: int = 0  # eligible questions at application or analysis level
    levelled: int = 0  # eligible questions with a cognitive level at all

    def contract(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "topic": self.topic,
            "difficulty": self.difficulty,
            "drawn": self.drawn,
            "eligible": self.eligible,
        }


@dataclass(frozen=True)
class PracticePool:
    module: str
    unit: str  # "questions" | "cases"
    eligible: int

    def contract(self) -> dict[str, Any]:
        return {"module": self.module, "unit": self.unit, "eligible": self.eligible}


# ---------------------------------------------------------------- pools


def _matches(q: PoolQuestion, topic: str, difficulty: str | None) -> bool:
    return q.topic == topic and (difficulty is None or q.question.difficulty.value == difficulty)


def exam_pools(inv: Inventory) -> list[ExamPool]:
    """One row per distinct pool of every exam (see the module docstring)."""
    exam_questions = inv.standalone(Use.EXAM)
    out = []
    for module in inv.modules:
        if not module.exam:
            continue
        drawn: Counter[tuple[str, str | None]] = Counter()
        for topic, difficulty, count in module.blueprint:
            drawn[(topic, difficulty)] += count
        for (topic, difficulty), n in drawn.items():
            pool = [q for q in exam_questions if _matches(q, topic, difficulty)]
            levels = [q.question.cognitive_level for q in pool]
            out.append(
                ExamPool(
                    module.slug,
                    topic,
                    difficulty,
                    n,
                    len(pool),
                    applied=sum(1 for level in levels if level in APPLIED),
                    levelled=sum(1 for level in levels if level is not None),
                )
            )
        if module.case_draws:
            topics = {t for t, _ in module.case_draws}
            eligible = [
                c for c in inv.cases if c.use == Use.EXAM and (None in topics or c.topic in topics)
            ]
            total = sum(n for _, n in module.case_draws)
            out.append(ExamPool(module.slug, CASES, None, total, len(eligible)))
    return out


def case_draw_pools(inv: Inventory) -> list[ExamPool]:
    """Each case draw of each exam on its own (``topic`` the draw's topic, ``"cases"`` for a
    draw of any topic): the drawn count and the published exam cases it can draw."""
    out = []
    for module in inv.modules:
        if not module.exam:
            continue
        drawn: Counter[str | None] = Counter()
        for topic, count in module.case_draws:
            drawn[topic] += count
        for topic, n in drawn.items():
            eligible = [
                c for c in inv.cases if c.use == Use.EXAM and (topic is None or c.topic == topic)
            ]
            out.append(ExamPool(module.slug, topic or CASES, None, n, len(eligible)))
    return out


def practice_pools(inv: Inventory) -> list[PracticePool]:
    """One row per practice module: the practice items it can draw (no exam can draw them)."""
    practice = inv.standalone(Use.PRACTICE)
    out = []
    for module in inv.modules:
        if module.exam:
            continue
        if module.blueprint:
            eligible = [
                q for q in practice if any(_matches(q, t, d) for t, d, _ in module.blueprint)
            ]
            out.append(PracticePool(module.slug, "questions", len(eligible)))
        else:
            topics = {t for t, _ in module.case_draws}
            cases = [
                c
                for c in inv.cases
                if c.use == Use.PRACTICE and (None in topics or c.topic in topics)
            ]
            out.append(PracticePool(module.slug, CASES, len(cases)))
    return out


def cognitive_levels(inv: Inventory) -> dict[str, int]:
    """Exam questions (standalone and the steps of exam cases) by cognitive level."""
    counts = Counter(
        q.question.cognitive_level.value
        for q in inv.questions
        if q.question.use == Use.EXAM and q.question.cognitive_level is not None
    )
    return {level.value: counts[level.value] for level in CognitiveLevel}


# ---------------------------------------------------------------- cues


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def key_length_flags(question: QuestionBase) -> tuple[bool, bool] | None:
    """(the key is the unique longest option, the unique shortest) of a single-answer question
    with at least three options; None for other questions (true/false has no options)."""
    content = registry.get(question.type).content
    options = content.choices(question)
    if not content.one_key or len(options) < 3:
        return None
    keys = [o for o in options if o.correct]
    if len(keys) != 1:
        return None
    key = len(keys[0].text)
    others = [len(o.text) for o in options if not o.correct]
    return key > max(others), key < min(others)


def cues(inv: Inventory) -> dict[str, Any]:
    """Answer-key cues over the published items of both uses (what trainees see)."""
    keys = [(q, registry.get(q.question.type).content.true_key(q.question)) for q in inv.questions]
    tf = [(q, key) for q, key in keys if key is not None]
    lengths = [f for f in (key_length_flags(q.question) for q in inv.questions) if f]
    return {
        "true_false_true_share": _share([key for q, key in tf if not q.case_key]),
        "case_true_false_true_share": _share([key for q, key in tf if q.case_key]),
        "key_unique_longest_share": _share([f[0] for f in lengths]),
        "key_unique_shortest_share": _share([f[1] for f in lengths]),
    }


def multiple_response_spread(inv: Inventory) -> dict[str, Any]:
    """Multiple-response items: how many have 1, 2, 3... correct options, and in how many the
    correct options are on average shorter than the incorrect ones."""
    spread: Counter[int] = Counter()
    shorter = 0
    for q in inv.questions:
        content = registry.get(q.question.type).content
        options = content.choices(q.question)
        if content.one_key or not options:
            continue
        right = [len(o.text) for o in options if o.correct]
        wrong = [len(o.text) for o in options if not o.correct]
        spread[len(right)] += 1
        if right and wrong and sum(right) / len(right) < sum(wrong) / len(wrong):
            shorter += 1
    return {
        "items": sum(spread.values()),
        "correct_options": dict(sorted(spread.items())),
        "correct_shorter": shorter,
    }


# ---------------------------------------------------------------- from a loaded bank


def inventory_of_bank(bank: Any) -> Inventory:
    """The inventory of a loaded bank (``app.banks.loader.Bank``): its modules and published
    items; a case's steps count when the case is published."""
    modules = [
        PoolModule(
            m.slug,
            m.mode == Mode.EXAM,
            tuple(
                (r.topic, r.difficulty.value if r.difficulty else None, r.count)
                for r in m.blueprint
            ),
            tuple((d.topic, d.count) for d in m.cases),
        )
        for m in bank.modules.values()
    ]
    published_cases = {
        key: lc for key, lc in bank.cases.items() if lc.case.status == Status.PUBLISHED
    }
    questions = [
        PoolQuestion(lq.topic, lq.question, lq.case_key)
        for lq in bank.questions.values()
        if (lq.case_key is None and lq.question.status == Status.PUBLISHED)
        or lq.case_key in published_cases
    ]
    cases = [PoolCase(key, lc.topic, lc.case.use) for key, lc in published_cases.items()]
    return Inventory(modules, questions, cases)
