"""QTI 3.0 items (``qti-assessment-item``): parse and export.

Import accepts one item per document, several items inside any wrapper element, or an IMS
content package (zip bytes) whose XML files hold items. An item with one interaction is read by
the question type that names that interaction as its own (each type's ``formats.py`` names its
interactions; several types may share one and tell its items apart, e.g. by cardinality or
base type). Everything else is skipped with the reason. Response
processing: the ``match_correct`` and ``map_response`` templates (and, with a warning, custom
processing when a correct response is declared).

Export writes a zip: one ``items/<key>.xml`` per question plus ``imsmanifest.xml`` (a document
holding several items is not valid QTI). Stems and feedback are Markdown, written verbatim in a
``<div class="dna-markdown">`` so that re-import is exact.

This module is the framing (documents, packages, items, stems, feedback, response
processing); the interaction of an item is read and written by the types' ``qti`` hooks
(``app/questions/format_hooks.py``) through :class:`QtiRead` and :class:`QtiWrite`.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

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
from app.questions.format_hooks import FormatHooks, QtiItem, finite

FORMAT = "qti"
NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
MAX_ZIP_FILES = 5000
MAX_ZIP_BYTES = 100_000_000
_SKIP_REASONS = {
    "qti-inline-choice-interaction": _l(
        "inline choice (a drop-down inside the text) has no equivalent question type"
    ),
    "qti-extended-text-interaction": _l("extended text (essay) is not auto-scored"),
    "qti-upload-interaction": _l("file upload is not auto-scored"),
    "qti-drawing-interaction": _l("drawing is not auto-scored"),
}


def _ident(el: ET.Element) -> str:
    return el.get("identifier", "")


def _serialise(el: ET.Element, skip: set[str]) -> str:
    """Inner HTML of ``el`` without the ``skip`` elements (their tail text is kept)."""
    parts = [escape(el.text or "")]
    for child in el:
        if child.tag not in skip:
            parts.append(ET.tostring(child, encoding="unicode", short_empty_elements=True))
            continue
        parts.append(escape(child.tail or ""))
    return "".join(parts)


def _content(el: ET.Element, skip: frozenset[str] = frozenset()) -> str:
    """Text of an element: verbatim for our Markdown div or plain text, else minimal HTML."""
    children = [c for c in el if c.tag not in skip]
    if (
        len(children) == 1
        and children[0].tag == "div"
        and children[0].get("class") == "dna-markdown"
    ):
        return (children[0].text or "").strip()
    if not children:
        text = (el.text or "") + "".join(c.tail or "" for c in el if c.tag in skip)
        return text.strip()
    return html_to_markdown(_serialise(el, set(skip)))


class QtiRead:
    """What a type's QTI ``detect``/``read`` hooks receive, for one item.

    ``declaration`` is the interaction's ``qti-response-declaration``; ``template`` is
    ``match_correct``, ``map_response``, ``custom`` or ``none`` (no response processing).
    """

    def __init__(self, item: _Item, declaration: ET.Element, template: str):
        self._item = item
        self.declaration = declaration
        self.template = template

    def correct(self) -> list[str]:
        """The declared correct response's values."""
        return self._item.correct(self.declaration)

    def mapping(self) -> dict[str, float]:
        """map-key -> mapped value of the declaration's ``qti-mapping``."""
        return self._item.mapping(self.declaration)

    def map_entries(self) -> list[ET.Element]:
        return self.declaration.findall("qti-mapping/qti-map-entry")

    def keyed(self, ids: list[str]) -> set[str] | None:
        """The correct identifiers among ``ids``, from the correct response or a positive-only
        mapping; None (the item skipped with the reason) when there is no usable key."""
        return self._item.keyed(self.declaration, self.template, ids)

    def accepted(self) -> list[str] | None:
        """The accepted responses of a text entry: the correct response and, under
        ``map_response``, the keys mapped to the best positive value (others dropped with a
        warning); None (the item skipped) when there is none."""
        correct = self.correct()
        mapping = self.mapping() if self.template == "map_response" else {}
        if mapping:
            best = max(mapping.values())
            full = [k for k, v in mapping.items() if v > 0 and v == best]
            dropped = [k for k, v in mapping.items() if k not in full]
            if dropped:
                self.warning(
                    gettext(
                        "answers other than full credit dropped: %(answers)s",
                        answers=", ".join(dropped),
                    )
                )
            correct = list(dict.fromkeys([*correct, *full])) if best > 0 else correct
        if not correct:
            self.skip(gettext("text entry without a correct response"))
            return None
        return correct

    @staticmethod
    def ident(el: ET.Element) -> str:
        return _ident(el)

    @staticmethod
    def content(el: ET.Element, skip: frozenset[str] = frozenset()) -> str:
        """The text of an element (our Markdown verbatim, else minimal HTML to Markdown)."""
        return _content(el, skip)

    @staticmethod
    def key_id(identifier: str) -> str:
        """A QTI identifier as one of our ids."""
        return _key_id(identifier)

    @staticmethod
    def flag(value: str | None, default: bool = False) -> bool:
        return _bool(value, default)

    def warning(self, message: str) -> None:
        self._item.warning(message)

    def skip(self, reason: str) -> None:
        self._item.skip(reason)


