"""Shared pieces of the format converters: results, keys, validation and text helpers.

Pure: no Flask, no SQLAlchemy. Every converter builds plain dicts, validates them through the
schema's discriminated union and reports what it could not carry instead of dropping it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from pydantic import TypeAdapter, ValidationError

from app.banks.schema import KEY_PATTERN, Case, Module, Program, Question, QuestionBase, Topic
from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import option_ids as option_ids  # re-exported

_QUESTION = TypeAdapter(Question)
_KEY_RE = re.compile(KEY_PATTERN)
MAX_KEY = 80


@dataclass(frozen=True)
class Skipped:
    """An item of the source that was not imported (or a question that was not exported)."""

    source_id: str  # where it is: "file:line", an item identifier or a question key
    title: str
    reason: str

    def __str__(self) -> str:
        title = f" ({self.title})" if self.title else ""
        return f"{self.source_id}{title}: skipped: {self.reason}"


@dataclass
class ParseResult:
    """What a parser found. ``questions`` are validated schema models."""

    questions: list[QuestionBase] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: message"
    # Only the native YAML format fills these:
    cases: list[Case] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    programs: list[Program] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [p for p in self.problems if ": warning: " not in p]

    @property
    def warnings(self) -> list[str]:
        return [p for p in self.problems if ": warning: " in p]


@dataclass
class ExportResult:
    """An export: the document (text, or bytes for a zip) and what could not be exported."""

    data: str | bytes
    skipped: list[Skipped] = field(default_factory=list)


def slugify(text: str) -> str:
    """A key from free text; a text that already is a valid key is returned unchanged."""
    text = text.strip()
    if _KEY_RE.match(text):
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_text.lower())
    slug = re.sub(r"-{2,}", "-", slug).strip("-_")
    return slug[:MAX_KEY].rstrip("-_")


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:8]


class KeyAllocator:
    """Unique keys within one file: ``base``, ``base-2``, ``base-3``..."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def allocate(self, *candidates: str, prefix: str, fallback_text: str) -> str:
        base = ""
        for candidate in candidates:
            base = slugify(candidate) if candidate else ""
            if base:
                break
        if not base:
            base = f"{prefix}-{short_hash(fallback_text)}"
        key, n = base, 1
        while key in self.used:
            n += 1
            suffix = f"-{n}"
            key = base[: MAX_KEY - len(suffix)] + suffix
        self.used.add(key)
        return key


def validation_reason(exc: ValidationError) -> str:
    type_ids = {spec.id for spec in registry.all_types()}  # the union's tags in error locations
    parts = []
    for err in exc.errors():
        loc = [str(p + 1) if isinstance(p, int) else str(p) for p in err["loc"]]
        if loc and loc[0] in type_ids:
            loc = loc[1:]
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return gettext("does not validate: %(problems)s", problems="; ".join(parts))


def build_question(data: dict[str, Any], source: str) -> QuestionBase:
    """Validate a question dict, filling the import defaults. Raises ValidationError."""
    data = {k: v for k, v in data.items() if v is not None}
    data.setdefault("status", "draft")
    data.setdefault("difficulty", "medium")
    if not data.get("references"):
        data["references"] = [f"Imported from {source}"]
    return _QUESTION.validate_python(data)


def try_build(
    data: dict[str, Any], source: str, where: str, title: str, result: ParseResult
) -> QuestionBase | None:
    """Build and append to ``result``; on failure record a Skipped with the reason."""
    try:
        question = build_question(data, source)
    except ValidationError as exc:
        result.skipped.append(Skipped(where, title, validation_reason(exc)))
        return None
    result.questions.append(question)
    return question


# ---------------------------------------------------------------- HTML to Markdown-ish text

_P_OPEN = re.compile(r"<p(\s[^>]*)?>", re.I)
_P_CLOSE = re.compile(r"</p\s*>", re.I)
_SIMPLE = [
    (re.compile(r"<(strong|b)>(.*?)</\1\s*>", re.I | re.S), "**"),
    (re.compile(r"<(em|i)>(.*?)</\1\s*>", re.I | re.S), "*"),
]
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def html_to_markdown(html: str) -> str:
    """A minimal, content-preserving conversion of HTML to Markdown.

    Paragraphs become blank-line separated blocks, attribute-free ``<b>/<strong>`` and
    ``<i>/<em>`` become ``**``/``*`` when their content is plain text, HTML comments are
    dropped; every other tag (images, links, lists, tables, spans) is kept as inline HTML,
    which our Markdown renderer allows and sanitises with nh3. Nothing else is lost.
    """
    text = _COMMENT.sub("", html)
    text = _P_OPEN.sub("", text)
    text = _P_CLOSE.sub("\n\n", text)
    for pattern, mark in _SIMPLE:
        text = pattern.sub(
            lambda m, mark=mark: (
                f"{mark}{m.group(2)}{mark}"
                if m.group(2).strip() and "<" not in m.group(2) and "\n" not in m.group(2)
                else m.group(0)
            ),
            text,
        )
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def warn(where: str, message: str) -> str:
    return f"{where}: warning: {message}"


def refuse_dtd(text: str) -> str | None:
    """XML with a DOCTYPE or ENTITY declaration is refused before parsing.

    The standard library parser expands internal entities, so a "billion laughs" document
    could exhaust memory; bank files never need a DTD. (defusedxml would do the same; it is
    not a dependency of the project.)
    """
    if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.I):
        return gettext(
            "DOCTYPE and ENTITY declarations are not accepted (entity-expansion protection)"
        )
    return None


# ---------------------------------------------------------------- XML with line numbers

MAX_XML_CHARS = 20_000_000


class XMLDocument:
    """An ElementTree parsed with namespaces stripped and the line of every element."""

    def __init__(self, root: ET.Element, lines: dict[int, int]):
        self.root = root
        self._lines = lines

    def line(self, element: ET.Element) -> int:
        return self._lines.get(id(element), 0)


def parse_xml(text: str, source: str) -> tuple[XMLDocument | None, str | None]:
    """(document, None) or (None, "file:line: problem"); never raises.

    Built with expat directly so that every element knows its line; namespaces are dropped
    (``{ns}tag`` becomes ``tag``), comments and processing instructions are ignored.
    """
    refused = refuse_dtd(text)
    if refused:
        return None, f"{source}:1: {refused}"
    if len(text) > MAX_XML_CHARS:
        too_large = gettext("file too large (%(n)s characters)", n=len(text))
        return None, f"{source}:1: {too_large}"
    parser = expat.ParserCreate(namespace_separator=" ")
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}

    def local(name: str) -> str:
        return name.rsplit(" ", 1)[-1]

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(local(tag), {local(k): v for k, v in attrs.items()})
        lines[id(element)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(local(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(text, True)
        root = builder.close()
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        problem = gettext("not well-formed XML: %(problem)s", problem=message)
        return None, f"{source}:{exc.lineno}: {problem}"
    except Exception as exc:  # e.g. an empty document
        problem = gettext("cannot parse the XML: %(problem)s", problem=str(exc))
        return None, f"{source}:1: {problem}"
    return XMLDocument(root, lines), None


def decode(data: str | bytes, source: str) -> tuple[str | None, str | None]:
    if isinstance(data, str):
        return data.lstrip("\ufeff"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        message = gettext("not UTF-8 text (%(reason)s)", reason=exc.reason)
        return None, f"{source}:1: {message}"
