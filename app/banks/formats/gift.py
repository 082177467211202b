"""Moodle GIFT: parse and export.

Follows Moodle's own importer (question/format/gift/format.php) where the documentation is
vague. See docs/bank-formats.md for the mapping; in short:

* questions are separated by blank lines (a blank line inside an unclosed ``{`` does not end a
  question); lines starting with ``//`` are comments;
* comments ``// [id:X]`` and ``// [tag:Y]`` (Moodle 4) give the key and tags; our exporter also
  writes ``// reference: ...``, ``// unit: ...`` and ``// case-sensitive: true`` comments, which
  Moodle ignores and our importer reads back;
* ``$CATEGORY: a/b/c`` adds the tag ``slug(c)`` to every following question;
* the key is ``slug([id:])``, else ``slug(::title::)``, else ``gift-<8 hex of the stem>``, made
  unique within the file with ``-2``, ``-3``...
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.banks.formats.base import (
    ExportResult,
    KeyAllocator,
    ParseResult,
    Skipped,
    html_to_markdown,
    option_ids,
    slugify,
    try_build,
    warn,
)
from app.banks.schema import (
    Case,
    Matching,
    MultipleResponse,
    Numeric,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)

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
_TF = re.compile(r"^(T|TRUE|F|FALSE)\s*(#|$)", re.I | re.S)
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
_EXT = re.compile(r"^//\s*(reference|unit|case-sensitive|type):\s?(.*)$")
_WHOLE = 100.0
_EPS = 0.05


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
    unit: str = ""
    case_sensitive: bool = False
    multiple: bool = False  # "// type: multiple_response": one correct answer, still multiple


@dataclass
class _Answer:
    marker: str  # "=", "~" or "" (no marker)
    weight: float | None
    text: str
    feedback: str
    raw: str


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


def _split_answers(body: str) -> tuple[str, list[_Answer]]:
    """Split an answer block on its (unescaped) ``=``/``~`` markers."""
    parts = re.split(r"([=~])", body)
    lead = parts[0]
    answers: list[_Answer] = []
    for i in range(1, len(parts), 2):
        marker, rest = parts[i], parts[i + 1]
        answers.append(_parse_answer(marker, rest))
    return lead, answers


def _parse_answer(marker: str, rest: str) -> _Answer:
    weight = None
    m = _WEIGHT.match(rest)
    if m:
        weight = float(m.group(1))
        rest = rest[m.end() :]
    text, _, feedback = rest.partition("#")
    return _Answer(marker, weight, text, feedback, rest)


def _fmt_num(value: float) -> str:
    return repr(float(value))


class _Parser:
    def __init__(self, text: str, source: str):
        self.source = source
        self.result = ParseResult()
        self.keys = KeyAllocator()
        self.category_tag: str | None = None
        self.text = text
        self.fmt = "moodle"  # the current question's format, inherited by its answers

    def fmt_text(self, text: str) -> str:
        return _formatted(text, self.fmt)

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
                self.problem(start, f"cannot parse this question ({type(exc).__name__}: {exc})")
            meta = _Meta()
        return self.result

    def read_comment(self, line: str, meta: _Meta) -> None:
        ext = _EXT.match(line)
        if ext:
            name, value = ext.group(1), ext.group(2).strip()
            if name == "reference" and value:
                meta.references.append(value)
            elif name == "unit":
                meta.unit = value
            elif name == "case-sensitive":
                meta.case_sensitive = value.lower() in ("true", "1", "yes")
            elif name == "type":
                meta.multiple = value == "multiple_response"
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
                self.problem(line, "a title opened with '::' is never closed")
                return
            title = restore(text[2:end]).strip()
            text = text[end + 2 :].strip()
        tag = _FORMAT_TAG.match(text)
        self.fmt = tag.group(1).lower() if tag else "moodle"
        first_line = restore(text[tag.end() if tag else 0 :]).strip().split("\n")[0]
        shown = title or re.split(r"[{}\ue004\ue005]", first_line)[0].strip()[:60]
        start, finish = text.find("{"), text.find("}")
        if start < 0 and finish < 0:
            self.skip(line, shown, "description (no answer block): not a question")
            return
        if start < 0 or finish < start:
            self.problem(line, "unbalanced braces: '{' and '}' must enclose the answers")
            return
        if text.find("{", start + 1) != -1 and text.find("{", start + 1) < finish:
            self.problem(line, "a '{' inside the answer block must be escaped as '\\{'")
            return
        body = text[start + 1 : finish]
        if text.find("{", finish) != -1:
            self.skip(line, shown, "more than one answer block (embedded answers) is not supported")
            return
        if text.endswith("}"):
            stem_raw = text[:start]
        else:
            stem_raw = text[:start] + "_____" + text[finish + 1 :]
        stem = _formatted(stem_raw)
        general = ""
        if "####" in body:
            body, _, general_raw = body.partition("####")
            general = self.fmt_text(general_raw)
        body_stripped = body.strip()
        key = self.keys.allocate(
            *meta.ids, title, prefix="gift", fallback_text=restore(text) or str(line)
        )
        tags = list(
            dict.fromkeys([*meta.tags, *([self.category_tag] if self.category_tag else [])])
        )
        data: dict[str, Any] = {
            "key": key,
            "title": title,
            "stem": stem,
            "explanation": general,
            "tags": tags,
            "references": meta.references,
        }
        if "@@PLUGINFILE@@" in raw:
            self.warning(
                line,
                "refers to files embedded in Moodle (@@PLUGINFILE@@) that GIFT "
                "does not carry; add the images to the bank by hand",
            )
        if not body_stripped:
            self.skip(line, shown, "essay question: essays are not auto-scored")
            return
        if _EMBEDDED.match(body_stripped):
            self.skip(line, shown, "embedded (Cloze) answers have no equivalent question type")
            return
        if body_stripped.startswith("#"):
            self.numeric(line, shown, body_stripped[1:], data, meta)
        elif _TF.match(body_stripped):
            self.true_false(line, shown, body_stripped, data)
        elif "~" in body_stripped:
            self.choice(line, shown, body_stripped, data, meta.multiple)
        elif "->" in body_stripped and body_stripped.startswith("="):
            self.matching(line, shown, body_stripped, data)
        else:
            self.short_answer(line, shown, body_stripped, data, meta)

    def build(self, line: int, shown: str, data: dict[str, Any]) -> None:
        try_build(data, self.source, self.where(line), shown, self.result)

    def true_false(self, line: int, shown: str, body: str, data: dict[str, Any]) -> None:
        bits = body.split("#", 2)
        answer = bits[0].strip().upper() in ("T", "TRUE")
        wrong = self.fmt_text(bits[1]) if len(bits) > 1 else ""
        right = self.fmt_text(bits[2]) if len(bits) > 2 else ""
        data.update(type="true_false", answer=answer)
        # Moodle: the first feedback is shown for the wrong answer, the second for the right one.
        data["feedback_true"], data["feedback_false"] = (right, wrong) if answer else (wrong, right)
        self.build(line, shown, data)

    def choice(
        self, line: int, shown: str, body: str, data: dict[str, Any], multiple: bool = False
    ) -> None:
        lead, answers = _split_answers(body)
        if lead.strip():
            self.warning(line, f"text before the first answer ignored: {restore(lead).strip()!r}")
        weights = [
            a.weight if a.weight is not None else (_WHOLE if a.marker == "=" else 0.0)
            for a in answers
        ]
        positive = [w for w in weights if w > 0]
        ids = option_ids(len(answers))
        options = [
            {
                "id": i,
                "text": self.fmt_text(a.text),
                "correct": w > 0,
                "feedback": self.fmt_text(a.feedback),
            }
            for i, a, w in zip(ids, answers, weights, strict=True)
        ]
        negative = [w for w in weights if w < 0]
        if multiple and positive and abs(sum(positive) - _WHOLE) < _EPS:
            data.update(type="multiple_response", options=options)
        elif len(positive) == 1 and abs(positive[0] - _WHOLE) < _EPS:
            data.update(type="single_choice", options=options)
            if negative:
                self.warning(
                    line,
                    "negative weights of wrong answers dropped (a single-answer "
                    "question scores 0 for a wrong answer)",
                )
        elif len(positive) > 1 and abs(sum(positive) - _WHOLE) < _EPS:
            data.update(type="multiple_response", options=options)
            if max(positive) - min(positive) > _EPS:
                self.warning(
                    line,
                    "unequal weights of the correct answers "
                    f"({', '.join(f'{w:g}%' for w in positive)}) become equal: "
                    "multiple-response scoring counts right minus wrong",
                )
        elif not positive:
            self.skip(line, shown, "no answer has a positive weight: no correct answer")
            return
        elif all(abs(w - _WHOLE) < _EPS for w in positive):
            self.skip(
                line,
                shown,
                f"{len(positive)} answers are each worth 100% (any one of them "
                "scores full marks): no equivalent question type",
            )
            return
        else:
            self.skip(
                line,
                shown,
                "partial-credit weights "
                f"({', '.join(f'{w:g}%' for w in positive)}) have no equivalent: a "
                "single-answer question needs one 100% answer, a multiple-response one "
                "positive weights adding up to 100%",
            )
            return
        self.build(line, shown, data)

    def matching(self, line: int, shown: str, body: str, data: dict[str, Any]) -> None:
        lead, answers = _split_answers(body)
        pairs, distractors = [], []
        for a in answers:
            premise, arrow, answer = a.raw.partition("->")
            if not arrow:
                self.problem(line, f"matching answer without '->': {restore(a.raw).strip()!r}")
                return
            premise, answer = self.fmt_text(premise), self.fmt_text(answer)
            if premise:
                pairs.append({"premise": premise, "answer": answer})
            else:
                distractors.append(answer)
        data.update(type="matching", pairs=pairs, distractors=distractors)
        self.build(line, shown, data)

    def short_answer(
        self, line: int, shown: str, body: str, data: dict[str, Any], meta: _Meta
    ) -> None:
        lead, answers = _split_answers(body)
        if lead.strip():
            answers.insert(0, _parse_answer("", lead))
        accepted, dropped, feedback = [], [], False
        for a in answers:
            weight = a.weight if a.weight is not None else _WHOLE
            text = self.fmt_text(a.text)
            if a.feedback.strip():
                feedback = True
            if abs(weight - _WHOLE) < _EPS:
                accepted.append(text)
            else:
                dropped.append(f"{text!r} ({weight:g}%)")
        if not accepted:
            self.skip(line, shown, "short answer without a 100% answer")
            return
        if dropped:
            self.warning(line, f"answers other than 100% dropped: {', '.join(dropped)}")
        if feedback:
            self.warning(line, "per-answer feedback dropped (short-answer questions have none)")
        data.update(type="short_answer", answers=accepted, case_sensitive=meta.case_sensitive)
        self.build(line, shown, data)

    def numeric(self, line: int, shown: str, body: str, data: dict[str, Any], meta: _Meta) -> None:
        answers = _numeric_answers(body)
        chosen: tuple[float, float] | None = None
        dropped, feedback = [], False
        for a in answers:
            if a.marker == "~":
                if a.text.strip() or a.feedback.strip():
                    dropped.append(f"wrong-answer feedback {restore(a.raw).strip()!r}")
                continue
            spec = _numeric_spec(restore(a.text))
            if spec is None:
                self.problem(
                    line, f"not a number, range or number:tolerance: {restore(a.text).strip()!r}"
                )
                return
            weight = a.weight if a.weight is not None else _WHOLE
            if a.feedback.strip():
                feedback = True
            if abs(weight - _WHOLE) < _EPS and chosen is None:
                chosen = spec
            else:
                dropped.append(f"{restore(a.text).strip()} ({weight:g}%)")
        if chosen is None:
            self.skip(line, shown, "numeric question without a 100% answer")
            return
        if dropped:
            self.warning(
                line,
                f"numeric answers dropped (only the first 100% answer is kept): "
                f"{', '.join(dropped)}",
            )
        if feedback:
            self.warning(line, "per-answer feedback dropped (numeric questions have none)")
        data.update(type="numeric", answer=chosen[0], tolerance=chosen[1], unit=meta.unit)
        self.build(line, shown, data)


def _numeric_answers(body: str) -> list[_Answer]:
    """The answers of a numeric block (after its ``#``), read as Moodle reads them.

    Everything from the first ``~`` is the feedback for any other answer (``{#3:2~#Wrong}``);
    the rest holds one answer, or several each introduced by ``=``.
    """
    main, tilde, wrong = body.strip().partition("~")
    parts = main.split("=")
    if len(parts) > 1 and not parts[0].strip():
        parts = parts[1:]
    answers = [_parse_answer("=", part) for part in parts]
    if tilde:
        answers.append(_parse_answer("~", wrong))
    return answers


def _numeric_spec(text: str) -> tuple[float, float] | None:
    text = text.strip()
    try:
        if ".." in text:
            low_s, _, high_s = text.partition("..")
            low, high = sorted([Decimal(low_s.strip()), Decimal(high_s.strip())])
            value, tolerance = float((low + high) / 2), float((high - low) / 2)
        elif ":" in text:
            value_s, _, tol_s = text.partition(":")
            value, tolerance = float(value_s), abs(float(tol_s))
        else:
            value, tolerance = float(text), 0.0
    except (ValueError, ArithmeticError):
        return None
    if not (math.isfinite(value) and math.isfinite(tolerance)):
        return None
    return value, tolerance


def parse(text: str | bytes, source: str = "<gift>") -> ParseResult:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return ParseResult(problems=[f"{source}:1: not UTF-8 text ({exc.reason})"])
    return _Parser(text.lstrip("\ufeff"), source).run()


# ---------------------------------------------------------------- export

EXPORTABLE = (SingleChoice, MultipleResponse, TrueFalse, Matching, Numeric, ShortAnswer)


def _answer_text(text: str) -> str:
    """Escape an answer; protect a leading weight or format tag from being read as one."""
    out = escape(text)
    if _WEIGHT.match(text) or _FORMAT_TAG.match(text):
        out = "[markdown]" + out
    return out


def _fb(text: str) -> str:
    return f"#{_answer_text(text)}" if text else ""


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def export_question(q: QuestionBase) -> str | None:
    """GIFT for one question, or None if GIFT cannot express it."""
    lines = [f"// [id:{q.key}]"]
    lines += [f"// [tag:{t}]" for t in q.tags]
    lines += [f"// reference: {r.replace(chr(10), ' ')}" for r in q.references]
    head = f"::{escape(q.title)}::" if q.title else ""
    head += f"[markdown]{escape(q.stem)}{{"
    body: list[str] = []
    if isinstance(q, SingleChoice):
        for o in q.options:
            body.append(f"    {'=' if o.correct else '~'}{_answer_text(o.text)}{_fb(o.feedback)}")
    elif isinstance(q, MultipleResponse):
        n = sum(o.correct for o in q.options)
        if n == 1:  # would read back as a single-answer question
            lines.append("// type: multiple_response")
        right, wrong = _weight(100 / n), _weight(-100 / n)
        for o in q.options:
            w = right if o.correct else wrong
            body.append(f"    ~%{w}%{_answer_text(o.text)}{_fb(o.feedback)}")
    elif isinstance(q, TrueFalse):
        right, wrong = (
            (q.feedback_true, q.feedback_false) if q.answer else (q.feedback_false, q.feedback_true)
        )
        fb = f"#{_answer_text(wrong)}#{_answer_text(right)}" if (right or wrong) else ""
        body.append(f"    {'TRUE' if q.answer else 'FALSE'}{fb}")
    elif isinstance(q, Matching):
        for p in q.pairs:
            body.append(f"    ={_answer_text(p.premise)} -> {_answer_text(p.answer)}")
        for d in q.distractors:
            body.append(f"    = -> {_answer_text(d)}")
    elif isinstance(q, Numeric):
        if q.unit:
            lines.append(f"// unit: {q.unit.replace(chr(10), ' ')}")
        body.append(f"    #{_fmt_num(q.answer)}:{_fmt_num(q.tolerance)}")
    elif isinstance(q, ShortAnswer):
        if q.case_sensitive:
            lines.append("// case-sensitive: true")
        for a in q.answers:
            body.append(f"    ={_answer_text(a)}")
    if q.explanation:
        body.append(f"    ####{_answer_text(q.explanation)}")
    return "\n".join([*lines, head, *body, "}"])


def not_exportable_reason(q: QuestionBase) -> str | None:
    if not isinstance(q, EXPORTABLE):
        return f"GIFT cannot express {q.type.value} questions"
    if isinstance(q, Matching) and any("->" in p.premise for p in q.pairs):
        return "a matching premise contains '->', which GIFT cannot escape"
    if isinstance(q, ShortAnswer) and any("->" in a for a in q.answers):
        return "a short answer contains '->', which GIFT would read as a matching question"
    return None


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
        skipped.append(Skipped(case.key, case.title, "GIFT has no case scenarios"))
    return ExportResult("\n\n".join(chunks) + ("\n" if chunks else ""), skipped)
