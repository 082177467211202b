"""Question-bank formats: the native YAML, Moodle GIFT, Moodle XML and QTI 3.0.

Pure converters (no Flask, no SQLAlchemy). Each format has::

    parse(data: str | bytes, source: str) -> ParseResult
    export(questions, cases=(), **options) -> ExportResult   # .data is str, or bytes for QTI

``ParseResult.questions`` are validated schema models; whatever does not map to our nine
question types is in ``ParseResult.skipped`` (with the reason) and located syntax errors and
warnings are in ``ParseResult.problems`` ("file:line: message", warnings contain
": warning: "). ``ExportResult.skipped`` lists the questions and cases a format cannot express.
See docs/bank-formats.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from app.banks.formats import gift, moodle_xml, qti, yaml_format
from app.banks.formats.base import ExportResult, ParseResult, Skipped

__all__ = ["FORMATS", "ExportResult", "Format", "ParseResult", "Skipped", "detect_format"]


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    parse: Callable[[str | bytes, str], ParseResult]
    export: Callable[..., ExportResult]
    binary_export: bool = False  # export(...).data is bytes (a zip)
    description: str = ""

    def parse_file(self, path: str) -> ParseResult:
        """Read and parse a file (bytes for zips, text otherwise); never raises."""
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            return ParseResult(problems=[f"{path}: cannot read the file: {exc}"])
        return self.parse(data, path)


FORMATS: dict[str, Format] = {
    "yaml": Format(
        "yaml",
        (".yaml", ".yml"),
        yaml_format.parse,
        yaml_format.export,
        description="the native format (question_banks/README.md)",
    ),
    "gift": Format("gift", (".gift", ".txt"), gift.parse, gift.export, description="Moodle GIFT"),
    "moodle-xml": Format(
        "moodle-xml",
        (".xml",),
        moodle_xml.parse,
        moodle_xml.export,
        description="Moodle XML (<quiz>)",
    ),
    "qti": Format(
        "qti",
        (".zip", ".xml"),
        qti.parse,
        qti.export,
        binary_export=True,
        description="QTI 3.0 items, or an IMS content package (zip)",
    ),
}


def detect_format(filename: str, text: str | bytes | None = None) -> str | None:
    """The format's name from the file name and, for ambiguous names, the content."""
    suffix = PurePath(filename).suffix.lower()
    head: Any = text[:4096] if text is not None else None
    if isinstance(head, bytes):
        if head[:4] == b"PK\x03\x04":
            return "qti"
        head = head.decode("utf-8", "replace")
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".gift":
        return "gift"
    if suffix == ".zip":
        return "qti"
    if head is not None and suffix in (".xml", "", ".txt", ".qti"):
        if "<quiz" in head:
            return "moodle-xml"
        if "qti-assessment-item" in head or "imsqti" in head.lower():
            return "qti"
        if suffix == ".xml":
            return None
        if "{" in head and "}" in head:
            return "gift"
    if suffix == ".txt":
        return "gift"
    return None
