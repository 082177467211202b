"""The bank checks of issue 14, for ``banks lint`` (``app/banks/lint.py`` calls them).

Pure: no Flask, no SQLAlchemy, no clock (``today`` is passed in).

Errors:
- learner-visible text (everything a question, a case or a step shows a trainee: title, stem,
  options and their feedback, explanation, references, vignette, disclosure, hypothesis, new
  information, scale, pairs, items, regions...) that mentions the fact sheet (``FACTS.md``,
  "FACTS §1", a section reference such as "§3 item 32"), "practice only",
  a provisional panel or "not used in exams": authoring notes go to ``reviewer_notes``.
  Statute citations ("§486.117", "Fla. Stat. § 486") are fine;
- a bank file (comments included) that names a path outside the repository (an absolute path,
  ``../``, ``shared/domain/``, ``~/``);
- a script concordance question with ``use: exam`` and a provisional panel.

Warnings:
- a question without ``cognitive_level``;
- an item past its ``review_by``; ``as_of`` without ``review_by`` or the other way round; a
  jurisdiction item without them. A jurisdiction item is a question of topic ``regulations``
  (or a step of a case of that topic) tagged with a jurisdiction (``JURISDICTION_TAGS``: a
  country, a US state, a Canadian province or territory, an Australian state) or any question
  tagged ``jurisdiction``;
- pool depths and cues (``app/banks/pools.py``): an exam pool (and each case draw) with fewer
  than 3 × drawn eligible items; a practice module with fewer than 40 practice questions (8
  practice cases); application + analysis under half of a pool's exam questions; the share of
  "true" keys outside [0.40, 0.60] (standalone and within cases); the key the unique longest or
  unique shortest option in more than 30 % of single-answer questions; multiple-response items
  that all have the same number of correct options, or whose correct options are mostly the
  shorter ones;
- script concordance scenarios that repeat (the same or nearly the same hypothesis and new
  information) with different panels;
- a short-answer key in British or American spelling without the other spelling accepted;
- a reference whose first author (or body, or web site) and year name no entry of
  ``docs/sources.md`` (checked when the page is given: ``banks lint`` reads the one beside the
  bank folder, ``<repository>/docs/sources.md``).
"""

from __future__ import annotations

import re
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from app.banks import pools
from app.banks.loader import Bank, BankProblem, LoadedQuestion
from app.questions import registry
from app.questions.base import Status, Use

# ---------------------------------------------------------------- authoring notes

#: (pattern, what it is) of authoring notes that must not reach a trainee.
AUTHORING_NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"FACTS\.md", re.IGNORECASE), "the fact sheet (FACTS.md)"),
    (re.compile(r"\bFACTS\b"), "the fact sheet (FACTS)"),  # the word "facts" is fine
    (
        # "§3 item 32", "§ 7 items 63-65", "§1" (one digit, not a statute's "§486.117")
        re.compile(r"§\s*\d+\s*,?\s*items?\b|§\s?\d(?![\d.])", re.IGNORECASE),
        "a section of the fact sheet",
    ),
    (re.compile(r"\bpractice[- ]only\b", re.IGNORECASE), '"practice only"'),
    (
        re.compile(
            r"\bprovisional\b[^.;]{0,40}\bpanel\b|\bpanel\b[^.;]{0,20}\bprovisional\b",
            re.IGNORECASE,
        ),
        "a provisional panel",
    ),
    (re.compile(r"\bnot used in (?:the )?exams?\b", re.IGNORECASE), '"not used in exams"'),
)

#: Fields of a question's dump that a trainee never sees (everything else is learner text).
NOT_LEARNER_TEXT = frozenset(
    {
        "key",
        "type",
        "topic",
        "status",
        "difficulty",
        "use",
        "objective",
        "cognitive_level",
        "tags",
        "reviewer_notes",
        "as_of",
        "review_by",
        "id",
        "image",
        "source",
    }
)


