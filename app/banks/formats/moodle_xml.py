"""Moodle XML (``<quiz><question type=...>``): parse and export.

Import maps multichoice, truefalse, matching (Moodle writes ``matching``, and also reads the
type's internal name ``match``), shortanswer, numerical, ordering (the qtype_ordering plugin)
and category (a tag on the following questions); essay, description, cloze (multianswer),
calculated*, drag-and-drop, gapselect, random... are reported as skipped with the reason.
Export writes the type names Moodle writes (``matching``, not ``match``).
XML with a DOCTYPE or ENTITY declaration is refused (see ``base.refuse_dtd``).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from app.banks.formats.base import (
    ExportResult,
    KeyAllocator,
    ParseResult,
    Skipped,
    XMLDocument,
    decode,
    html_to_markdown,
    option_ids,
    parse_xml,
    slugify,
    try_build,
    warn,
)
from app.banks.schema import (
    Case,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)

_EPS = 0.05
_SKIP_REASONS = {
    "essay": "essay question: essays are not auto-scored",
    "description": "description (no answer): not a question",
    "multianswer": "embedded answers (Cloze) have no equivalent question type",
    "cloze": "embedded answers (Cloze) have no equivalent question type",
    "calculated": "calculated questions (random values from formulas) have no equivalent",
    "calculatedsimple": "calculated questions (random values from formulas) have no equivalent",
    "calculatedmulti": "calculated questions (random values from formulas) have no equivalent",
    "ddwtos": "drag-and-drop into text has no equivalent question type",
    "ddimageortext": "drag-and-drop onto an image has no equivalent question type",
    "ddmarker": "drag-and-drop markers have no equivalent question type",
    "gapselect": "select missing words has no equivalent question type",
    "randomsamatch": "random short-answer matching draws other questions: no equivalent",
    "random": "a random question is a placeholder, not a question",
}
# Moodle's file names for a type whose internal name differs (qformat_xml::get_qtype).
_ALIASES = {"matching": "match"}


def _skip_reason(qtype: str) -> str | None:
    """Why a Moodle type is skipped, or None for a type that may have a converter."""
    if qtype in _SKIP_REASONS:
        return _SKIP_REASONS[qtype]
    if qtype.startswith("calculated"):
        return _SKIP_REASONS["calculated"]
    if qtype.startswith("dd"):
        return f"drag-and-drop ({qtype}) has no equivalent question type"
    return None


def _child_text(el: ET.Element | None, path: str = "text") -> str:
    if el is None:
        return ""
    node = el.find(path) if path else el
    return (node.text or "") if node is not None else ""


def _rich(el: ET.Element | None, default_format: str = "html") -> str:
    """The text of a ``<x format="..."><text>...</text></x>`` element, as Markdown."""
    if el is None:
        return ""
    text = _child_text(el)
    fmt = el.get("format", default_format)
    return html_to_markdown(text) if fmt == "html" else text.strip()


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes")


def _float(value: str | None) -> float | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class _Parser:
    def __init__(self, doc: XMLDocument, source: str):
        self.doc = doc
        self.source = source
        self.result = ParseResult()
        self.keys = KeyAllocator()
        self.category_tag: str | None = None

    def where(self, el: ET.Element) -> str:
        return f"{self.source}:{self.doc.line(el)}"

    def warning(self, el: ET.Element, message: str) -> None:
        self.result.problems.append(warn(self.where(el), message))

    def skip(self, el: ET.Element, title: str, reason: str) -> None:
        self.result.skipped.append(Skipped(self.where(el), title, reason))

    def run(self) -> ParseResult:
        root = self.doc.root
        if root.tag != "quiz":
            self.result.problems.append(
                f"{self.source}:{self.doc.line(root)}: the root element is <{root.tag}>, "
                "expected <quiz>"
            )
            return self.result
        for el in root:
            if el.tag != "question":
                continue
            try:
                self.question(el)
            except Exception as exc:  # a converter bug must not lose the rest of the file
                self.result.problems.append(
                    f"{self.where(el)}: cannot convert this question ({type(exc).__name__}: {exc})"
                )
        return self.result

    def question(self, el: ET.Element) -> None:
        qtype = el.get("type", "")
        if qtype == "category":
            path = _child_text(el.find("category")).strip()
            segments = [s for s in path.split("/") if s.strip()]
            self.category_tag = slugify(segments[-1]) if segments else None
            return
        name = _child_text(el.find("name")).strip()
        idnumber = (el.findtext("idnumber") or "").strip()
        reason = _skip_reason(qtype)
        if reason:
            self.skip(el, name, reason)
            return
        handler = getattr(self, f"q_{_ALIASES.get(qtype, qtype)}", None)
        if handler is None:
            self.skip(el, name, f"question type '{qtype}' has no equivalent")
            return
        stem = _rich(el.find("questiontext"))
        key = self.keys.allocate(
            idnumber, name, prefix="moodle", fallback_text=stem or str(self.doc.line(el))
        )
        tags = [slugify(_child_text(t)) for t in el.findall("tags/tag")]
        if self.category_tag:
            tags.append(self.category_tag)
        references = [
            _child_text(r).strip()
            for r in el.findall("references/reference")
            if _child_text(r).strip()
        ]
        if el.find(".//file") is not None or el.find("image") is not None:
            self.warning(el, "embedded files (images) are not imported; add them to the bank")
        data: dict[str, Any] = {
            "key": key,
            "title": "" if name == idnumber else name,
            "stem": stem,
            "explanation": _rich(el.find("generalfeedback")),
            "tags": list(dict.fromkeys(t for t in tags if t)),
            "references": references,
        }
        if handler(el, name, data) is not False:
            try_build(data, self.source, self.where(el), name, self.result)

    def _answers(self, el: ET.Element) -> list[tuple[float, str, str, ET.Element]]:
        out = []
        for a in el.findall("answer"):
            fraction = _float(a.get("fraction")) or 0.0
            text = _rich(a, a.get("format", "plain_text"))
            feedback = _rich(a.find("feedback"))
            out.append((fraction, text, feedback, a))
        return out

    def q_multichoice(self, el: ET.Element, name: str, data: dict[str, Any]) -> bool:
        answers = self._answers(el)
        single = _bool(el.findtext("single"), default=True)
        positive = [f for f, *_ in answers if f > 0]
        options = [
            {"id": i, "text": t, "correct": f > 0, "feedback": fb}
            for i, (f, t, fb, _) in zip(option_ids(len(answers)), answers, strict=True)
        ]
        data.update(options=options, shuffle=_bool(el.findtext("shuffleanswers"), True))
        if single:
            if len(positive) != 1 or abs(positive[0] - 100) > _EPS:
                self.skip(
                    el,
                    name,
                    "single-answer question with partial-credit or several "
                    f"correct answers ({', '.join(f'{f:g}%' for f in positive) or 'none'}): "
                    "no equivalent",
                )
                return False
            data["type"] = "single_choice"
            if any(f < 0 for f, *_ in answers):
                self.warning(el, "negative fractions of wrong answers dropped")
        else:
            if not positive or abs(sum(positive) - 100) > _EPS:
                self.skip(
                    el,
                    name,
                    "multiple-answer question whose positive fractions "
                    f"({', '.join(f'{f:g}%' for f in positive) or 'none'}) do not add "
                    "up to 100%: no equivalent",
                )
                return False
            data["type"] = "multiple_response"
            if max(positive) - min(positive) > _EPS:
                self.warning(el, "unequal fractions of the correct answers become equal")
        return True

    def q_truefalse(self, el: ET.Element, name: str, data: dict[str, Any]) -> bool:
        answer = None
        data.update(type="true_false", feedback_true="", feedback_false="")
        for fraction, text, feedback, _ in self._answers(el):
            value = text.strip().lower()
            if value not in ("true", "false"):
                self.skip(el, name, f"true/false answer {text!r} is neither true nor false")
                return False
            data[f"feedback_{value}"] = feedback
            if fraction > 0:
                answer = value == "true"
        if answer is None:
            self.skip(el, name, "true/false question without a correct answer")
            return False
        data["answer"] = answer
        return True

    def q_match(self, el: ET.Element, name: str, data: dict[str, Any]) -> bool:
        pairs, distractors = [], []
        for sub in el.findall("subquestion"):
            premise = _rich(sub, sub.get("format", "html"))
            answer = _child_text(sub.find("answer")).strip()
            if premise:
                pairs.append({"premise": premise, "answer": answer})
            elif answer:
                distractors.append(answer)
        data.update(type="matching", pairs=pairs, distractors=distractors)
        return True

    def q_shortanswer(self, el: ET.Element, name: str, data: dict[str, Any]) -> bool:
        accepted, dropped, feedback = [], [], False
        for fraction, text, fb, _ in self._answers(el):
            if abs(fraction - 100) <= _EPS:
                accepted.append(text)
            else:
                dropped.append(f"{text!r} ({fraction:g}%)")
            feedback = feedback or bool(fb)
        if dropped:
            self.warning(el, f"answers other than 100% dropped: {', '.join(dropped)}")
        if feedback:
            self.warning(el, "per-answer feedback dropped (short-answer questions have none)")
        data.update(
            type="short_answer", answers=accepted, case_sensitive=_bool(el.findtext("usecase"))
        )
        return True

    def q_numerical(self, el: ET.Element, name: str, data: dict[str, Any]) -> bool:
        chosen: tuple[float, float] | None = None
        dropped, feedback = [], False
        for fraction, text, fb, a in self._answers(el):
            value = _float(text)
            tolerance = _float(a.findtext("tolerance")) or 0.0
            feedback = feedback or bool(fb)
            if chosen is None and value is not None and abs(fraction - 100) <= _EPS:
                chosen = (value, abs(tolerance))
            else:
                dropped.append(f"{text!r} ({fraction:g}%)")
        if chosen is None:
            self.skip(el, name, "numerical question without a 100% numeric answer")
            return False
        if dropped:
            self.warning(
                el,
                f"numeric answers dropped (only the first 100% answer is kept): "
                f"{', '.join(dropped)}",
            )
        if feedback:
            self.warning(el, "per-answer feedback dropped (numeric questions have none)")
        unit = ""
        units = el.findall("units/unit")
        for u in units:
            if _float(u.findtext("multiplier")) == 1.0:
                unit = (u.findtext("unit_name") or "").strip()
                break
        if len(units) > 1:
            self.warning(el, "only the base unit (multiplier 1) is kept")
        data.update(type="numeric", answer=chosen[0], tolerance=chosen[1], unit=unit)
        return True

    def q_ordering(self, el: ET.Element, name: str, data: dict[str, Any]) -> bool:
        answers = self._answers(el)
        select = (el.findtext("selecttype") or "ALL").strip().upper()
        if select not in ("ALL", "0"):
            self.warning(el, f"selecttype {select}: all items are used")
        # qtype_ordering stores each item's correct position in its fraction.
        positions = [a.get("fraction") for *_, a in answers]
        if all(_float(p) is not None for p in positions) and len(set(positions)) == len(answers):
            answers.sort(key=lambda a: _float(a[3].get("fraction")) or 0.0)
        data.update(type="ordering", items=[text for _, text, _, _ in answers])
        return True


def parse(text: str | bytes, source: str = "<moodle-xml>") -> ParseResult:
    decoded, problem = decode(text, source)
    if decoded is None:
        return ParseResult(problems=[problem or f"{source}:1: cannot read"])
    doc, problem = parse_xml(decoded, source)
    if doc is None:
        return ParseResult(problems=[problem or f"{source}:1: cannot parse"])
    return _Parser(doc, source).run()


# ---------------------------------------------------------------- export

EXPORTABLE = (SingleChoice, MultipleResponse, TrueFalse, Matching, Ordering, Numeric, ShortAnswer)
_TYPES = {
    SingleChoice: "multichoice",
    MultipleResponse: "multichoice",
    TrueFalse: "truefalse",
    Matching: "matching",
    Ordering: "ordering",
    Numeric: "numerical",
    ShortAnswer: "shortanswer",
}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _text_el(parent: ET.Element, tag: str, text: str, fmt: str | None = "markdown") -> ET.Element:
    el = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(el, "text", text)
    return el


def _fraction(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".") if value else "0"


def export_question(q: QuestionBase) -> ET.Element:
    el = ET.Element("question", {"type": _TYPES[type(q)]})
    name = _sub(el, "name")
    _sub(name, "text", q.title or q.key)
    _text_el(el, "questiontext", q.stem)
    _text_el(el, "generalfeedback", q.explanation)
    _sub(el, "defaultgrade", "1")
    _sub(el, "penalty", "0")
    _sub(el, "hidden", "0")
    _sub(el, "idnumber", q.key)
    if isinstance(q, SingleChoice | MultipleResponse):
        single = isinstance(q, SingleChoice)
        n = sum(o.correct for o in q.options)
        _sub(el, "single", "true" if single else "false")
        _sub(el, "shuffleanswers", "true" if q.shuffle else "false")
        _sub(el, "answernumbering", "abc")
        for o in q.options:
            fraction = 100 / n if o.correct else (0 if single else -100 / n)
            a = _text_el(el, "answer", o.text)
            a.set("fraction", _fraction(fraction))
            _text_el(a, "feedback", o.feedback)
    elif isinstance(q, TrueFalse):
        for value, feedback in (("true", q.feedback_true), ("false", q.feedback_false)):
            a = _text_el(el, "answer", value, "moodle_auto_format")
            a.set("fraction", "100" if q.answer == (value == "true") else "0")
            _text_el(a, "feedback", feedback)
    elif isinstance(q, Matching):
        _sub(el, "shuffleanswers", "true")
        for premise, answer in [(p.premise, p.answer) for p in q.pairs] + [
            ("", d) for d in q.distractors
        ]:
            sub = _text_el(el, "subquestion", premise)
            ans = _sub(sub, "answer")
            _sub(ans, "text", answer)
    elif isinstance(q, Ordering):
        _sub(el, "layouttype", "VERTICAL")
        _sub(el, "selecttype", "ALL")
        _sub(el, "selectcount", "0")
        _sub(el, "gradingtype", "ABSOLUTE_POSITION")
        _sub(el, "showgrading", "SHOW")
        _sub(el, "numberingstyle", "none")
        for position, item in enumerate(q.items, start=1):
            a = _text_el(el, "answer", item)
            a.set("fraction", f"{position}.0000000")
    elif isinstance(q, Numeric):
        a = _text_el(el, "answer", repr(q.answer), "moodle_auto_format")
        a.set("fraction", "100")
        _sub(a, "tolerance", repr(q.tolerance))
        _text_el(a, "feedback", "")
        units = _sub(el, "units")
        if q.unit:
            unit = _sub(units, "unit")
            _sub(unit, "multiplier", "1")
            _sub(unit, "unit_name", q.unit)
        _sub(el, "unitgradingtype", "0")
        _sub(el, "unitpenalty", "0.1000000")
        _sub(el, "showunits", "3" if not q.unit else "0")
        _sub(el, "unitsleft", "0")
    elif isinstance(q, ShortAnswer):
        _sub(el, "usecase", "1" if q.case_sensitive else "0")
        for answer in q.answers:
            a = _text_el(el, "answer", answer, "moodle_auto_format")
            a.set("fraction", "100")
            _text_el(a, "feedback", "")
    if q.tags:
        tags = _sub(el, "tags")
        for t in q.tags:
            tag = _sub(tags, "tag")
            _sub(tag, "text", t)
    # Not Moodle: references have no place in Moodle XML; Moodle ignores unknown elements and
    # our importer reads them back.
    refs = _sub(el, "references")
    for r in q.references:
        _text_el(refs, "reference", r, None)
    return el


def export(questions: Iterable[QuestionBase], cases: Iterable[Case] = (), **_: Any) -> ExportResult:
    quiz = ET.Element("quiz")
    skipped: list[Skipped] = []
    for q in questions:
        if not isinstance(q, EXPORTABLE):
            skipped.append(
                Skipped(
                    q.key,
                    q.title,
                    f"Moodle XML export of {q.type.value} questions is not supported",
                )
            )
            continue
        quiz.append(export_question(q))
    for case in cases:
        skipped.append(Skipped(case.key, case.title, "Moodle XML has no case scenarios"))
    ET.indent(quiz, "  ")
    body = ET.tostring(quiz, encoding="unicode")
    return ExportResult('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", skipped)
