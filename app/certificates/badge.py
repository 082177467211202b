"""The badge image: an SVG with the program's name, and baking a credential into it (pure).

Baking follows Open Badges 3.0 (§ "Baking", SVG): the credential goes, as JSON in a CDATA
section, into an ``<openbadges:credential>`` element right after the root ``<svg>`` tag, with
the namespace ``https://purl.imsglobal.org/ob/v3p0`` declared. Extracting reads it back.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any
from xml.sax.saxutils import escape

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
_ROOT = re.compile(r"<svg\b[^>]*>")
_BAKED = re.compile(
    r"<openbadges:credential>\s*<!\[CDATA\[(.*?)\]\]>\s*</openbadges:credential>", re.S
)


def _title_lines(title: str) -> list[str]:
    lines = textwrap.wrap(title, 18)[:3] or [title[:18]]
    if len(textwrap.wrap(title, 18)) > 3:
        lines[-1] = lines[-1][:17] + "…"
    return lines


def badge_svg(program_title: str) -> str:
    """A round seal with the program's name (any script; the viewer's fonts draw it)."""
    lines = _title_lines(program_title)
    first_y = 256 - (len(lines) - 1) * 17
    text = "".join(
        f'<text x="256" y="{first_y + i * 34}" font-size="28" font-weight="700" '
        f'text-anchor="middle" fill="#ffffff">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB_NAMESPACE}" '
        'viewBox="0 0 512 512" width="512" height="512" role="img" '
        f'aria-label="Badge: {escape(program_title, {chr(34): "&quot;"})}">'
        f"<title>{escape(program_title)}</title>"
        '<circle cx="256" cy="256" r="248" fill="#084466"/>'
        '<circle cx="256" cy="256" r="222" fill="none" stroke="#f2c14e" stroke-width="10"/>'
        '<circle cx="256" cy="256" r="200" fill="none" stroke="#ffffff" stroke-width="2"/>'
        '<text x="256" y="150" font-size="22" letter-spacing="4" text-anchor="middle" '
        'fill="#f2c14e" font-family="sans-serif">CERTIFIED</text>'
        f'<g font-family="sans-serif">{text}</g>'
        '<path d="M176 360 h160" stroke="#f2c14e" stroke-width="4"/>'
        '<text x="256" y="392" font-size="18" text-anchor="middle" fill="#ffffff" '
        'font-family="sans-serif">Open Badge</text>'
        "</svg>"
    )


def bake(svg: str, credential: dict[str, Any]) -> str:
    """``svg`` with ``credential`` baked in (right after the root element's start tag)."""
    body = json.dumps(credential, ensure_ascii=False, indent=2).replace("]]>", "]]]]><![CDATA[>")
    match = _ROOT.search(svg)
    if match is None:
        raise ValueError("not an SVG document")
    root = match.group(0)
    if "xmlns:openbadges=" not in root:
        root = root[:-1] + f' xmlns:openbadges="{OB_NAMESPACE}">'
    baked = f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>"
    return svg[: match.start()] + root + baked + svg[match.end() :]


def extract(svg: str) -> dict[str, Any] | None:
    """The credential baked into ``svg``, or None."""
    match = _BAKED.search(svg)
    if match is None:
        return None
    return json.loads(match.group(1).replace("]]]]><![CDATA[>", "]]>"))
