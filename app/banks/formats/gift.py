"""Moodle GIFT: parse and export.

Follows Moodle's own importer (question/format/gift/format.php) where the documentation is
vague. See docs/bank-formats.md for the mapping; in short:

* questions are separated by blank lines (a blank line inside an unclosed ``{`` does not end a
  question); lines starting with ``//`` are comments;
* comments ``// [id:X]`` and ``// [tag:Y]`` (Moodle 4) give the key and tags; our exporter also
  writes ``// reference: ...`` comments and, for some types, ``// unit: ...``,
  ``// case-sensitive: true`` and ``// type: ...``, which Moodle ignores and our importer
  reads back (a type's hooks read them with ``ctx.comment(name)``);
* ``$CATEGORY: a/b/c`` adds the tag ``slug(c)`` to every following question;
* the key is ``slug([id:])``, else ``slug(::title::)``, else ``gift-<8 hex of the stem>``, made
  unique within the file with ``-2``, ``-3``...

This module is the framing. What an answer block means is the question types' business: each
type's ``formats.py`` registers ``gift`` hooks (``app/questions/format_hooks.py``) whose
``detect`` recognises its answer blocks (tried by priority) and whose ``read`` and ``write``
convert them, through the :class:`GiftRead` and :class:`GiftWrite` contexts below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.banks.formats.base import (
    ExportResult,
    KeyAllocator,
    ParseResult,
    Skipped,
    html_to_markdown,
    slugify,
    try_build,
    warn,
)
from app.banks.schema import Case, QuestionBase
from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import FULL_CREDIT, FormatHooks, GiftAnswer

FORMAT = "gift"

# Escaped characters are replaced by private-use placeholders while the structure is parsed.
_ESCAPES = {
    "\\": "\ue000",
    "~": "\ue001",
    "=": "\ue002",
    "#": "\ue003",
    "{": "\ue004",
    "}": "\ue005",
    ":": "\ue006",
}
_NEWLINE = "\ue007"
_RESTORE = {v: k for k, v in _ESCAPES.items()} | {_NEWLINE: "\n"}
_FORMAT_TAG = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.I)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_EMBEDDED = re.compile(r"^\s*\d+\s*:\s*[A-Z_]+\s*:", re.I)
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
_EXT = re.compile(r"^//\s*(reference|unit|case-sensitive|type):\s?(.*)$")


def protect(text: str) -> str:
    """Replace GIFT escapes (``\\~ \\= \\# \\{ \\} \\: \\\\ \\n``) by placeholders."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append(_NEWLINE)
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def restore(text: str) -> str:
    return "".join(_RESTORE.get(c, c) for c in text)


def escape(text: str) -> str:
    """The inverse of protect+restore for any text."""
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        else:
            out.append(c)
    return "".join(out)


@dataclass
class _Meta:
    ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)  # "// name: value" extensions


def _formatted(text: str, fmt: str = "moodle") -> str:
    """Restore escapes and apply the format (a leading tag, else the question's format).

    HTML is converted minimally to Markdown; moodle, plain and markdown text is kept.
    """
    m = _FORMAT_TAG.match(text)
    if m:
        fmt = m.group(1).lower()
        text = text[m.end() :]
    text = restore(text).strip()
    if fmt == "html":
        text = html_to_markdown(text)
    return text


def _split_answers(body: str) -> tuple[str, list[GiftAnswer]]:
    """Split an answer block on its (unescaped) ``=``/``~`` markers."""
    parts = re.split(r"([=~])", body)
    lead = parts[0]
    answers: list[GiftAnswer] = []
    for i in range(1, len(parts), 2):
        marker, rest = parts[i], parts[i + 1]
        answers.append(_parse_answer(marker, rest))
    return lead, answers


def _parse_answer(marker: str, rest: str) -> GiftAnswer:
    weight = None
    m = _WEIGHT.match(rest)
    if m:
        weight = float(m.group(1))
        rest = rest[m.end() :]
    text, _, feedback = rest.partition("#")
    return GiftAnswer(marker, weight, text, feedback, rest)


