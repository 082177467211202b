"""Read a directory (or one file) of native YAML bank files into validated models.

Pure: no Flask, no SQLAlchemy. Every problem is collected, located (file, item key, field)
and returned together, so an author sees all of them in one run.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.banks import yamlread
from app.banks.schema import (
    OLD_PRACTICE_TAG,
    QUESTION_ADAPTER,
    Case,
    Module,
    Program,
    QuestionBase,
    Status,
    Topic,
    Use,
    question_image,
    question_models,
)
from app.i18n import gettext
from app.questions import registry

_QUESTION = QUESTION_ADAPTER
SECTIONS = ("topic", "topics", "questions", "cases", "modules", "programs")


@dataclass(frozen=True)
class BankProblem:
    """One located problem: ``path: kind 'key': field: message``."""

    path: str
    message: str
    kind: str = ""  # question, case, module, program, topic ("" for the file itself)
    key: str = ""
    field: str = ""
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.kind} '{self.key}': " if self.kind else ""
        fld = f"{self.field}: " if self.field else ""
        return f"{self.path}: {where}{fld}{self.message}"


@dataclass
class LoadedQuestion:
    question: QuestionBase
    path: str
    topic: str
    base_dir: Path  # the folder relative image paths start from
    case_key: str | None = None  # set for the steps of a case


@dataclass
class LoadedCase:
    case: Case
    path: str
    topic: str
    base_dir: Path


@dataclass
class Bank:
    topics: dict[str, Topic] = field(default_factory=dict)
    questions: dict[str, LoadedQuestion] = field(default_factory=dict)
    cases: dict[str, LoadedCase] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    programs: dict[str, Program] = field(default_factory=dict)
    problems: list[BankProblem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # each file's text, comments and all

    @property
    def errors(self) -> list[BankProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[BankProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    def standalone_questions(self) -> list[LoadedQuestion]:
        return [q for q in self.questions.values() if q.case_key is None]


class BankFileInvalid(Exception):
    """Raised by callers that need all-or-nothing: carries every problem found."""

    def __init__(self, problems: list[BankProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


#: Folders under a bank that hold other kinds of file (jurisdiction rules: app/jurisdictions).
NOT_BANK_FOLDERS = frozenset({"jurisdictions"})


def bank_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and not NOT_BANK_FOLDERS & set(p.relative_to(path).parts[:-1])
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a bank is read or written (also a decorator).

    A large bank becomes hundreds of thousands of dicts, lists, strings and models that live
    until the import ends; each collection the allocations set off scans them all again (a
    fifth of a 10,000-question import's time, reading and writing). Reference counting still
    frees everything that is not a cycle; a cycle made meanwhile waits for the next collection
    after the import. The switch is the process's: in a threaded server, other threads' cycles
    wait too, for the import's few seconds. A collector paused by someone else stays so."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@collector_paused()
def load_bank(path: str | Path, display_root: Path | None = None) -> Bank:
    """Load every ``*.yaml`` under ``path`` (or the one file) and cross-check them."""
    root = Path(path)
    bank = Bank()
    if not root.exists():
        bank.problems.append(BankProblem(str(root), gettext("no such file or directory")))
        return bank
    for file in bank_files(root):
        shown = _display(file, display_root)
        bank.files.append(shown)
        _load_file(bank, file, shown)
    check_references(bank)
    return bank


@collector_paused()
def load_text(text: str, name: str = "<text>", base_dir: Path | None = None) -> Bank:
    """Load one bank document given as text (uploads, tests)."""
    bank = Bank(files=[name], texts={name: text})
    _parse_document(bank, text, name, base_dir or Path("."))
    check_references(bank)
    return bank


def _display(file: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(file.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(file)


def _load_file(bank: Bank, file: Path, shown: str) -> None:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        bank.problems.append(
            BankProblem(shown, gettext("cannot read the file: %(error)s", error=str(exc)))
        )
        return
    bank.texts[shown] = text
    _parse_document(bank, text, shown, file.parent)


def _parse_document(bank: Bank, text: str, shown: str, base_dir: Path) -> None:
    """Add one bank file's sections to ``bank``, in the order topics, questions, cases,
    modules, programs; every problem found is recorded on the bank."""
    data = _read_sections(bank, text, shown)
    if data is None:
        return
    default_topic = _default_topic(bank, data, shown)

    for raw in _section(bank, data, "topics", shown):
        item = _validate(bank, Topic, raw, shown, "topic", "id")
        if item is not None:
            _add_unique(bank, bank.topics, item.id, item, shown, "topic")

    _parse_questions(bank, data, shown, base_dir, default_topic)
    _parse_cases(bank, data, shown, base_dir, default_topic)

    for raw in _section(bank, data, "modules", shown):
        module = _validate(bank, Module, raw, shown, "module", "slug")
        if module is not None:
            _add_unique(bank, bank.modules, module.slug, module, shown, "module")

    for raw in _section(bank, data, "programs", shown):
        program = _validate(bank, Program, raw, shown, "program", "slug")
        if program is not None:
            _add_unique(bank, bank.programs, program.slug, program, shown, "program")


def _read_sections(bank: Bank, text: str, shown: str) -> dict[str, Any] | None:
    """The file's mapping of sections, or None when it is empty or not a mapping of YAML
    (then the problem is recorded); an unknown section is recorded too."""
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark:
            message = gettext(
                "not valid YAML (line %(line)s, column %(column)s): %(problem)s",
                line=mark.line + 1,
                column=mark.column + 1,
                problem=problem,
            )
        else:
            message = gettext("not valid YAML: %(problem)s", problem=problem)
        bank.problems.append(BankProblem(shown, message))
        return None
    if data is None:
        return None
    if not isinstance(data, dict):
        bank.problems.append(BankProblem(shown, gettext("a bank file is a mapping of sections")))
        return None
    unknown = sorted(set(data) - set(SECTIONS))
    for name in unknown:
        message = gettext(
            "unknown section '%(name)s' (expected one of %(sections)s)",
            name=name,
            sections=", ".join(SECTIONS),
        )
        bank.problems.append(BankProblem(shown, message))
    return data


def _load_yaml(text: str) -> Any:
    """The file's data: read by :mod:`app.banks.yamlread` (libyaml's parser when PyYAML was
    built with it, about ten times faster on a large bank, and plain data built directly), which
    gives what ``yaml.safe_load`` gives. Errors are reported by the pure Python parser
    (``safe_load``), so messages and their line and column stay as they were."""
    try:
        return yamlread.load(text)
    except yaml.YAMLError as error:
        try:
            return yaml.safe_load(text)  # raises, with the messages authors have always seen
        except RecursionError:  # nested deeper than the Python parser follows: libyaml's word
            raise error from None
    except RecursionError:  # without libyaml, the Python parser's own limit
        raise yaml.YAMLError(gettext("nested too deeply")) from None


def _default_topic(bank: Bank, data: dict[str, Any], shown: str) -> str | None:
    """The file's top-level ``topic`` (the default of its questions and cases), if valid."""
    default_topic = data.get("topic")
    if default_topic is not None and not isinstance(default_topic, str):
        bank.problems.append(BankProblem(shown, gettext("must be a topic id"), field="topic"))
        default_topic = None
    return default_topic


