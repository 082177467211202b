"""Moodle XML (``<quiz><question type=...>``): parse and export.

Import maps every question whose ``type`` one of our question types claims as its own name in
Moodle XML (each type's ``formats.py`` lists its names: Moodle's multichoice, truefalse,
shortanswer... and, where they differ, both the name Moodle writes and its internal name,
which Moodle also reads), and category (a tag on the following questions); essay, description,
cloze (multianswer), calculated*, drag-and-drop, gapselect, random... are reported as skipped
with the reason. Export writes the names Moodle writes (a type's first name). XML with a
DOCTYPE or ENTITY declaration is refused (see ``base.refuse_dtd``).

This module is the framing (the document, categories, names, keys, tags, texts, general
feedback, files); the type-specific part of a question is read and written by the types'
``moodle-xml`` hooks (``app/questions/format_hooks.py``) through :class:`MoodleRead` and
:class:`MoodleWrite`.
"""

from __future__ import annotations

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
    parse_xml,
    slugify,
    try_build,
    warn,
)
from app.banks.schema import Case, QuestionBase
from app.i18n import gettext
from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.format_hooks import FormatHooks, finite

FORMAT = "moodle-xml"
_CALCULATED = _l("calculated questions (random values from formulas) have no equivalent")
_SKIP_REASONS = {
    "essay": _l("essay question: essays are not auto-scored"),
    "description": _l("description (no answer): not a question"),
    "multianswer": _l("embedded answers (Cloze) have no equivalent question type"),
    "cloze": _l("embedded answers (Cloze) have no equivalent question type"),
    "calculated": _CALCULATED,
    "calculatedsimple": _CALCULATED,
    "calculatedmulti": _CALCULATED,
    "ddwtos": _l("drag-and-drop into text has no equivalent question type"),
    "ddimageortext": _l("drag-and-drop onto an image has no equivalent question type"),
    "ddmarker": _l("drag-and-drop markers have no equivalent question type"),
    "gapselect": _l("select missing words has no equivalent question type"),
    "randomsamatch": _l("random short-answer matching draws other questions: no equivalent"),
    "random": _l("a random question is a placeholder, not a question"),
}


def _skip_reason(qtype: str) -> str | None:
    """Why a Moodle type is skipped, or None for a type that may have a converter."""
    if qtype in _SKIP_REASONS:
        return str(_SKIP_REASONS[qtype])
    if qtype.startswith("calculated"):
        return str(_CALCULATED)
    if qtype.startswith("dd"):
        return gettext("drag-and-drop (%(type)s) has no equivalent question type", type=qtype)
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


class MoodleRead:
    """What a type's Moodle XML ``detect``/``read`` hooks receive, for one ``<question>``."""

    def __init__(self, parser: _Parser, el: ET.Element, name: str):
        self._parser = parser
        self._el = el
        self._name = name

    @staticmethod
    def answers(el: ET.Element) -> list[tuple[float, str, str, ET.Element]]:
        """(fraction, text, feedback, element) of every ``<answer>`` of ``el``."""
        out = []
        for a in el.findall("answer"):
            fraction = finite(a.get("fraction")) or 0.0
            text = _rich(a, a.get("format", "plain_text"))
            feedback = _rich(a.find("feedback"))
            out.append((fraction, text, feedback, a))
        return out

    @staticmethod
    def rich(el: ET.Element | None, default_format: str = "html") -> str:
        """The ``<text>`` of ``el`` in its ``format`` (HTML becomes Markdown)."""
        return _rich(el, default_format)

    @staticmethod
    def text(el: ET.Element | None, path: str = "text") -> str:
        """The raw text of ``el``'s ``path`` child ("" when missing)."""
        return _child_text(el, path)

    @staticmethod
    def flag(value: str | None, default: bool = False) -> bool:
        """Moodle's booleans: ``1``, ``true``, ``yes``; ``default`` when empty."""
        return _bool(value, default)

    def warning(self, message: str) -> None:
        self._parser.warning(self._el, message)

    def skip(self, reason: str) -> None:
        self._parser.skip(self._el, self._name, reason)