class GiftRead:
    """What a type's GIFT ``detect``/``read`` hooks receive, for one question."""

    def __init__(self, parser: _Parser, line: int, shown: str, meta: _Meta, fmt: str):
        self._parser = parser
        self._line = line
        self._shown = shown
        self._meta = meta
        self._fmt = fmt  # the question's format, inherited by its answers

    def answers(self, body: str) -> tuple[str, list[GiftAnswer]]:
        """(text before the first marker, the ``=``/``~`` answers) of an answer block."""
        return _split_answers(body)

    def answer(self, marker: str, raw: str) -> GiftAnswer:
        """One answer from its text after the marker (``%w%``, text, ``#feedback``)."""
        return _parse_answer(marker, raw)

    def choices(self, body: str, *, warn: bool = True) -> list[tuple[GiftAnswer, float]]:
        """The answers of a choice block with their weights (``=`` 100%, ``~`` 0% unless a
        ``%w%`` is given); text before the first answer is ignored (with a warning when
        ``warn``: a ``detect`` hook passes False)."""
        lead, answers = _split_answers(body)
        if warn and lead.strip():
            self.warning(
                gettext(
                    "text before the first answer ignored: %(text)s",
                    text=repr(restore(lead).strip()),
                )
            )
        return [(a, a.credit(FULL_CREDIT if a.marker == "=" else 0.0)) for a in answers]

    def text(self, raw: str) -> str:
        """Escapes restored and the question's format applied (HTML becomes Markdown)."""
        return _formatted(raw, self._fmt)

    def plain(self, raw: str) -> str:
        """Escapes restored, nothing else."""
        return restore(raw)

    def comment(self, name: str) -> str | None:
        """The value of a ``// name: value`` comment before the question, or None."""
        return self._meta.comments.get(name)

    def warning(self, message: str) -> None:
        self._parser.warning(self._line, message)

    def skip(self, reason: str) -> None:
        self._parser.skip(self._line, self._shown, reason)

    def problem(self, message: str) -> None:
        self._parser.problem(self._line, message)


def _readers() -> list[FormatHooks]:
    """Every type's GIFT reader, in the order they are offered an answer block."""
    found = [spec.formats[FORMAT] for spec in registry.all_types() if FORMAT in spec.formats]
    return sorted((h for h in found if h.read), key=lambda h: h.priority)  # stable sort