def _parse_questions(
    bank: Bank, data: dict[str, Any], shown: str, base_dir: Path, default_topic: str | None
) -> None:
    """Add the file's stand-alone questions, each with its own topic or the file's."""
    for raw in _section(bank, data, "questions", shown):
        question = _validate_question(bank, raw, shown, "question")
        if question is None or _old_tag(bank, question.tags, shown, "question", question.key):
            continue
        topic = question.topic or default_topic
        if topic is None:
            bank.problems.append(
                BankProblem(
                    shown,
                    gettext("no topic (set it here or at the top of the file)"),
                    "question",
                    question.key,
                    "topic",
                )
            )
            continue
        _add_unique(
            bank,
            bank.questions,
            question.key,
            LoadedQuestion(question, shown, topic, base_dir),
            shown,
            "question",
        )


def _parse_cases(
    bank: Bank, data: dict[str, Any], shown: str, base_dir: Path, default_topic: str | None
) -> None:
    """Add the file's cases and, for each case added, the questions of its steps."""
    for raw in _section(bank, data, "cases", shown):
        case = _validate_case(bank, raw, shown)
        if case is None:
            continue
        tags = [*case.tags, *(t for step in case.steps for t in step.question.tags)]
        if _old_tag(bank, tags, shown, "case", case.key):
            continue
        topic = case.topic or default_topic
        if topic is None:
            bank.problems.append(
                BankProblem(
                    shown,
                    gettext("no topic (set it here or at the top of the file)"),
                    "case",
                    case.key,
                    "topic",
                )
            )
            continue
        if _add_unique(
            bank, bank.cases, case.key, LoadedCase(case, shown, topic, base_dir), shown, "case"
        ):
            for step in case.steps:
                q = step.question
                _add_unique(
                    bank,
                    bank.questions,
                    q.key,
                    LoadedQuestion(q, shown, q.topic or topic, base_dir, case_key=case.key),
                    shown,
                    "question",
                )