def learner_texts(data: Any, where: str = "") -> list[tuple[str, str]]:
    """(field path, text) of every learner-visible string in a model dump."""
    out: list[tuple[str, str]] = []
    if isinstance(data, str):
        out.append((where, data))
    elif isinstance(data, dict):
        for name, value in data.items():
            if name not in NOT_LEARNER_TEXT:
                out += learner_texts(value, f"{where}.{name}" if where else name)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += learner_texts(value, f"{where}.{i + 1}")
    return out


def authoring_note(text: str) -> str | None:
    """What authoring note ``text`` carries (None: none)."""
    for pattern, what in AUTHORING_NOTES:
        if pattern.search(text):
            return what
    return None


def _note_problems(path: str, kind: str, key: str, data: Any) -> list[BankProblem]:
    out = []
    for where, text in learner_texts(data):
        what = authoring_note(text)
        if what:
            out.append(
                BankProblem(
                    path,
                    f"learner-visible text mentions {what}: move authoring notes to reviewer_notes",
                    kind,
                    key,
                    where,
                )
            )
    return out


def authoring_note_problems(bank: Bank) -> list[BankProblem]:
    out = []
    for lq in bank.questions.values():
        kind, key = _where(lq)
        out += _note_problems(lq.path, kind, key, lq.question.model_dump(mode="json"))
    for lc in bank.cases.values():
        case = lc.case
        shown = {"title": case.title, "vignette": case.vignette}
        shown["steps"] = [{"disclosure": s.disclosure} for s in case.steps]
        out += _note_problems(lc.path, "case", case.key, shown)
    return out


# ---------------------------------------------------------------- paths outside the repository

_OUTSIDE_PATH = re.compile(
    r"(?:^|(?<=[\s\"'(\[`<,=]))(?:/[A-Za-z0-9_.~-]+){2,}"  # /an/absolute/path
    r"|\.\./"  # ../ out of the folder
    r"|(?:^|(?<=[\s\"'(\[`<,=]))~/"  # a home directory
    r"|\bshared/domain\b"  # the fact sheet's folder beside the repository
    r"|\b[A-Za-z]:\\\\",  # C:\\
    re.MULTILINE,
)


def outside_path_problems(bank: Bank) -> list[BankProblem]:
    """A bank file (comments included) that names a path outside the repository."""
    out = []
    for path, text in bank.texts.items():
        for number, line in enumerate(text.splitlines(), start=1):
            found = _OUTSIDE_PATH.search(line)
            if found and "://" not in line[max(0, found.start() - 40) : found.start() + 1]:
                out.append(
                    BankProblem(
                        path,
                        f"line {number} names a path outside the repository "
                        f"('{found.group(0)}'): cite sources as in docs/sources.md",
                    )
                )
    return out


# ---------------------------------------------------------------- levels and review dates

JURISDICTION_TAG = "jurisdiction"
_US_STATES = (
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia "
    "hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts "
    "michigan minnesota mississippi missouri montana nebraska nevada new-hampshire new-jersey "
    "new-mexico new-york north-carolina north-dakota ohio oklahoma oregon pennsylvania "
    "rhode-island south-carolina south-dakota tennessee texas utah vermont virginia washington "
    "west-virginia wisconsin wyoming district-of-columbia"
)
_OTHERS = (
    "usa us united-states canada uk united-kingdom england scotland wales northern-ireland "
    "ireland australia new-zealand south-africa alberta british-columbia manitoba "
    "new-brunswick newfoundland nova-scotia ontario prince-edward-island quebec saskatchewan "
    "yukon nunavut northwest-territories new-south-wales queensland victoria tasmania "
    "western-australia south-australia"
)
JURISDICTION_TAGS = frozenset((_US_STATES + " " + _OTHERS).split())
REGULATIONS_TOPIC = "regulations"


def is_jurisdiction_item(lq: LoadedQuestion, case_tags: list[str] | None = None) -> bool:
    tags = set(lq.question.tags) | set(case_tags or [])
    if JURISDICTION_TAG in tags:
        return True
    return lq.topic == REGULATIONS_TOPIC and bool(tags & JURISDICTION_TAGS)


def _warn(lq: LoadedQuestion, field: str, message: str) -> BankProblem:
    kind, key = _where(lq)
    return BankProblem(lq.path, message, kind, key, field, severity="warning")