def _readers(tag: str) -> list[FormatHooks]:
    """The types that read the interaction ``tag``, in the order they are tried."""
    found = [
        spec.formats[FORMAT]
        for spec in registry.all_types()
        if FORMAT in spec.formats and tag in spec.formats[FORMAT].names
    ]
    return sorted((h for h in found if h.read), key=lambda h: h.priority)  # stable sort


class _Item:
    def __init__(self, parser: _Parser, el: ET.Element):
        self.p = parser
        self.el = el
        self.identifier = el.get("identifier", "")
        self.title = el.get("title", "") or self.identifier
        self.where = f"{parser.source}:{parser.doc.line(el)}"
        self.declarations = {_ident(d): d for d in el.iter("qti-response-declaration")}

    def skip(self, reason: str) -> None:
        self.p.result.skipped.append(Skipped(self.where, self.title, reason))

    def warning(self, message: str) -> None:
        self.p.result.problems.append(warn(self.where, message))

    def correct(self, decl: ET.Element) -> list[str]:
        return [(v.text or "").strip() for v in decl.findall("qti-correct-response/qti-value")]

    def mapping(self, decl: ET.Element) -> dict[str, float]:
        out = {}
        for entry in decl.findall("qti-mapping/qti-map-entry"):
            value = finite(entry.get("mapped-value"))
            out[entry.get("map-key", "")] = value if value is not None else 0.0
        return out

    def template(self) -> str:
        rp = self.el.find("qti-response-processing")
        if rp is None:
            return "none"
        template = rp.get("template", "") or rp.get("template-location", "")
        for name in ("match_correct", "map_response"):
            if template.rstrip("/").endswith(f"{name}.xml") or template.endswith(name):
                return name
        return "custom"

    def interaction(self, body: ET.Element) -> ET.Element | None:
        """The item's one interaction, or None (the item skipped) when it has none or more."""
        interactions = [e for e in body.iter() if e.tag.endswith("-interaction")]
        if not interactions:
            self.skip(gettext("no interaction: not a question"))
            return None
        if len(interactions) > 1:
            self.skip(
                gettext(
                    "%(n)s interactions in one item: our questions have one response",
                    n=len(interactions),
                )
            )
            return None
        return interactions[0]

    def run(self) -> None:
        body = self.el.find("qti-item-body")
        if body is None:
            self.skip(gettext("no qti-item-body"))
            return
        inter = self.interaction(body)
        if inter is None:
            return
        readers = _readers(inter.tag)
        if not readers:
            known = _SKIP_REASONS.get(inter.tag)
            unknown = gettext("<%(tag)s> has no equivalent question type", tag=inter.tag)
            self.skip(str(known) if known is not None else unknown)
            return
        decl = self.declarations.get(inter.get("response-identifier", ""))
        if decl is None:
            self.skip(gettext("the interaction has no response declaration"))
            return
        template = self.template()
        if template == "none" and not self.correct(decl):
            self.skip(gettext("no correct response and no response processing: cannot be scored"))
            return
        if template == "custom":
            self.warning(
                gettext(
                    "custom response processing: the declared correct response is used "
                    "(as with the match_correct template)"
                )
            )
        stem = self.stem(body, inter)
        data: dict[str, Any] = {
            "key": self.p.keys.allocate(
                self.identifier,
                self.el.get("title", ""),
                prefix="qti",
                fallback_text=stem or self.where,
            ),
            "title": self.el.get("title", ""),
            "stem": stem,
            "explanation": self.explanation(),
        }
        ctx = QtiRead(self, decl, template)
        reader = next((h for h in readers if h.accepts(ctx, inter)), None)
        if reader is None or reader.read is None:
            self.skip(
                gettext("<%(tag)s> of this kind has no equivalent question type", tag=inter.tag)
            )
            return
        if reader.read(ctx, inter, data):
            try_build(data, self.p.origin, self.where, self.title, self.p.result)

    def stem(self, body: ET.Element, inter: ET.Element) -> str:
        parts = []
        prompt = inter.find("qti-prompt")
        inline = inter.tag == "qti-text-entry-interaction"
        for child in body:
            if child is inter:
                continue
            if inline and any(d is inter for d in child.iter()):
                parts.append(self.blank(child, inter))
                continue
            if child.tag in ("qti-modal-feedback", "qti-rubric-block"):
                continue
            parts.append(_content(_wrap(child)))
        if prompt is not None:
            parts.append(_content(prompt))
        return "\n\n".join(p for p in parts if p)

    def blank(self, container: ET.Element, inter: ET.Element) -> str:
        """A block holding a text entry: the entry becomes ``_____`` unless it is alone."""
        copy = ET.fromstring(ET.tostring(container))
        for parent in copy.iter():
            for i, child in enumerate(list(parent)):
                if child.tag == inter.tag:
                    tail = child.tail or ""
                    parent.remove(child)
                    if i == 0:
                        parent.text = (parent.text or "") + "_____" + tail
                    else:
                        prev = parent[i - 1]
                        prev.tail = (prev.tail or "") + "_____" + tail
        text = _content(_wrap(copy))
        return "" if text == "_____" else text

    def explanation(self) -> str:
        for fb in self.el.findall("qti-modal-feedback"):
            body = fb.find("qti-content-body")
            return _content(body if body is not None else fb)
        return ""

    def keyed(self, decl: ET.Element, template: str, ids: list[str]) -> set[str] | None:
        """The correct identifiers, from the correct response or a positive-only mapping."""
        correct = set(self.correct(decl))
        if template == "map_response":
            mapping = self.mapping(decl)
            positive = {k for k, v in mapping.items() if v > 0}
            if not positive:
                self.skip(gettext("map_response without a positively mapped choice"))
                return None
            if correct and positive != correct:
                self.skip(
                    gettext(
                        "map_response gives credit to choices other than the correct "
                        "response (partial credit): no equivalent"
                    )
                )
                return None
            values = {mapping[k] for k in positive}
            if len(values) > 1:
                self.warning(
                    gettext(
                        "unequal mapped values (%(values)s) of the correct choices become equal",
                        values=", ".join(format(v, "g") for v in sorted(values)),
                    )
                )
            correct = positive
        if not correct:
            self.skip(gettext("no correct response declared"))
            return None
        unknown = correct - set(ids)
        if unknown:
            self.skip(
                gettext(
                    "the correct response names unknown choices: %(choices)s",
                    choices=", ".join(sorted(unknown)),
                )
            )
            return None
        return correct


