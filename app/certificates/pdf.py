"""The certificate PDF (fpdf2 + segno): any-Unicode names, a QR code and link to the verify page,
the signed credential embedded as a file attachment. A4 landscape or US Letter landscape.

Rendering is pure (no database): ``render_certificate_pdf(CertificatePrint)``. Its labels are
in the current language (the caller chooses the holder's: app/i18n.in_language_of; outside an
application context they are English).
The fonts are vendored in ``fonts/`` (licences beside them), so output does not depend on the
fonts installed on the host: DejaVu Sans (Latin, Greek, Cyrillic, ...) and subsets of Noto Sans
KR (Hangul) and Noto Sans SC (the ideographs of GB 2312, JIS X 0208, KS X 1001; kana) as
fallbacks (``scripts/subset-cjk-fonts`` rebuilds them).

A revoked or superseded certificate is printed with a large diagonal REVOKED / SUPERSEDED mark
and the reason. The issuer's logo and the signatory's signature image (site settings) are
printed when set.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import get_locale
from fpdf import FPDF

from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

TEMPLATE_VERSION = 2
PAPERS = {"a4": "A4", "letter": "Letter"}
FONT_DIR = Path(__file__).resolve().with_name("fonts")


@dataclass(frozen=True)
class CertificatePrint:
    """Everything printed on a certificate, taken from the database."""

    serial: str
    learner_name: str
    licence_number: str
    program_title: str
    ce_hours: float
    issued_at: datetime
    valid_until: datetime
    issuer_name: str
    signatory: str
    verify_url: str
    credential: dict[str, Any]
    status: str = "valid"
    """valid, expired, revoked or superseded: revoked and superseded get the diagonal mark."""
    status_reason: str = ""
    logo: bytes | None = None
    """The issuer's logo (PNG or JPEG bytes), top left."""
    signature: bytes | None = None
    """The signatory's signature image (PNG or JPEG bytes), above the signature line."""


def printed_locale() -> str:
    """The language the PDF is printed in (the caller chooses it: app/i18n.in_language_of)."""
    return str(get_locale() or "en")


def _hours(value: float) -> str:
    return format_decimal(round(value, 2), locale=printed_locale())


def _date(value: datetime) -> str:
    return format_date(value, "long", locale=printed_locale())


# Scripts DejaVu Sans lacks (Chinese, Japanese, Korean): the fonts shipped beside it, or the
# files of the CERTIFICATE_FALLBACK_FONTS setting, passed in (empty: none).
DEFAULT_FALLBACK_FONTS = (
    str(FONT_DIR / "NotoSansKR-Hangul-Subset.ttf"),
    str(FONT_DIR / "NotoSansSC-CJK-Subset.ttf"),
)
MARKS = {"revoked": _l("REVOKED"), "superseded": _l("SUPERSEDED")}


def fallback_fonts(configured: Sequence[str] | None = None) -> list[str]:
    """The fallback font files that exist: ``configured`` (the setting; None: the shipped)."""
    candidates = DEFAULT_FALLBACK_FONTS if configured is None else configured
    return [path for path in candidates if path and Path(path).is_file()]