def _where(lq: LoadedQuestion) -> tuple[str, str]:
    if lq.case_key:
        return "case", f"{lq.case_key}/{lq.question.key}"
    return "question", lq.question.key


def level_and_date_problems(bank: Bank, today: date | None) -> list[BankProblem]:
    out = []
    for lq in bank.questions.values():
        q = lq.question
        if q.cognitive_level is None:
            out.append(_warn(lq, "cognitive_level", "missing: recall, application or analysis"))
        case_tags = bank.cases[lq.case_key].case.tags if lq.case_key in bank.cases else []
        if (q.as_of is None) != (q.review_by is None):
            have, missing = (
                ("as_of", "review_by") if q.review_by is None else ("review_by", "as_of")
            )
            out.append(_warn(lq, missing, f"missing: an item with {have} needs {missing} too"))
        elif q.as_of is None and is_jurisdiction_item(lq, case_tags):
            out.append(
                _warn(
                    lq,
                    "as_of",
                    "a jurisdiction item needs as_of (when its rule was checked) and review_by",
                )
            )
        if today is not None and q.review_by is not None and q.review_by < today:
            out.append(
                _warn(
                    lq,
                    "review_by",
                    f"review date {q.review_by.isoformat()} has passed: check the rule again "
                    f"and update as_of and review_by",
                )
            )
        if q.as_of and q.review_by and q.review_by < q.as_of:
            out.append(_warn(lq, "review_by", "is before as_of"))
    return out


# ---------------------------------------------------------------- pools and cues


def _bank_warning(message: str, kind: str = "", key: str = "", field: str = "") -> BankProblem:
    return BankProblem("modules" if kind else "bank", message, kind, key, field, "warning")


def pool_problems(inv: pools.Inventory) -> list[BankProblem]:
    out = []
    rows = [p for p in pools.exam_pools(inv) if p.topic != pools.CASES]
    for p in rows + pools.case_draw_pools(inv):
        what = f"'{p.topic}'" + (f" {p.difficulty}" if p.difficulty else "")
        if p.eligible < pools.POOL_DEPTH * p.drawn:
            out.append(
                _bank_warning(
                    f"pool {what}: {p.eligible} eligible exam item(s) for {p.drawn} drawn; "
                    f"an exam pool needs at least {pools.POOL_DEPTH} × drawn "
                    f"({pools.POOL_DEPTH * p.drawn})",
                    "module",
                    p.module,
                    "blueprint" if p in rows else "cases",
                )
            )
    for p in rows:
        if p.eligible and p.applied < pools.APPLIED_SHARE * p.eligible:
            out.append(
                _bank_warning(
                    f"pool {p.topic} {p.difficulty or 'any'}: {p.applied} of {p.eligible} exam "
                    f"questions are application or analysis; at least half must be",
                    "module",
                    p.module,
                    "blueprint",
                )
            )
    for pp in pools.practice_pools(inv):
        need = pools.PRACTICE_CASES if pp.unit == pools.CASES else pools.PRACTICE_QUESTIONS
        if pp.eligible < need:
            out.append(
                _bank_warning(
                    f"practice module draws from {pp.eligible} practice {pp.unit}; it needs at "
                    f"least {need} that no exam can draw",
                    "module",
                    pp.module,
                    "blueprint" if pp.unit == "questions" else "cases",
                )
            )
    return out


def cue_problems(inv: pools.Inventory) -> list[BankProblem]:
    out = []
    shares = pools.cues(inv)
    low, high = pools.TRUE_SHARE_RANGE
    for name, label in (
        ("true_false_true_share", "true/false questions"),
        ("case_true_false_true_share", "true/false case steps"),
    ):
        share = shares[name]
        if share is not None and not low <= share <= high:
            out.append(
                _bank_warning(
                    f"cue: the key is 'true' in {share:.0%} of published {label}; keep it "
                    f"between {low:.0%} and {high:.0%}"
                )
            )
    for name, label in (
        ("key_unique_longest_share", "longest"),
        ("key_unique_shortest_share", "shortest"),
    ):
        share = shares[name]
        if share is not None and share > pools.KEY_LENGTH_SHARE:
            out.append(
                _bank_warning(
                    f"cue: the key is the unique {label} option in {share:.1%} of published "
                    f"single-answer questions (at most {pools.KEY_LENGTH_SHARE:.0%}): balance "
                    f"option lengths"
                )
            )
    out += _multiple_response_problems(inv)
    return out


