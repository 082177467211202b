"""Learner names in any script: Latin, Greek and Cyrillic from DejaVu Sans; Chinese, Japanese
and Korean from the Noto Sans KR / SC subsets shipped in app/certificates/fonts. Nothing
depends on the fonts of the machine: the coverage asserted is that of the shipped files."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from app.certificates import pdf
from app.config import load_settings
from app.settings import Settings

NAME = "王小明 Zoë Ångström-Nguyễn Ελένη Дмитрий 김민준 さくら"


def render(name: str, fonts: tuple[str, ...] | None = None) -> bytes:
    data = pdf.CertificatePrint(
        serial="DNF-2026-000001",
        learner_name=name,
        licence_number="PT-1",
        program_title="Dry Needling Foundations",
        ce_hours=17.5,
        issued_at=datetime(2026, 1, 10, tzinfo=UTC),
        valid_until=datetime(2028, 1, 10, tzinfo=UTC),
        issuer_name="Dry Needling Academy",
        signatory="Registrar",
        verify_url="https://example.org/verify/abc",
        credential={"id": "urn:x"},
    )
    return pdf.render_certificate_pdf(data, fonts=fonts)


def missing_glyph_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "missing" in r.getMessage().lower()]


def test_without_a_fallback_font_cjk_glyphs_are_reported_missing(monkeypatch, caplog) -> None:
    monkeypatch.setenv("CERTIFICATE_FALLBACK_FONTS", "")
    settings = Settings.from_config(load_settings({"SECRET_KEY": "k"}))
    assert settings.certificate_fallback_fonts == ()
    with caplog.at_level(logging.WARNING):
        render(NAME, settings.certificate_fallback_fonts)
    assert missing_glyph_logs(caplog)  # the check below can fail


def test_with_the_shipped_fonts_every_glyph_of_the_name_is_printed(monkeypatch, caplog) -> None:
    monkeypatch.delenv("CERTIFICATE_FALLBACK_FONTS", raising=False)
    with caplog.at_level(logging.WARNING):
        body = render(NAME)
    assert body.startswith(b"%PDF")
    assert missing_glyph_logs(caplog) == []


def _cmap(path) -> set[int]:
    from fontTools.ttLib import TTFont

    return set(TTFont(str(path)).getBestCmap())


def _legacy_charset(encoding: str) -> set[int]:
    chars = set()
    for hi in range(0x81, 0xFF):
        for lo in range(0x40, 0xFF):
            try:
                text = bytes([hi, lo]).decode(encoding)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                chars.add(ord(text))
    return chars


def test_the_shipped_fonts_are_in_the_repository_with_their_licences() -> None:
    assert pdf.fallback_fonts() == list(pdf.DEFAULT_FALLBACK_FONTS)
    for path in pdf.DEFAULT_FALLBACK_FONTS:
        assert path.startswith(str(pdf.FONT_DIR))
    assert (pdf.FONT_DIR / "LICENSE-Noto-CJK-OFL.txt").read_text().count("SIL Open Font License")
    assert (pdf.FONT_DIR / "LICENSE-DejaVu.txt").is_file()


def test_the_shipped_fonts_cover_every_character_of_the_name() -> None:
    shipped = _cmap(pdf.FONT_DIR / "DejaVuSans.ttf")
    for path in pdf.DEFAULT_FALLBACK_FONTS:
        shipped |= _cmap(path)
    missing = [c for c in NAME if ord(c) not in shipped]
    assert missing == []


def test_the_shipped_fonts_cover_hangul_kana_and_the_common_ideographs() -> None:
    korean, cjk = (_cmap(path) for path in pdf.DEFAULT_FALLBACK_FONTS)
    assert set(range(0xAC00, 0xD7A4)) <= korean  # every Hangul syllable
    kana = set(range(0x3041, 0x3097)) | set(range(0x30A1, 0x30FB))
    assert kana <= cjk
    for encoding in ("gb2312", "shift_jis", "euc_kr"):
        ideographs = {c for c in _legacy_charset(encoding) if 0x4E00 <= c <= 0x9FFF}
        covered = len(ideographs & cjk) / len(ideographs)
        assert covered > 0.98, (encoding, covered)