def _old_tag(bank: Bank, tags: list[str], shown: str, kind: str, key: str) -> bool:
    """True (and the problem recorded) when an item still carries the retired practice tag:
    refused rather than mapped, so that a file says ``use`` in one way only."""
    if OLD_PRACTICE_TAG not in tags:
        return False
    if kind == "case":
        message = gettext(
            "the '%(tag)s' tag is replaced by the field 'use': remove the tag and "
            "write 'use: practice' (or 'use: exam') on the case",
            tag=OLD_PRACTICE_TAG,
        )
    else:
        message = gettext(
            "the '%(tag)s' tag is replaced by the field 'use': remove the tag and "
            "write 'use: practice' (or 'use: exam')",
            tag=OLD_PRACTICE_TAG,
        )
    bank.problems.append(BankProblem(shown, message, kind, key, "tags"))
    return True


def _section(bank: Bank, data: dict[str, Any], name: str, shown: str) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        bank.problems.append(BankProblem(shown, gettext("must be a list"), field=name))
        return []
    return value


def _item_key(raw: Any, attr: str, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get(attr), str):
        return raw[attr]
    return f"#{index + 1}"


def _report(
    bank: Bank, exc: ValidationError, shown: str, kind: str, key: str, prefix: str = ""
) -> None:
    for err in exc.errors():
        # Positions are shown 1-based; the discriminated union's type name is dropped.
        loc = [str(p + 1) if isinstance(p, int) else str(p) for p in err["loc"]]
        if loc and loc[0] in question_models():
            loc = loc[1:]
        message = err["msg"].removeprefix("Value error, ")
        if message == "Field required":  # pydantic's own words (always English)
            message = gettext("required")
        elif message.startswith("Extra inputs are not permitted"):
            message = gettext("unknown field")
        message = message[:1].lower() + message[1:]
        if ": " in message and not loc:
            fld, _, message = message.partition(": ")
            loc = [fld]
        where = ".".join(loc)
        if prefix:
            where = f"{prefix}.{where}" if where else prefix
        bank.problems.append(BankProblem(shown, message, kind, key, where))


def _validate(bank: Bank, model: Any, raw: Any, shown: str, kind: str, attr: str) -> Any:
    key = _item_key(raw, attr, 0)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        _report(bank, exc, shown, kind, key)
        return None