#: Multiple response: warn when the correct options are on average the shorter ones in more
#: than this share of the items (chance is about half).
MR_SHORTER_SHARE = 0.7
MR_MIN_ITEMS = 5


def _multiple_response_problems(inv: pools.Inventory) -> list[BankProblem]:
    spread = pools.multiple_response_spread(inv)
    n = spread["items"]
    out = []
    if n >= MR_MIN_ITEMS and len(spread["correct_options"]) == 1:
        (count,) = spread["correct_options"]
        out.append(
            _bank_warning(
                f"cue: all {n} multiple-response questions have {count} correct option(s): "
                f"vary the number"
            )
        )
    if n >= MR_MIN_ITEMS and spread["correct_shorter"] > MR_SHORTER_SHARE * n:
        out.append(
            _bank_warning(
                f"cue: the correct options are on average the shorter ones in "
                f"{spread['correct_shorter']} of {n} multiple-response questions"
            )
        )
    return out


def cue_report(bank: Bank) -> list[str]:
    """Lines for the lint's output: the cue shares and the multiple-response spread."""
    inv = pools.inventory_of_bank(bank)
    shares = pools.cues(inv)
    spread = pools.multiple_response_spread(inv)

    def show(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.2f}"

    counts = ", ".join(f"{k} correct: {v}" for k, v in spread["correct_options"].items())
    return [
        "cues: true/false 'true' share "
        f"{show(shares['true_false_true_share'])} (case steps "
        f"{show(shares['case_true_false_true_share'])}); key unique longest "
        f"{show(shares['key_unique_longest_share'])}, unique shortest "
        f"{show(shares['key_unique_shortest_share'])}",
        f"cues: multiple response ({spread['items']} items): {counts or 'none'}; correct "
        f"options shorter on average in {spread['correct_shorter']}",
    ]


# ---------------------------------------------------------------- script concordance


#: Two script concordance questions present the same scenario when their new information is
#: this similar (``difflib`` ratio of the normalised texts) and their hypotheses at least
#: ``SAME_HYPOTHESIS`` similar (identical texts are 1.0).
SAME_NEW_INFORMATION = 0.7
SAME_HYPOTHESIS = 0.25


def script_concordance_problems(bank: Bank) -> list[BankProblem]:
    out = []
    scts = [
        (lq, panel)
        for lq in bank.questions.values()
        if (panel := registry.get(lq.question.type).content.panel(lq.question)) is not None
    ]
    for lq, panel in scts:
        kind, key = _where(lq)
        if lq.question.use == Use.EXAM and panel.source == "provisional":
            out.append(
                BankProblem(
                    lq.path,
                    "an exam item needs a recorded panel: a provisional panel serves practice "
                    "only (use: practice)",
                    kind,
                    key,
                    "panel.source",
                )
            )
    # A retired item is never shown, so its panel contradicts nothing a trainee sees: retiring
    # one of two items that present the same scenario reconciles them.
    shown = [(lq, panel) for lq, panel in scts if lq.question.status != Status.RETIRED]
    for i, (first, one) in enumerate(shown):
        for second, other in shown[i + 1 :]:
            a, b = first.question, second.question
            if (one.counts, one.source) != (other.counts, other.source) and _same_scenario(a, b):
                out.append(
                    _warn(
                        first,
                        "panel",
                        f"the same scenario (hypothesis and new information) has different "
                        f"panels in {a.key} and {b.key}: reconcile them",
                    )
                )
    return out


def _same_scenario(a: Any, b: Any) -> bool:
    new = SequenceMatcher(None, _plain(a.new_information), _plain(b.new_information)).ratio()
    if new < SAME_NEW_INFORMATION:
        return False
    return SequenceMatcher(None, _plain(a.hypothesis), _plain(b.hypothesis)).ratio() >= (
        SAME_HYPOTHESIS
    )


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


# ---------------------------------------------------------------- short-answer spellings