def _readers(qtype: str) -> list[FormatHooks]:
    """The types that call themselves ``qtype`` in Moodle XML, in the order they are tried."""
    found = [
        spec.formats[FORMAT]
        for spec in registry.all_types()
        if FORMAT in spec.formats and qtype in spec.formats[FORMAT].names
    ]
    return sorted((h for h in found if h.read), key=lambda h: h.priority)  # stable sort


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
            message = gettext("the root element is <%(tag)s>, expected <quiz>", tag=root.tag)
            self.result.problems.append(f"{self.source}:{self.doc.line(root)}: {message}")
            return self.result
        for el in root:
            if el.tag != "question":
                continue
            try:
                self.question(el)
            except Exception as exc:  # a converter bug must not lose the rest of the file
                message = gettext(
                    "cannot convert this question (%(error)s: %(detail)s)",
                    error=type(exc).__name__,
                    detail=str(exc),
                )
                self.result.problems.append(f"{self.where(el)}: {message}")
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
        ctx = MoodleRead(self, el, name)
        reader = next((h for h in _readers(qtype) if h.accepts(ctx, el)), None)
        if reader is None or reader.read is None:
            self.skip(el, name, gettext("question type '%(type)s' has no equivalent", type=qtype))
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
            self.warning(
                el, gettext("embedded files (images) are not imported; add them to the bank")
            )
        data: dict[str, Any] = {
            "key": key,
            "title": "" if name == idnumber else name,
            "stem": stem,
            "explanation": _rich(el.find("generalfeedback")),
            "tags": list(dict.fromkeys(t for t in tags if t)),
            "references": references,
        }
        if reader.read(ctx, el, data):
            try_build(data, self.source, self.where(el), name, self.result)


def parse(text: str | bytes, source: str = "<moodle-xml>") -> ParseResult:
    decoded, problem = decode(text, source)
    if decoded is None:
        return ParseResult(problems=[problem or f"{source}:1: cannot read"])
    doc, problem = parse_xml(decoded, source)
    if doc is None:
        return ParseResult(problems=[problem or f"{source}:1: cannot parse"])
    return _Parser(doc, source).run()


# ---------------------------------------------------------------- export


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _text_el(parent: ET.Element, tag: str, text: str, fmt: str | None = "markdown") -> ET.Element:
    el = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(el, "text", text)
    return el


class MoodleWrite:
    """What a type's Moodle XML ``write`` hook receives: the ``<question>`` element, whose
    common children are written, and helpers to add the type's own."""

    def __init__(self, element: ET.Element):
        self.element = element

    @staticmethod
    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        """A child ``<tag attrs>text</tag>``."""
        return _sub(parent, tag, text, **attrs)

    @staticmethod
    def rich(parent: ET.Element, tag: str, text: str, fmt: str | None = "markdown") -> ET.Element:
        """A child ``<tag format="fmt"><text>text</text></tag>``."""
        return _text_el(parent, tag, text, fmt)

    @staticmethod
    def fraction(value: float) -> str:
        return f"{value:.7f}".rstrip("0").rstrip(".") if value else "0"


def _writer(q: QuestionBase) -> FormatHooks | None:
    hooks = registry.get(q.type).formats.get(FORMAT)
    return hooks if hooks is not None and hooks.write is not None and hooks.names else None


def export_question(q: QuestionBase) -> ET.Element:
    hooks = _writer(q)
    if hooks is None or hooks.write is None:
        raise ValueError(f"Moodle XML cannot express {q.type.value} questions")
    el = ET.Element("question", {"type": hooks.names[0]})
    name = _sub(el, "name")
    _sub(name, "text", q.title or q.key)
    _text_el(el, "questiontext", q.stem)
    _text_el(el, "generalfeedback", q.explanation)
    _sub(el, "defaultgrade", "1")
    _sub(el, "penalty", "0")
    _sub(el, "hidden", "0")
    _sub(el, "idnumber", q.key)
    hooks.write(MoodleWrite(el), q)
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
        hooks = _writer(q)
        reason = (
            hooks.refusal(q)
            if hooks
            else gettext(
                "Moodle XML export of %(type)s questions is not supported", type=q.type.value
            )
        )
        if reason:
            skipped.append(Skipped(q.key, q.title, reason))
            continue
        quiz.append(export_question(q))
    for case in cases:
        skipped.append(Skipped(case.key, case.title, gettext("Moodle XML has no case scenarios")))
    ET.indent(quiz, "  ")
    body = ET.tostring(quiz, encoding="unicode")
    return ExportResult('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", skipped)