def _validate_question(
    bank: Bank, raw: Any, shown: str, kind: str, prefix: str = "", key: str | None = None
) -> QuestionBase | None:
    key = key or _item_key(raw, "key", 0)
    if isinstance(raw, dict) and "type" not in raw:
        bank.problems.append(
            BankProblem(
                shown,
                gettext("missing (one of the question types)"),
                kind,
                key,
                f"{prefix}.type" if prefix else "type",
            )
        )
        return None
    type_names = question_models()
    if isinstance(raw, dict) and raw["type"] not in type_names:
        bank.problems.append(
            BankProblem(
                shown,
                gettext(
                    "unknown question type '%(type)s' (expected one of %(types)s)",
                    type=raw["type"],
                    types=", ".join(sorted(type_names)),
                ),
                kind,
                key,
                f"{prefix}.type" if prefix else "type",
            )
        )
        return None
    if isinstance(raw, dict) and _file_check(bank, raw, shown, kind, key, prefix):
        return None
    try:
        return _QUESTION.validate_python(raw)
    except ValidationError as exc:
        _report(bank, exc, shown, kind, key, prefix)
        return None


def _file_check(
    bank: Bank, raw: dict[str, Any], shown: str, kind: str, key: str, prefix: str
) -> bool:
    """True (and the problems recorded) when the type's ``file_check`` refuses the question as
    written (a form stored versions may hold but a bank file no longer uses)."""
    problems = registry.get(raw["type"]).content.file_check(raw)
    for fld, message in problems:
        where = f"{prefix}.{fld}" if prefix else fld
        bank.problems.append(BankProblem(shown, message, kind, key, where))
    return bool(problems)


def _validate_case(bank: Bank, raw: Any, shown: str) -> Case | None:
    key = _item_key(raw, "key", 0)
    if not isinstance(raw, dict):
        bank.problems.append(BankProblem(shown, gettext("a case is a mapping"), "case", key))
        return None
    # Validate the steps' questions one by one so that errors name the step.
    ok = True
    steps = raw.get("steps")
    if isinstance(steps, list):
        for i, step in enumerate(steps):
            if not isinstance(step, dict) or "question" not in step:
                bank.problems.append(
                    BankProblem(
                        shown,
                        gettext("a case step needs a question"),
                        "case",
                        key,
                        f"steps.{i + 1}",
                    )
                )
                ok = False
                continue
            if (
                _validate_question(
                    bank, step["question"], shown, "case", prefix=f"steps.{i + 1}.question", key=key
                )
                is None
            ):
                ok = False
    if not ok:
        return None
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        _report(bank, exc, shown, "case", key)
        return None


def _add_unique(
    bank: Bank, table: dict[str, Any], key: str, value: Any, shown: str, kind: str
) -> bool:
    if key in table:
        first = getattr(table[key], "path", None)
        bank.problems.append(BankProblem(shown, _duplicate(kind, first), kind, key))
        return False
    table[key] = value
    return True


def _duplicate(kind: str, first: str | None) -> str:
    """The duplicate-key message of ``kind``: one whole message per kind."""
    if first:
        messages = {
            "question": gettext("duplicate question key (first defined in %(path)s)", path=first),
            "case": gettext("duplicate case key (first defined in %(path)s)", path=first),
            "topic": gettext("duplicate topic key (first defined in %(path)s)", path=first),
            "module": gettext("duplicate module key (first defined in %(path)s)", path=first),
            "program": gettext("duplicate program key (first defined in %(path)s)", path=first),
        }
    else:
        messages = {
            "question": gettext("duplicate question key"),
            "case": gettext("duplicate case key"),
            "topic": gettext("duplicate topic key"),
            "module": gettext("duplicate module key"),
            "program": gettext("duplicate program key"),
        }
    return messages.get(kind) or f"duplicate {kind} key"  # an unknown kind: not translated


# ---------------------------------------------------------------- cross references


