"""QTI 3.0 items (``qti-assessment-item``): parse and export.

Import accepts one item per document, several items inside any wrapper element, or an IMS
content package (zip bytes) whose XML files hold items. Mapped interactions: choice (single /
multiple cardinality), order, match (directed pairs), text entry (string → short_answer,
float/integer → numeric with tolerance 0), hotspot (rect / circle / ellipse / poly shapes →
normalised polygons; circles and ellipses become 16-gons). Everything else is skipped with the
reason. Response processing: the ``match_correct`` and ``map_response`` templates (and, with a
warning, custom processing when a correct response is declared).

Export writes a zip: one ``items/<key>.xml`` per question plus ``imsmanifest.xml`` (a document
holding several items is not valid QTI). Stems and feedback are Markdown, written verbatim in a
``<div class="dna-markdown">`` so that re-import is exact.
"""

from __future__ import annotations

import io
import math
import re
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
from app.banks.schema import (
    Case,
    Hotspot,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
MAX_ZIP_FILES = 5000
MAX_ZIP_BYTES = 100_000_000
POLYGON_SIDES = 16
_SUPPORTED = {
    "qti-choice-interaction",
    "qti-order-interaction",
    "qti-match-interaction",
    "qti-text-entry-interaction",
    "qti-hotspot-interaction",
}
_SKIP_REASONS = {
    "qti-inline-choice-interaction": "inline choice (a drop-down inside the text) has no "
    "equivalent question type",
    "qti-extended-text-interaction": "extended text (essay) is not auto-scored",
    "qti-upload-interaction": "file upload is not auto-scored",
    "qti-drawing-interaction": "drawing is not auto-scored",
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
            value = _num(entry.get("mapped-value"))
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

    def run(self) -> None:
        body = self.el.find("qti-item-body")
        if body is None:
            self.skip("no qti-item-body")
            return
        interactions = [e for e in body.iter() if e.tag.endswith("-interaction")]
        if not interactions:
            self.skip("no interaction: not a question")
            return
        if len(interactions) > 1:
            self.skip(
                f"{len(interactions)} interactions in one item: our questions have one response"
            )
            return
        inter = interactions[0]
        if inter.tag not in _SUPPORTED:
            reason = _SKIP_REASONS.get(inter.tag, f"<{inter.tag}> has no equivalent question type")
            self.skip(reason)
            return
        decl = self.declarations.get(inter.get("response-identifier", ""))
        if decl is None:
            self.skip("the interaction has no response declaration")
            return
        template = self.template()
        if template == "none" and not self.correct(decl):
            self.skip("no correct response and no response processing: cannot be scored")
            return
        if template == "custom":
            self.warning(
                "custom response processing: the declared correct response is used "
                "(as with the match_correct template)"
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
        kind = inter.tag.removeprefix("qti-").removesuffix("-interaction").replace("-", "_")
        if getattr(self, f"i_{kind}")(inter, decl, template, data):
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

    # ------------------------------------------------------------ interactions

    def i_choice(self, inter: ET.Element, decl: ET.Element, template: str, d: dict) -> bool:
        choices = inter.findall("qti-simple-choice")
        ids = [_ident(c) for c in choices]
        correct = self.keyed(decl, template, ids)
        if correct is None:
            return False
        options = [
            {
                "id": _key_id(_ident(c)),
                "text": _content(c, frozenset({"qti-feedback-inline"})),
                "correct": _ident(c) in correct,
                "feedback": next((_content(f) for f in c.findall("qti-feedback-inline")), ""),
            }
            for c in choices
        ]
        single = decl.get("cardinality", "single") == "single"
        d.update(options=options, shuffle=_bool(inter.get("shuffle")))
        texts = [o["text"].lower() for o in options]
        if single and sorted(ids) == ["false", "true"] and sorted(texts) == ["false", "true"]:
            fb = {i: o["feedback"] for i, o in zip(ids, options, strict=True)}
            d.pop("options")
            d.pop("shuffle")
            d.update(
                type="true_false",
                answer="true" in correct,
                feedback_true=fb["true"],
                feedback_false=fb["false"],
            )
            return True
        d["type"] = "single_choice" if single else "multiple_response"
        return True

    def keyed(self, decl: ET.Element, template: str, ids: list[str]) -> set[str] | None:
        """The correct identifiers, from the correct response or a positive-only mapping."""
        correct = set(self.correct(decl))
        if template == "map_response":
            mapping = self.mapping(decl)
            positive = {k for k, v in mapping.items() if v > 0}
            if not positive:
                self.skip("map_response without a positively mapped choice")
                return None
            if correct and positive != correct:
                self.skip(
                    "map_response gives credit to choices other than the correct "
                    "response (partial credit): no equivalent"
                )
                return None
            values = {mapping[k] for k in positive}
            if len(values) > 1:
                self.warning(
                    f"unequal mapped values ({', '.join(f'{v:g}' for v in sorted(values))})"
                    " of the correct choices become equal"
                )
            correct = positive
        if not correct:
            self.skip("no correct response declared")
            return None
        unknown = correct - set(ids)
        if unknown:
            self.skip(f"the correct response names unknown choices: {', '.join(sorted(unknown))}")
            return None
        return correct

    def i_order(self, inter: ET.Element, decl: ET.Element, template: str, d: dict) -> bool:
        texts = {_ident(c): _content(c) for c in inter.findall("qti-simple-choice")}
        order = self.correct(decl)
        if not order or set(order) != set(texts):
            self.skip("the correct response does not order every choice")
            return False
        d.update(type="ordering", items=[texts[i] for i in order])
        return True

    def i_match(self, inter: ET.Element, decl: ET.Element, template: str, d: dict) -> bool:
        sets = inter.findall("qti-simple-match-set")
        if len(sets) != 2:
            self.skip("a match interaction needs two match sets")
            return False
        premises = {_ident(c): _content(c) for c in sets[0].findall("qti-simple-associable-choice")}
        answers = {_ident(c): _content(c) for c in sets[1].findall("qti-simple-associable-choice")}
        values = self.correct(decl)
        if template == "map_response" and not values:
            values = [k for k, v in self.mapping(decl).items() if v > 0]
        pairs: dict[str, str] = {}
        for value in values:
            bits = value.split()
            if len(bits) != 2 or bits[0] not in premises or bits[1] not in answers:
                self.skip(f"correct pair {value!r} does not name a premise and an answer")
                return False
            if bits[0] in pairs:
                self.skip("a premise with two correct answers: no equivalent")
                return False
            pairs[bits[0]] = bits[1]
        unmatched = [p for p in premises if p not in pairs]
        if unmatched:
            self.skip(f"premises without a correct answer: {', '.join(unmatched)}")
            return False
        used = set(pairs.values())
        d.update(
            type="matching",
            pairs=[{"premise": premises[p], "answer": answers[a]} for p, a in pairs.items()],
            distractors=[t for i, t in answers.items() if i not in used],
        )
        return True

    def i_text_entry(self, inter: ET.Element, decl: ET.Element, template: str, d: dict) -> bool:
        base = decl.get("base-type", "string")
        correct = self.correct(decl)
        mapping = self.mapping(decl) if template == "map_response" else {}
        if mapping:
            best = max(mapping.values())
            full = [k for k, v in mapping.items() if v > 0 and v == best]
            dropped = [k for k, v in mapping.items() if k not in full]
            if dropped:
                self.warning(f"answers other than full credit dropped: {', '.join(dropped)}")
            correct = list(dict.fromkeys([*correct, *full])) if best > 0 else correct
        if not correct:
            self.skip("text entry without a correct response")
            return False
        if base in ("float", "integer"):
            value = _num(correct[0])
            if value is None:
                self.skip(f"correct response {correct[0]!r} is not a number")
                return False
            if len(correct) > 1:
                self.warning("only the first numeric answer is kept")
            d.update(type="numeric", answer=value, tolerance=0.0)
            return True
        entries = decl.findall("qti-mapping/qti-map-entry")
        sensitive = all(_bool(e.get("case-sensitive"), True) for e in entries) if entries else True
        d.update(type="short_answer", answers=correct, case_sensitive=sensitive)
        return True

    def i_hotspot(self, inter: ET.Element, decl: ET.Element, template: str, d: dict) -> bool:
        if decl.get("cardinality", "single") != "single":
            self.skip(
                "a hotspot with several required clicks has no equivalent (ours: one click "
                "in any correct region)"
            )
            return False
        image = inter.find("img")
        if image is not None:
            src, alt = image.get("src", ""), image.get("alt", "")
        else:
            image = inter.find("object")
            if image is None:
                self.skip("hotspot without an <img> or <object>")
                return False
            src, alt = image.get("data", ""), "".join(image.itertext()).strip()
        width, height = _num(image.get("width")), _num(image.get("height"))
        if not width or not height or width <= 0 or height <= 0:
            self.skip("the hotspot image has no width and height: regions cannot be normalised")
            return False
        choices = inter.findall("qti-hotspot-choice")
        correct = set(self.correct(decl))
        if template == "map_response":
            correct |= {k for k, v in self.mapping(decl).items() if v > 0}
        regions = []
        for c in choices:
            points = _shape(c.get("shape", ""), c.get("coords", ""), width, height)
            if points is None:
                self.skip(
                    f"hotspot choice {_ident(c)!r}: shape {c.get('shape')!r} with coords "
                    f"{c.get('coords')!r} cannot be mapped"
                )
                return False
            label = c.get("hotspot-label") or c.get("aria-label") or _content(c) or _ident(c)
            regions.append(
                {
                    "id": _key_id(_ident(c)),
                    "label": label,
                    "points": points,
                    "correct": _ident(c) in correct,
                }
            )
        d.update(type="hotspot", image=src, image_alt=alt or "image", regions=regions)
        return True


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


def _num(value: str | None) -> float | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, v))


def _shape(shape: str, coords: str, w: float, h: float) -> list[list[float]] | None:
    try:
        c = [float(x) for x in re.split(r"[,\s]+", coords.strip()) if x]
    except ValueError:
        return None
    if not all(math.isfinite(x) for x in c):
        return None
    shape = shape.lower()
    if shape == "rect" and len(c) == 4:
        x1, y1, x2, y2 = c
        pts = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    elif shape in ("circle", "ellipse") and len(c) in (3, 4):
        cx, cy, rx = c[0], c[1], c[2]
        ry = c[3] if len(c) == 4 else rx
        pts = [
            (
                cx + rx * math.cos(2 * math.pi * k / POLYGON_SIDES),
                cy + ry * math.sin(2 * math.pi * k / POLYGON_SIDES),
            )
            for k in range(POLYGON_SIDES)
        ]
    elif shape == "poly" and len(c) >= 6 and len(c) % 2 == 0:
        pts = list(zip(c[0::2], c[1::2], strict=True))
        if len(pts) > 3 and pts[0] == pts[-1]:  # a closed polygon: drop the repeated point
            pts = pts[:-1]
    else:
        return None
    return [[_clamp(x / w), _clamp(y / h)] for x, y in pts]


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
            self.result.problems.append(
                f"{source}:{doc.line(doc.root)}: no qti-assessment-item in <{doc.root.tag}>"
            )
        for el in items:
            try:
                _Item(self, el).run()
            except Exception as exc:  # a converter bug must not lose the other items
                self.result.problems.append(
                    f"{source}:{doc.line(el)}: cannot convert this item "
                    f"({type(exc).__name__}: {exc})"
                )
        self.source = saved

    def package(self, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            self.result.problems.append(f"{self.source}: not a readable zip: {exc}")
            return
        if len(infos) > MAX_ZIP_FILES or sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
            self.result.problems.append(f"{self.source}: package too large")
            return
        names = [i.filename for i in infos if i.filename.lower().endswith(".xml")]
        order = _manifest_order(archive, names)
        for name in order:
            try:
                raw = archive.read(name)
            except Exception as exc:
                self.result.problems.append(f"{self.source}/{name}: cannot read: {exc}")
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

EXPORTABLE = (
    SingleChoice,
    MultipleResponse,
    TrueFalse,
    Matching,
    Ordering,
    ShortAnswer,
    Hotspot,
    Numeric,
)
VIRTUAL_SIZE = 1000  # hotspot coordinates when the image's size is not given


def _md(text: str) -> str:
    return f'<div class="dna-markdown">{escape(text)}</div>'


def _decl(cardinality: str, base: str, values: list[str], extra: str = "") -> str:
    vals = "".join(f"<qti-value>{escape(v)}</qti-value>" for v in values)
    return (
        f'<qti-response-declaration identifier="RESPONSE" cardinality="{cardinality}" '
        f'base-type="{base}"><qti-correct-response>{vals}</qti-correct-response>{extra}'
        "</qti-response-declaration>"
    )


def _coords(points: list[tuple[float, float]], w: int, h: int) -> str:
    """A closed polygon (the first point repeated), in pixels of a w x h image."""
    closed = [*points, points[0]]
    return ",".join(repr(v) for x, y in closed for v in (x * w, y * h))


def export_item(q: QuestionBase, image_sizes: dict[str, tuple[int, int]] | None = None) -> str:
    template = "match_correct"
    shuffle = getattr(q, "shuffle", True)
    if isinstance(q, SingleChoice | MultipleResponse):
        single = isinstance(q, SingleChoice)
        decl = _decl(
            "single" if single else "multiple", "identifier", [o.id for o in q.options if o.correct]
        )
        choices = "".join(
            f"<qti-simple-choice identifier={quoteattr(o.id)}>{escape(o.text)}"
            + (
                f'<qti-feedback-inline outcome-identifier="FEEDBACK" identifier={quoteattr(o.id)} '
                f'show-hide="show">{escape(o.feedback)}</qti-feedback-inline>'
                if o.feedback
                else ""
            )
            + "</qti-simple-choice>"
            for o in q.options
        )
        inter = (
            '<qti-choice-interaction response-identifier="RESPONSE" '
            f'shuffle="{str(shuffle).lower()}" '
            f'max-choices="{1 if single else 0}">{choices}</qti-choice-interaction>'
        )
    elif isinstance(q, TrueFalse):
        decl = _decl("single", "identifier", ["true" if q.answer else "false"])
        choices = "".join(
            f'<qti-simple-choice identifier="{v}">{v.title()}'
            + (
                f'<qti-feedback-inline outcome-identifier="FEEDBACK" identifier="{v}" '
                f'show-hide="show">{escape(fb)}</qti-feedback-inline>'
                if fb
                else ""
            )
            + "</qti-simple-choice>"
            for v, fb in (("true", q.feedback_true), ("false", q.feedback_false))
        )
        inter = (
            '<qti-choice-interaction response-identifier="RESPONSE" shuffle="false" '
            f'max-choices="1">{choices}</qti-choice-interaction>'
        )
    elif isinstance(q, Ordering):
        ids = q.item_ids()
        decl = _decl("ordered", "identifier", ids)
        choices = "".join(
            f'<qti-simple-choice identifier="{i}">{escape(t)}</qti-simple-choice>'
            for i, t in zip(ids, q.items, strict=True)
        )
        inter = (
            f'<qti-order-interaction response-identifier="RESPONSE" shuffle="true">'
            f"{choices}</qti-order-interaction>"
        )
    elif isinstance(q, Matching):
        km = q.key_map()
        decl = _decl("multiple", "directedPair", [f"{p} {a}" for p, a in km.items()])
        prem = "".join(
            f'<qti-simple-associable-choice identifier="{pid}" match-max="1">{escape(p.premise)}'
            "</qti-simple-associable-choice>"
            for pid, p in zip(q.premise_ids(), q.pairs, strict=True)
        )
        ans = "".join(
            f'<qti-simple-associable-choice identifier="{cid}" match-max="0">{escape(t)}'
            "</qti-simple-associable-choice>"
            for cid, t in q.answer_choices()
        )
        inter = (
            f'<qti-match-interaction response-identifier="RESPONSE" shuffle="true" '
            f'max-associations="{len(q.pairs)}"><qti-simple-match-set>{prem}'
            f"</qti-simple-match-set><qti-simple-match-set>{ans}</qti-simple-match-set>"
            "</qti-match-interaction>"
        )
    elif isinstance(q, ShortAnswer):
        template = "map_response"
        sensitive = str(q.case_sensitive).lower()
        entries = "".join(
            f'<qti-map-entry map-key={quoteattr(a)} mapped-value="1" case-sensitive="{sensitive}"/>'
            for a in q.answers
        )
        decl = _decl(
            "single",
            "string",
            [q.answers[0]],
            f'<qti-mapping default-value="0">{entries}</qti-mapping>',
        )
        inter = '<p><qti-text-entry-interaction response-identifier="RESPONSE"/></p>'
    elif isinstance(q, Numeric):
        decl = _decl("single", "float", [repr(q.answer)])
        inter = '<p><qti-text-entry-interaction response-identifier="RESPONSE"/></p>'
    elif isinstance(q, Hotspot):
        template = "map_response"
        w, h = (image_sizes or {}).get(q.image, (VIRTUAL_SIZE, VIRTUAL_SIZE))
        correct = [r.id for r in q.regions if r.correct]
        entries = "".join(f'<qti-map-entry map-key="{r}" mapped-value="1"/>' for r in correct)
        decl = _decl(
            "single",
            "identifier",
            correct[:1],
            f'<qti-mapping default-value="0" upper-bound="1">{entries}</qti-mapping>',
        )
        spots = "".join(
            f'<qti-hotspot-choice identifier="{r.id}" shape="poly" '
            f'coords="{_coords(r.points, w, h)}" '
            f"hotspot-label={quoteattr(r.label)}/>"
            for r in q.regions
        )
        inter = (
            f'<qti-hotspot-interaction response-identifier="RESPONSE" max-choices="1">'
            f'<img src={quoteattr(q.image)} alt={quoteattr(q.image_alt)} width="{w}" '
            f'height="{h}"/>{spots}</qti-hotspot-interaction>'
        )
    else:  # pragma: no cover - filtered by the caller
        raise ValueError(q.type)
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
        f"{decl}\n"
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>\n'
        '<qti-outcome-declaration identifier="FEEDBACK" cardinality="multiple" '
        'base-type="identifier"/>\n'
        f"<qti-item-body>{_md(q.stem)}{inter}</qti-item-body>\n"
        f'<qti-response-processing template="{TEMPLATES}{template}.xml"/>\n'
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
        if not isinstance(q, EXPORTABLE):
            skipped.append(
                Skipped(q.key, q.title, f"QTI export of {q.type.value} questions is not supported")
            )
            continue
        if isinstance(q, Numeric) and (q.tolerance or q.unit):
            skipped.append(
                Skipped(
                    q.key,
                    q.title,
                    "a numeric question with a tolerance or a unit "
                    "needs custom QTI response processing (not exported)",
                )
            )
            continue
        files.append((q.key, export_item(q, image_sizes)))
    for case in cases:
        skipped.append(Skipped(case.key, case.title, "QTI items have no case scenarios"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [("imsmanifest.xml", _manifest([k for k, _ in files]))] + [
            (f"items/{k}.xml", t) for k, t in files
        ]:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return ExportResult(buffer.getvalue(), skipped)