class _Parser:
    def __init__(self, text: str, source: str):
        self.source = source
        self.result = ParseResult()
        self.keys = KeyAllocator()
        self.category_tag: str | None = None
        self.text = text
        self.readers = _readers()

    def where(self, line: int) -> str:
        return f"{self.source}:{line}"

    def problem(self, line: int, message: str) -> None:
        self.result.problems.append(f"{self.where(line)}: {message}")

    def warning(self, line: int, message: str) -> None:
        self.result.problems.append(warn(self.where(line), message))

    def skip(self, line: int, title: str, reason: str) -> None:
        self.result.skipped.append(Skipped(self.where(line), title, reason))

    # ------------------------------------------------------------ blocks

    def blocks(self) -> Iterable[tuple[int, list[tuple[int, str]]]]:
        """(first line, [(line number, line)]) per question, comments included."""
        current: list[tuple[int, str]] = []
        depth = 0
        lines = self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if not stripped and depth <= 0:
                if current:
                    yield current[0][0], current
                current, depth = [], 0
                continue
            current.append((number, line))
            if not stripped.startswith("//"):
                protected = protect(line)
                depth += protected.count("{") - protected.count("}")
        if current:
            yield current[0][0], current

    def run(self) -> ParseResult:
        meta = _Meta()
        for _first, lines in self.blocks():
            content: list[tuple[int, str]] = []
            for number, line in lines:
                stripped = line.strip()
                if stripped.startswith("//"):
                    self.read_comment(stripped, meta)
                else:
                    content.append((number, line))
            if not content:
                continue  # only comments: their metadata applies to the next question
            start = content[0][0]
            try:
                self.question(start, "\n".join(line for _, line in content), meta)
            except Exception as exc:  # a parser bug must not lose the rest of the file
                self.problem(
                    start,
                    gettext(
                        "cannot parse this question (%(error)s: %(detail)s)",
                        error=type(exc).__name__,
                        detail=str(exc),
                    ),
                )
            meta = _Meta()
        return self.result

    def read_comment(self, line: str, meta: _Meta) -> None:
        ext = _EXT.match(line)
        if ext:
            name, value = ext.group(1), ext.group(2).strip()
            if name == "reference":
                if value:
                    meta.references.append(value)
            else:
                meta.comments[name] = value
            return
        for kind, value in _META.findall(line):
            if kind == "id" and value.strip():
                meta.ids.append(value.strip())
            elif kind == "tag" and slugify(value):
                meta.tags.append(slugify(value))

    # ------------------------------------------------------------ one question

    def question(self, line: int, raw: str, meta: _Meta) -> None:
        text = protect(raw).strip()
        if text.startswith("$CATEGORY:"):
            path = restore(text[len("$CATEGORY:") :]).strip()
            segments = [s for s in path.split("/") if s.strip()]
            self.category_tag = slugify(segments[-1]) if segments else None
            return
        title = ""
        if text.startswith("::"):
            end = text.find("::", 2)
            if end < 0:
                self.problem(line, gettext("a title opened with '::' is never closed"))
                return
            title = restore(text[2:end]).strip()
            text = text[end + 2 :].strip()
        tag = _FORMAT_TAG.match(text)
        first_line = restore(text[tag.end() if tag else 0 :]).strip().split("\n")[0]
        shown = title or re.split(r"[{}\ue004\ue005]", first_line)[0].strip()[:60]
        block = self.answer_block(line, text, shown)
        if block is None:
            return
        body, stem_raw = block
        ctx = GiftRead(self, line, shown, meta, tag.group(1).lower() if tag else "moodle")
        general = ""
        if "####" in body:
            body, _, general_raw = body.partition("####")
            general = ctx.text(general_raw)
        key = self.keys.allocate(
            *meta.ids, title, prefix="gift", fallback_text=restore(text) or str(line)
        )
        tags = list(
            dict.fromkeys([*meta.tags, *([self.category_tag] if self.category_tag else [])])
        )
        data: dict[str, Any] = {
            "key": key,
            "title": title,
            "stem": _formatted(stem_raw),
            "explanation": general,
            "tags": tags,
            "references": meta.references,
        }
        if "@@PLUGINFILE@@" in raw:
            self.warning(
                line,
                gettext(
                    "refers to files embedded in Moodle (@@PLUGINFILE@@) that GIFT "
                    "does not carry; add the images to the bank by hand"
                ),
            )
        self.dispatch(ctx, line, shown, body.strip(), data)

    def answer_block(self, line: int, text: str, shown: str) -> tuple[str, str] | None:
        """(the answer block, the stem with ``_____`` where a block in the middle was), or
        None when the question has no single answer block (skipped or a problem)."""
        start, finish = text.find("{"), text.find("}")
        if start < 0 and finish < 0:
            self.skip(line, shown, gettext("description (no answer block): not a question"))
            return None
        if start < 0 or finish < start:
            self.problem(line, gettext("unbalanced braces: '{' and '}' must enclose the answers"))
            return None
        if text.find("{", start + 1) != -1 and text.find("{", start + 1) < finish:
            self.problem(line, gettext("a '{' inside the answer block must be escaped as '\\{'"))
            return None
        if text.find("{", finish) != -1:
            self.skip(
                line,
                shown,
                gettext("more than one answer block (embedded answers) is not supported"),
            )
            return None
        if text.endswith("}"):
            return text[start + 1 : finish], text[:start]
        return text[start + 1 : finish], text[:start] + "_____" + text[finish + 1 :]

    def dispatch(
        self, ctx: GiftRead, line: int, shown: str, body: str, data: dict[str, Any]
    ) -> None:
        """Hand the answer block to the first type's reader that recognises it."""
        if not body:
            self.skip(line, shown, gettext("essay question: essays are not auto-scored"))
            return
        if _EMBEDDED.match(body):
            self.skip(
                line, shown, gettext("embedded (Cloze) answers have no equivalent question type")
            )
            return
        for hooks in self.readers:
            if hooks.accepts(ctx, body):
                if hooks.read and hooks.read(ctx, body, data):
                    try_build(data, self.source, self.where(line), shown, self.result)
                return
        self.skip(line, shown, gettext("no question type reads this answer block"))