def render_certificate_pdf(
    data: CertificatePrint, paper: str = "a4", fonts: Sequence[str] | None = None
) -> bytes:
    """The PDF bytes. ``paper``: "a4" or "letter" (both landscape). ``fonts``: the
    ``certificate_fallback_fonts`` setting (None: the shipped CJK fonts)."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}")
    pdf = FPDF(orientation="landscape", unit="mm", format=PAPERS[paper])
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(data.issued_at)
    pdf.set_title(f"{data.program_title}: certificate {data.serial}")
    pdf.set_author(data.issuer_name)
    pdf.set_subject(_("Certificate of completion for %(name)s", name=data.learner_name))
    pdf.set_lang("en")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    fallbacks = []
    for number, path in enumerate(fallback_fonts(fonts)):
        pdf.add_font(f"Fallback{number}", "", path)
        fallbacks.append(f"Fallback{number}")
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.add_page()
    _draw_front(pdf, data)
    _draw_signatory_and_verification(pdf, data)
    if data.status in MARKS:
        _draw_status_mark(pdf, MARKS[data.status], data.status_reason)

    pdf.embed_file(
        basename=f"{data.serial}.credential.json",
        bytes=json.dumps(data.credential, indent=2, ensure_ascii=False).encode("utf-8"),
        desc="Open Badges 3.0 credential signed with eddsa-rdfc-2022",
        mime_type="application/ld+json",
        modification_date=data.issued_at,
    )
    return bytes(pdf.output())


def _draw_front(pdf: FPDF, data: CertificatePrint) -> None:
    """The frame, the title and who completed what, with CE hours and dates."""
    w, h = pdf.w, pdf.h
    # Frame.
    pdf.set_draw_color(8, 68, 102)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, w - 16, h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, w - 22, h - 22)

    if data.logo:
        pdf.image(io.BytesIO(data.logo), x=18, y=16, h=22, keep_aspect_ratio=True)
    pdf.set_text_color(8, 68, 102)
    pdf.set_font("DejaVu", "B", 14)
    pdf.set_xy(20, 22)
    pdf.cell(w - 40, 8, data.issuer_name.upper(), align="C")
    pdf.set_font("DejaVu", "B", 30)
    pdf.set_xy(20, 36)
    pdf.cell(w - 40, 14, _("Certificate of Completion"), align="C")

    pdf.set_text_color(27, 31, 36)
    pdf.set_font("DejaVu", "", 13)
    pdf.set_xy(20, 58)
    pdf.cell(w - 40, 8, _("This certifies that"), align="C")
    pdf.set_font("DejaVu", "B", 26)
    pdf.set_xy(20, 68)
    pdf.multi_cell(w - 40, 12, data.learner_name, align="C")
    y = pdf.get_y() + 1
    if data.licence_number:
        pdf.set_font("DejaVu", "", 12)
        pdf.set_xy(20, y)
        pdf.cell(w - 40, 7, _("Licence number %(number)s", number=data.licence_number), align="C")
        y += 9
    pdf.set_font("DejaVu", "", 13)
    pdf.set_xy(20, y + 2)
    pdf.cell(w - 40, 8, _("has completed the program"), align="C")
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_xy(20, y + 11)
    pdf.multi_cell(w - 40, 9, data.program_title, align="C")
    y = pdf.get_y() + 2
    pdf.set_font("DejaVu", "", 12)
    pdf.set_xy(20, y)
    pdf.cell(
        w - 40,
        7,
        _("%(hours)s continuing education (CE) hours", hours=_hours(data.ce_hours)),
        align="C",
    )
    pdf.set_xy(20, y + 8)
    pdf.cell(
        w - 40,
        7,
        _(
            "Issued %(issued)s  ·  Valid until %(until)s",
            issued=_date(data.issued_at),
            until=_date(data.valid_until),
        ),
        align="C",
    )


def _draw_signatory_and_verification(pdf: FPDF, data: CertificatePrint) -> None:
    """The signatory (left) and the QR code and link to verify the certificate (right)."""
    w, h = pdf.w, pdf.h
    base = h - 52
    if data.signature:
        pdf.image(io.BytesIO(data.signature), x=28, y=base - 8, w=82, h=19, keep_aspect_ratio=True)
    pdf.set_draw_color(27, 31, 36)
    pdf.line(28, base + 12, 110, base + 12)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_xy(28, base + 14)
    pdf.cell(82, 6, data.signatory)
    pdf.set_xy(28, base + 20)
    pdf.cell(82, 6, data.issuer_name)
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(28, base + 29)
    pdf.cell(82, 6, _("Serial %(serial)s", serial=data.serial))

    qr = segno.make(data.verify_url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=2)
    size = 34
    qr_x = w - 28 - size
    pdf.image(io.BytesIO(buffer.getvalue()), x=qr_x, y=base - 4, w=size, h=size)
    pdf.link(qr_x, base - 4, size, size, data.verify_url)
    pdf.set_font("DejaVu", "", 9)
    text_w = 120
    pdf.set_xy(qr_x - text_w - 4, base + 8)
    pdf.cell(text_w, 5, _("Verify this certificate:"), align="R")
    pdf.set_text_color(11, 92, 138)
    pdf.set_xy(qr_x - text_w - 4, base + 13)
    pdf.cell(text_w, 5, data.verify_url, align="R", link=data.verify_url)
    pdf.set_text_color(74, 85, 96)
    pdf.set_xy(qr_x - text_w - 4, base + 19)
    pdf.cell(
        text_w, 5, _("The signed Open Badges 3.0 credential is attached to this PDF"), align="R"
    )


def _draw_status_mark(pdf: FPDF, mark: Any, reason: str) -> None:
    """A large diagonal mark across the page and the reason under the title."""
    w, h = pdf.w, pdf.h
    pdf.set_text_color(178, 34, 34)
    with (
        pdf.local_context(fill_opacity=0.35, text_color=(178, 34, 34)),
        pdf.rotation(angle=28, x=w / 2, y=h / 2),
    ):
        pdf.set_font("DejaVu", "B", 88)
        pdf.set_xy(0, h / 2 - 18)
        pdf.cell(w, 36, str(mark), align="C")
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_xy(20, 51)
    text = f"{mark}: {reason}" if reason else str(mark)
    pdf.multi_cell(w - 40, 6, text, align="C")
    pdf.set_text_color(27, 31, 36)