def _wrap(el: ET.Element) -> ET.Element:
    holder = ET.Element("holder")
    copy = ET.fromstring(ET.tostring(el))
    copy.tail = None
    holder.append(copy)
    return holder


def _key_id(identifier: str) -> str:
    return slugify(identifier) or "x"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.origin = source  # the file named in "Imported from ..." references
        self.result = ParseResult()
        self.keys = KeyAllocator()
        self.doc: XMLDocument

    def document(self, text: str, source: str) -> None:
        doc, problem = parse_xml(text, source)
        if doc is None:
            self.result.problems.append(problem or f"{source}:1: cannot parse")
            return
        self.doc = doc
        saved, self.source = self.source, source
        items = list(doc.root.iter("qti-assessment-item"))
        if not items and doc.root.tag != "manifest":
            message = gettext("no qti-assessment-item in <%(tag)s>", tag=doc.root.tag)
            self.result.problems.append(f"{source}:{doc.line(doc.root)}: {message}")
        for el in items:
            try:
                _Item(self, el).run()
            except Exception as exc:  # a converter bug must not lose the other items
                message = gettext(
                    "cannot convert this item (%(error)s: %(detail)s)",
                    error=type(exc).__name__,
                    detail=str(exc),
                )
                self.result.problems.append(f"{source}:{doc.line(el)}: {message}")
        self.source = saved

    def package(self, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            message = gettext("not a readable zip: %(error)s", error=str(exc))
            self.result.problems.append(f"{self.source}: {message}")
            return
        if len(infos) > MAX_ZIP_FILES or sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
            message = gettext("package too large")
            self.result.problems.append(f"{self.source}: {message}")
            return
        names = [i.filename for i in infos if i.filename.lower().endswith(".xml")]
        order = _manifest_order(archive, names)
        for name in order:
            try:
                raw = archive.read(name)
            except Exception as exc:
                message = gettext("cannot read: %(error)s", error=str(exc))
                self.result.problems.append(f"{self.source}/{name}: {message}")
                continue
            text, problem = decode(raw, f"{self.source}/{name}")
            if text is None:
                self.result.problems.append(problem or f"{self.source}/{name}: cannot read")
                continue
            self.document(text, f"{self.source}/{name}")


def _manifest_order(archive: zipfile.ZipFile, names: list[str]) -> list[str]:
    """Item files in the manifest's resource order, then any others; never the manifest."""
    ordered: list[str] = []
    if "imsmanifest.xml" in names:
        text, _ = decode(archive.read("imsmanifest.xml"), "imsmanifest.xml")
        doc, _ = parse_xml(text or "", "imsmanifest.xml")
        if doc is not None:
            for res in doc.root.iter("resource"):
                href = res.get("href", "")
                if href in names and href not in ordered:
                    ordered.append(href)
    rest = sorted(n for n in names if n not in ordered and n != "imsmanifest.xml")
    return ordered + rest


def parse(text: str | bytes, source: str = "<qti>") -> ParseResult:
    parser = _Parser(source)
    if isinstance(text, bytes) and text[:4] == b"PK\x03\x04":
        parser.package(text)
        return parser.result
    decoded, problem = decode(text, source)
    if decoded is None:
        return ParseResult(problems=[problem or f"{source}:1: cannot read"])
    parser.document(decoded, source)
    return parser.result


# ---------------------------------------------------------------- export


def _md(text: str) -> str:
    return f'<div class="dna-markdown">{escape(text)}</div>'


def _decl(cardinality: str, base: str, values: list[str], extra: str = "") -> str:
    vals = "".join(f"<qti-value>{escape(v)}</qti-value>" for v in values)
    return (
        f'<qti-response-declaration identifier="RESPONSE" cardinality="{cardinality}" '
        f'base-type="{base}"><qti-correct-response>{vals}</qti-correct-response>{extra}'
        "</qti-response-declaration>"
    )


class QtiWrite:
    """What a type's QTI ``write`` hook receives: helpers for the item's XML text and the
    export's known image sizes (``{path: (width, height)}``)."""

    def __init__(self, image_sizes: dict[str, tuple[int, int]] | None):
        self.image_sizes = image_sizes or {}

    @staticmethod
    def response(cardinality: str, base: str, values: list[str], extra: str = "") -> str:
        """The ``RESPONSE`` declaration with these correct values (``extra``: a mapping)."""
        return _decl(cardinality, base, values, extra)

    @staticmethod
    def escape(text: str) -> str:
        return escape(text)

    @staticmethod
    def attr(text: str) -> str:
        """A quoted attribute value."""
        return quoteattr(text)


def _writer(q: QuestionBase) -> FormatHooks | None:
    hooks = registry.get(q.type).formats.get(FORMAT)
    return hooks if hooks is not None and hooks.write is not None else None


def export_item(q: QuestionBase, image_sizes: dict[str, tuple[int, int]] | None = None) -> str:
    hooks = _writer(q)
    if hooks is None or hooks.write is None:
        raise ValueError(f"QTI cannot express {q.type.value} questions")
    item: QtiItem = hooks.write(QtiWrite(image_sizes), q)
    feedback = ""
    if q.explanation:
        feedback = (
            '<qti-modal-feedback outcome-identifier="FEEDBACK" identifier="explanation" '
            f'show-hide="show"><qti-content-body>{_md(q.explanation)}</qti-content-body>'
            "</qti-modal-feedback>"
        )
    title = f" title={quoteattr(q.title)}" if q.title else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<qti-assessment-item xmlns="{NS}" identifier={quoteattr(q.key)}{title} '
        'adaptive="false" time-dependent="false">\n'
        f"{item.declaration}\n"
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>\n'
        '<qti-outcome-declaration identifier="FEEDBACK" cardinality="multiple" '
        'base-type="identifier"/>\n'
        f"<qti-item-body>{_md(q.stem)}{item.interaction}</qti-item-body>\n"
        f'<qti-response-processing template="{TEMPLATES}{item.template}.xml"/>\n'
        f"{feedback}</qti-assessment-item>\n"
    )


