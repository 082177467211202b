"""Find user-visible text in templates that is not marked for translation.

Each template is parsed with the application's Jinja environment (so ``{% trans %}`` blocks,
which the i18n extension turns into gettext calls, are not literal text). The literal text of
the template (its TemplateData nodes, in source order, with a placeholder where an expression
is printed) is then read as HTML: text outside tags, and the user-visible attributes
(``aria-label``, ``title``, ``placeholder``, ``alt``, and the ``value`` of a submit or button
input), is an offender when it contains a letter. Skipped: ``<script>``, ``<style>``, ``<code>``,
``<kbd>``, ``<samp>`` and ``<pre>`` contents, HTML entities (decoded first: ``&lt;`` is not a
word), and the words of ALLOWED (the brand, and abbreviations that read the same in French).

A string constant printed directly as text or in a visible attribute (``{{ "never" }}``,
``{{ a if b else "none" }}``) is flagged too; one passed to a function or filter
(``url_for('x')``), or printed in another attribute (``aria-pressed="{{ 'true' }}"``), is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment, nodes

ALLOWED = (
    "Dry Needling Academy",
    "PDF",
    "CSV",
    "JSON",
    "API",
    "xAPI",
    "LTI",
    "OSCE",
    "OpenAPI",
    "JWKS",
    "URL",
    "ID",
    "UTC",
)
"""Text that stays as is in every language (brand and abbreviations)."""

MARK = "\x00"
OPEN, CLOSE = "\x01", "\x02"  # around a printed string constant
VISIBLE_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre"}
LETTER = re.compile(r"[^\W\d_]")
_ALLOWED_RE = re.compile("|".join(re.escape(a) for a in sorted(ALLOWED, key=len, reverse=True)))


@dataclass(frozen=True)
class Offender:
    template: str
    text: str

    def __str__(self) -> str:
        return f"{self.template}: {self.text!r}"


def has_words(text: str) -> bool:
    text = _ALLOWED_RE.sub(" ", text.replace(MARK, " "))
    return bool(LETTER.search(text))


class _Reader(HTMLParser):
    def __init__(self, constants: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.constants = constants
        self.found: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)
        values = dict(attrs)
        visible = set(VISIBLE_ATTRIBUTES)
        if tag == "input" and values.get("type") in {"submit", "button", "reset"}:
            visible.add("value")
        for name, value in attrs:
            if name not in visible or not value:
                continue
            for index in re.findall(f"{OPEN}(\\d+){CLOSE}", value):
                self.found.append(f"{name}={self.constants[int(index)]!r}")
            value = re.sub(f"{OPEN}\\d+{CLOSE}", MARK, value)
            if has_words(value):
                self.found.append(f"{name}={value.strip()}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self.skipping.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        for index in re.findall(f"{OPEN}(\\d+){CLOSE}", data):
            self.found.append(f"{{{{ {self.constants[int(index)]!r} }}}}")
        data = re.sub(f"{OPEN}\\d+{CLOSE}", MARK, data)
        if has_words(data):
            self.found.append(" ".join(data.replace(MARK, "…").split()))


def _literal_text(node: nodes.Node) -> Iterator[str]:
    """The template's literal text in source order, MARK where something else is printed."""
    if isinstance(node, nodes.TemplateData):
        yield node.data
        return
    if isinstance(node, nodes.Output):
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                yield child.data
            else:
                yield MARK
                yield from (f"{OPEN}{c}{CLOSE}" for c in _printed_constants(child))
        return
    for child in node.iter_child_nodes():
        yield from _literal_text(child)


def _printed_constants(expr: nodes.Node) -> Iterator[str]:
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        if has_words(expr.value):
            yield expr.value
    elif isinstance(expr, nodes.CondExpr):
        for branch in (expr.expr1, expr.expr2):
            if branch is not None:
                yield from _printed_constants(branch)
    elif isinstance(expr, nodes.Concat | nodes.Or | nodes.And):
        for child in expr.iter_child_nodes():
            yield from _printed_constants(child)


def offenders_in(env: Environment, name: str, source: str) -> list[Offender]:
    tree = env.parse(source, name)
    text = "".join(_literal_text(tree))
    constants: list[str] = []

    def number(match: re.Match[str]) -> str:
        constants.append(match.group(1))
        return f"{OPEN}{len(constants) - 1}{CLOSE}"

    text = re.sub(f"{OPEN}([^{CLOSE}]*){CLOSE}", number, text)
    reader = _Reader(constants)
    reader.feed(text)
    reader.close()
    return [Offender(name, t) for t in reader.found]


def all_offenders(env: Environment, root: Path) -> list[Offender]:
    found: list[Offender] = []
    for path in sorted(root.rglob("*")):
        if path.suffix in {".html", ".txt"} and path.is_file():
            name = path.relative_to(root).as_posix()
            found += offenders_in(env, name, path.read_text(encoding="utf-8"))
    return found