def check_references(bank: Bank, known_topics: set[str] | None = None) -> None:
    """Problems that need the whole bank: unknown topics, modules, objectives, images."""
    topics = set(bank.topics) | (known_topics or set())
    _check_question_references(bank, topics)
    for lc in bank.cases.values():
        if topics and lc.topic not in topics:
            bank.problems.append(
                BankProblem(
                    lc.path,
                    gettext("unknown topic '%(topic)s'", topic=lc.topic),
                    "case",
                    lc.case.key,
                    "topic",
                )
            )
    _check_module_references(bank, topics)
    for program in bank.programs.values():
        extra = [program.renewal_module] if program.renewal_module else []
        for slug in [*program.modules, *extra]:
            if slug not in bank.modules:
                bank.problems.append(
                    BankProblem(
                        "programs",
                        gettext("unknown module '%(module)s'", module=slug),
                        "program",
                        program.slug,
                        "modules",
                    )
                )
    _check_prerequisite_cycles(bank)


def _check_question_references(bank: Bank, topics: set[str]) -> None:
    """Each question's topic, learning objective and image exist."""
    objectives = {o.id for m in bank.modules.values() for o in m.objectives}
    for lq in bank.questions.values():
        q = lq.question
        kind, key = ("case", lq.case_key) if lq.case_key else ("question", q.key)
        if topics and lq.topic not in topics:
            bank.problems.append(
                BankProblem(
                    lq.path,
                    gettext("unknown topic '%(topic)s'", topic=lq.topic),
                    kind,
                    key,
                    "topic",
                )
            )
        if q.objective and bank.modules and q.objective not in objectives:
            bank.problems.append(
                BankProblem(
                    lq.path,
                    gettext("unknown learning objective '%(objective)s'", objective=q.objective),
                    kind,
                    key,
                    "objective",
                    severity="warning",
                )
            )
        image = question_image(q)
        if image is not None and not (lq.base_dir / image).is_file():
            bank.problems.append(
                BankProblem(
                    lq.path,
                    gettext("image '%(name)s' not found beside the bank file", name=image),
                    kind,
                    key,
                    "image",
                )
            )


def _check_module_references(bank: Bank, topics: set[str]) -> None:
    """Each module's prerequisites, blueprint topics and case-draw topics exist."""
    module_path = "modules"
    for module in bank.modules.values():
        for pre in module.prerequisites:
            if pre not in bank.modules:
                bank.problems.append(
                    BankProblem(
                        module_path,
                        gettext("unknown module '%(module)s'", module=pre),
                        "module",
                        module.slug,
                        "prerequisites",
                    )
                )
        for row in module.blueprint:
            if topics and row.topic not in topics:
                bank.problems.append(
                    BankProblem(
                        module_path,
                        gettext("unknown topic '%(topic)s'", topic=row.topic),
                        "module",
                        module.slug,
                        "blueprint",
                    )
                )
        for draw in module.cases:
            if draw.topic and topics and draw.topic not in topics:
                bank.problems.append(
                    BankProblem(
                        module_path,
                        gettext("unknown topic '%(topic)s'", topic=draw.topic),
                        "module",
                        module.slug,
                        "cases",
                    )
                )


def _check_prerequisite_cycles(bank: Bank) -> None:
    state: dict[str, int] = {}

    def visit(slug: str, trail: list[str]) -> None:
        if state.get(slug) == 2 or slug not in bank.modules:
            return
        if state.get(slug) == 1:
            cycle = " -> ".join([*trail[trail.index(slug) :], slug])
            bank.problems.append(
                BankProblem(
                    "modules",
                    gettext("prerequisite cycle: %(cycle)s", cycle=cycle),
                    "module",
                    slug,
                    "prerequisites",
                )
            )
            return
        state[slug] = 1
        for pre in bank.modules[slug].prerequisites:
            visit(pre, [*trail, slug])
        state[slug] = 2

    for slug in bank.modules:
        visit(slug, [])


def published_counts(bank: Bank, use: Use) -> Counter[tuple[str, str]]:
    """Published standalone questions of ``use`` per (topic, difficulty)."""
    return Counter(
        (lq.topic, lq.question.difficulty.value)
        for lq in bank.standalone_questions()
        if lq.question.status == Status.PUBLISHED and lq.question.use == use
    )