def _manifest(keys: list[str]) -> str:
    resources = "".join(
        f'<resource identifier="res-{k}" type="imsqti_item_xmlv3p0" href="items/{k}.xml">'
        f'<file href="items/{k}.xml"/></resource>'
        for k in keys
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" '
        'identifier="dna-export"><metadata><schema>QTI Package</schema>'
        "<schemaversion>3.0.0</schemaversion></metadata><organizations/>"
        f"<resources>{resources}</resources></manifest>\n"
    )


def export(
    questions: Iterable[QuestionBase],
    cases: Iterable[Case] = (),
    image_sizes: dict[str, tuple[int, int]] | None = None,
    **_: Any,
) -> ExportResult:
    """A zip (bytes): ``imsmanifest.xml`` and ``items/<key>.xml`` per question."""
    skipped: list[Skipped] = []
    files: list[tuple[str, str]] = []
    for q in questions:
        hooks = _writer(q)
        reason = (
            hooks.refusal(q)
            if hooks
            else gettext("QTI export of %(type)s questions is not supported", type=q.type.value)
        )
        if reason:
            skipped.append(Skipped(q.key, q.title, reason))
            continue
        files.append((q.key, export_item(q, image_sizes)))
    for case in cases:
        skipped.append(Skipped(case.key, case.title, gettext("QTI items have no case scenarios")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [("imsmanifest.xml", _manifest([k for k, _ in files]))] + [
            (f"items/{k}.xml", t) for k, t in files
        ]:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return ExportResult(buffer.getvalue(), skipped)