def parse(text: str | bytes, source: str = "<gift>") -> ParseResult:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            message = gettext("not UTF-8 text (%(reason)s)", reason=exc.reason)
            return ParseResult(problems=[f"{source}:1: {message}"])
    return _Parser(text.lstrip("\ufeff"), source).run()


# ---------------------------------------------------------------- export


class GiftWrite:
    """What a type's GIFT ``write`` hook receives: text helpers and the question's comments."""

    def __init__(self) -> None:
        self.comments: list[str] = []

    def comment(self, name: str, value: str) -> None:
        """Write ``// name: value`` before the question (read back by ``GiftRead.comment``)."""
        self.comments.append(f"// {name}: {value.replace(chr(10), ' ')}")

    @staticmethod
    def answer(text: str) -> str:
        """Escape an answer; protect a leading weight or format tag from being read as one."""
        out = escape(text)
        if _WEIGHT.match(text) or _FORMAT_TAG.match(text):
            out = "[markdown]" + out
        return out

    def feedback(self, text: str) -> str:
        """``#feedback``, or nothing for an empty one."""
        return f"#{self.answer(text)}" if text else ""

    @staticmethod
    def weight(value: float) -> str:
        return f"{value:.5f}".rstrip("0").rstrip(".")

    @staticmethod
    def number(value: float) -> str:
        return repr(float(value))


def _writer(q: QuestionBase) -> FormatHooks | None:
    hooks = registry.get(q.type).formats.get(FORMAT)
    return hooks if hooks is not None and hooks.write is not None else None


def export_question(q: QuestionBase) -> str | None:
    """GIFT for one question, or None if GIFT cannot express it."""
    hooks = _writer(q)
    if hooks is None or hooks.write is None:
        return None
    ctx = GiftWrite()
    lines = [f"// [id:{q.key}]"]
    lines += [f"// [tag:{t}]" for t in q.tags]
    lines += [f"// reference: {r.replace(chr(10), ' ')}" for r in q.references]
    head = f"::{escape(q.title)}::" if q.title else ""
    head += f"[markdown]{escape(q.stem)}{{"
    body = [f"    {line}" for line in hooks.write(ctx, q)]
    if q.explanation:
        body.append(f"    ####{ctx.answer(q.explanation)}")
    return "\n".join([*lines, *ctx.comments, head, *body, "}"])


def not_exportable_reason(q: QuestionBase) -> str | None:
    hooks = _writer(q)
    if hooks is None:
        return gettext("GIFT cannot express %(type)s questions", type=q.type.value)
    return hooks.refusal(q)


def export(questions: Iterable[QuestionBase], cases: Iterable[Case] = (), **_: Any) -> ExportResult:
    """GIFT text for every question GIFT can express; the rest are returned as skipped."""
    chunks: list[str] = []
    skipped: list[Skipped] = []
    for q in questions:
        reason = not_exportable_reason(q)
        if reason:
            skipped.append(Skipped(q.key, q.title, reason))
            continue
        chunk = export_question(q)
        if chunk:
            chunks.append(chunk)
    for case in cases:
        skipped.append(Skipped(case.key, case.title, gettext("GIFT has no case scenarios")))
    return ExportResult("\n\n".join(chunks) + ("\n" if chunks else ""), skipped)