#: British <-> American spellings: (British, American) fragments of a word.
SPELLINGS: tuple[tuple[str, str], ...] = (
    ("haem", "hem"),
    ("anaes", "anes"),
    ("oedem", "edem"),
    ("ischaem", "ischem"),
    ("paed", "ped"),
    ("oesophag", "esophag"),
    ("isation", "ization"),
)
#: American fragments that only mean the medical word at these positions.
_AMERICAN = {
    "hem": re.compile(r"^hem(?=a|o|or)"),
    "anes": re.compile(r"^anes(?=th)"),
    "edem": re.compile(r"edem(?=a)"),
    "ischem": re.compile(r"^ischem"),
    "ped": re.compile(r"^ped(?=iat)|(?<=ortho)ped"),
    "esophag": re.compile(r"^esophag"),
    "ization": re.compile(r"ization$"),
}


def spelling_variant(word: str) -> str | None:
    """The other spelling (British <-> American) of a medical word, or None."""
    lower = word.lower()
    for british, american in SPELLINGS:
        if british in lower:
            return lower.replace(british, american)
        if _AMERICAN[american].search(lower):
            return _AMERICAN[american].sub(british, lower)
    return None


def spelling_problems(bank: Bank) -> list[BankProblem]:
    out = []
    for lq in bank.questions.values():
        content = registry.get(lq.question.type).content
        answers = content.answers(lq.question)
        missing = set()
        for answer in answers:
            for word in re.findall(r"[A-Za-z]+", answer):
                variant = spelling_variant(word)
                if variant is None:
                    continue
                spelt = re.sub(rf"\b{re.escape(word)}\b", variant, answer, flags=re.IGNORECASE)
                if not content.accepts(lq.question, spelt.replace("*", "")):
                    missing.add(variant)
        if missing:
            out.append(
                _warn(
                    lq,
                    "answers",
                    f"accept the other spelling too: {', '.join(sorted(missing))}",
                )
            )
    return out


# ---------------------------------------------------------------- references and docs/sources.md

_LEAD = re.compile(r"[^\W\d][\w'\u2019&-]*(?:\.[\w-]+)*")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _lead(text: str) -> str:
    found = _LEAD.search(text)
    return found.group(0).lower().rstrip(".") if found else ""


def source_entries(sources: str) -> list[tuple[str, str]]:
    """(first name, whole line) of each entry ("- ...") of docs/sources.md, lower-cased."""
    return [
        (_lead(line[2:]), line.lower()) for line in sources.splitlines() if line.startswith("- ")
    ]


def names_a_source(reference: str, entries: list[tuple[str, str]]) -> bool:
    """Whether a reference's first author (or body, or web site) and year name an entry:
    the entry starts with the same name (a web site may appear anywhere in it), and the
    reference's year, if any, appears in the entry when the entry gives a year."""
    lead = _lead(reference)
    year = _YEAR.search(reference)
    for first, line in entries:
        if lead != first and not ("." in lead and lead in line):
            continue
        if year is None or year.group(0) in line or not _YEAR.search(line):
            return True
    return False


def reference_problems(bank: Bank, sources: str | None) -> list[BankProblem]:
    """A reference that names no source of docs/sources.md (checked when the page is given)."""
    if sources is None:
        return []
    entries = source_entries(sources)
    out = []
    for lq in bank.questions.values():
        for i, reference in enumerate(lq.question.references):
            if not names_a_source(reference, entries):
                out.append(
                    _warn(
                        lq,
                        f"references.{i + 1}",
                        "names no source listed in docs/sources.md (first author and year): "
                        "add the source there",
                    )
                )
    return out


# ---------------------------------------------------------------- all of them


def lint_content(bank: Bank, today: date | None, sources: str | None = None) -> list[BankProblem]:
    inv = pools.inventory_of_bank(bank)
    return [
        *reference_problems(bank, sources),
        *authoring_note_problems(bank),
        *outside_path_problems(bank),
        *level_and_date_problems(bank, today),
        *script_concordance_problems(bank),
        *spelling_problems(bank),
        *pool_problems(inv),
        *cue_problems(inv),
    ]
