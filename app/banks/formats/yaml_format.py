"""Our native YAML (question_banks/README.md): parse through the loader, dump back.

``dump_yaml`` writes a document that ``app.banks.loader.load_text`` reads back to equal models:
default values are left out, multi-line text uses block style (``|``), point lists are inline.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from app.banks.formats.base import ExportResult, ParseResult
from app.banks.loader import load_text
from app.banks.schema import Case, Module, Program, QuestionBase, Topic


def parse(text: str | bytes, source: str = "<yaml>") -> ParseResult:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return ParseResult(problems=[f"{source}:1: not UTF-8 text ({exc.reason})"])
    base_dir = Path(source).parent if source and not source.startswith("<") else Path(".")
    try:
        bank = load_text(text, source, base_dir)
    except Exception as exc:  # the loader collects problems; this is a last resort
        return ParseResult(problems=[f"{source}:1: cannot load ({type(exc).__name__}: {exc})"])
    questions = [
        lq.question if lq.question.topic else lq.question.model_copy(update={"topic": lq.topic})
        for lq in bank.standalone_questions()
    ]
    cases = [
        lc.case if lc.case.topic else lc.case.model_copy(update={"topic": lc.topic})
        for lc in bank.cases.values()
    ]
    return ParseResult(
        questions=questions,
        problems=[
            str(p) if p.severity == "error" else f"{p.path}: warning: {_rest(p)}"
            for p in bank.problems
        ],
        cases=cases,
        topics=list(bank.topics.values()),
        modules=list(bank.modules.values()),
        programs=list(bank.programs.values()),
    )


def _rest(problem: Any) -> str:
    return str(problem).removeprefix(f"{problem.path}: ")


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = bool(value) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _dump_model(model: Any) -> dict[str, Any]:
    data = model.model_dump(mode="json", exclude_defaults=True)
    if isinstance(model, QuestionBase | Case):
        # Always said, even when it is the default: whether a key may ever be shown.
        data["use"] = model.use.value
    if isinstance(model, Case):
        for step in data["steps"]:
            step["question"].pop("use", None)  # a case's steps share the case's use
    return data


def dump_yaml(
    questions: Iterable[QuestionBase] = (),
    cases: Iterable[Case] = (),
    modules: Iterable[Module] = (),
    programs: Iterable[Program] = (),
    topics: Iterable[Topic] = (),
) -> str:
    """One bank document with the given sections (empty sections are left out)."""
    data: dict[str, Any] = {}
    for name, items in (
        ("topics", topics),
        ("questions", questions),
        ("cases", cases),
        ("modules", modules),
        ("programs", programs),
    ):
        dumped = [_dump_model(i) for i in items]
        if dumped:
            data[name] = dumped
    if name_keys := [q for q in data.get("questions", []) if q.get("type") is None]:
        raise ValueError(f"questions without a type: {name_keys}")  # pragma: no cover
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def export(
    questions: Iterable[QuestionBase],
    cases: Iterable[Case] = (),
    modules: Iterable[Module] = (),
    programs: Iterable[Program] = (),
    topics: Iterable[Topic] = (),
    **_: Any,
) -> ExportResult:
    """The native format expresses everything: nothing is skipped."""
    return ExportResult(dump_yaml(questions, cases, modules, programs, topics))
