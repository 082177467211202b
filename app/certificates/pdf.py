"""The certificate PDF (fpdf2 + segno): any-Unicode names, a QR code and link to the verify page,
the signed credential embedded as a file attachment. A4 landscape or US Letter landscape.

Rendering is pure (no Flask, no database): ``render_certificate_pdf(CertificatePrint)``.
The font is DejaVu Sans, vendored in ``fonts/`` (licence beside it), so output does not depend
on the fonts installed on the host.
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
from fpdf import FPDF

TEMPLATE_VERSION = 1
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


def _hours(value: float) -> str:
    return f"{value:g}"


def _date(value: datetime) -> str:
    return f"{value:%d %B %Y}"


# Scripts DejaVu Sans lacks (Chinese, Japanese, Korean): a system font is used as a fallback
# when one is installed (Debian: fonts-wqy-microhei, fonts-droid-fallback), or the files of the
# CERTIFICATE_FALLBACK_FONTS setting, passed in. Without one those glyphs are missing.
DEFAULT_FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Chinese, Japanese kana, Korean
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def fallback_fonts(configured: Sequence[str] | None = None) -> list[str]:
    """The fallback font files that exist: ``configured`` (the setting; None: the system's)."""
    candidates = DEFAULT_FALLBACK_FONTS if configured is None else configured
    return [path for path in candidates if path and Path(path).is_file()]


def render_certificate_pdf(
    data: CertificatePrint, paper: str = "a4", fonts: Sequence[str] | None = None
) -> bytes:
    """The PDF bytes. ``paper``: "a4" or "letter" (both landscape). ``fonts``: the
    ``certificate_fallback_fonts`` setting (None: the system's CJK fonts)."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}")
    pdf = FPDF(orientation="landscape", unit="mm", format=PAPERS[paper])
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(data.issued_at)
    pdf.set_title(f"{data.program_title}: certificate {data.serial}")
    pdf.set_author(data.issuer_name)
    pdf.set_subject(f"Certificate of completion for {data.learner_name}")
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

    pdf.set_text_color(8, 68, 102)
    pdf.set_font("DejaVu", "B", 14)
    pdf.set_xy(20, 22)
    pdf.cell(w - 40, 8, data.issuer_name.upper(), align="C")
    pdf.set_font("DejaVu", "B", 30)
    pdf.set_xy(20, 36)
    pdf.cell(w - 40, 14, "Certificate of Completion", align="C")

    pdf.set_text_color(27, 31, 36)
    pdf.set_font("DejaVu", "", 13)
    pdf.set_xy(20, 58)
    pdf.cell(w - 40, 8, "This certifies that", align="C")
    pdf.set_font("DejaVu", "B", 26)
    pdf.set_xy(20, 68)
    pdf.multi_cell(w - 40, 12, data.learner_name, align="C")
    y = pdf.get_y() + 1
    if data.licence_number:
        pdf.set_font("DejaVu", "", 12)
        pdf.set_xy(20, y)
        pdf.cell(w - 40, 7, f"Licence number {data.licence_number}", align="C")
        y += 9
    pdf.set_font("DejaVu", "", 13)
    pdf.set_xy(20, y + 2)
    pdf.cell(w - 40, 8, "has completed the program", align="C")
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_xy(20, y + 11)
    pdf.multi_cell(w - 40, 9, data.program_title, align="C")
    y = pdf.get_y() + 2
    pdf.set_font("DejaVu", "", 12)
    pdf.set_xy(20, y)
    pdf.cell(
        w - 40,
        7,
        f"{_hours(data.ce_hours)} continuing education (CE) hours",
        align="C",
    )
    pdf.set_xy(20, y + 8)
    pdf.cell(
        w - 40,
        7,
        f"Issued {_date(data.issued_at)}  ·  Valid until {_date(data.valid_until)}",
        align="C",
    )


def _draw_signatory_and_verification(pdf: FPDF, data: CertificatePrint) -> None:
    """The signatory (left) and the QR code and link to verify the certificate (right)."""
    w, h = pdf.w, pdf.h
    base = h - 52
    pdf.set_draw_color(27, 31, 36)
    pdf.line(28, base + 12, 110, base + 12)
    pdf.set_font("DejaVu", "", 11)
    pdf.set_xy(28, base + 14)
    pdf.cell(82, 6, data.signatory)
    pdf.set_xy(28, base + 20)
    pdf.cell(82, 6, data.issuer_name)
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(28, base + 29)
    pdf.cell(82, 6, f"Serial {data.serial}")

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
    pdf.cell(text_w, 5, "Verify this certificate:", align="R")
    pdf.set_text_color(11, 92, 138)
    pdf.set_xy(qr_x - text_w - 4, base + 13)
    pdf.cell(text_w, 5, data.verify_url, align="R", link=data.verify_url)
    pdf.set_text_color(74, 85, 96)
    pdf.set_xy(qr_x - text_w - 4, base + 19)
    pdf.cell(text_w, 5, "The signed Open Badges 3.0 credential is attached to this PDF", align="R")
