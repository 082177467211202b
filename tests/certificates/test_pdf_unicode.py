"""Learner names in any script: Latin, Greek and Cyrillic from DejaVu Sans; Chinese, Japanese
and Korean from a fallback font when one is installed (fonts-wqy-microhei; `make test`
installs it through scripts/test-deps)."""

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


@pytest.mark.skipif(
    not pdf.fallback_fonts(),
    reason="no CJK fallback font installed (Debian fonts-wqy-microhei; scripts/test-deps)",
)
def test_with_the_fallback_font_every_glyph_of_the_name_is_printed(monkeypatch, caplog) -> None:
    monkeypatch.delenv("CERTIFICATE_FALLBACK_FONTS", raising=False)
    with caplog.at_level(logging.WARNING):
        body = render(NAME)
    assert body.startswith(b"%PDF")
    assert missing_glyph_logs(caplog) == []
