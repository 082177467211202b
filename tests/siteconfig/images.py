"""Image files for the branding tests, made with Pillow (and some that only look like images)."""

from __future__ import annotations

import io
import zlib

from PIL import Image, PngImagePlugin


def png(width: int = 40, height: int = 20, color: str = "navy", text: str | None = None) -> bytes:
    """A real PNG; ``text`` adds a tEXt chunk (metadata the upload must drop)."""
    out = io.BytesIO()
    info = None
    if text is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text)
    Image.new("RGB", (width, height), color).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg(width: int = 40, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="JPEG")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, format="GIF")
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_with_bad_body() -> bytes:
    """The PNG signature and a valid-looking header, then garbage where the pixels should be."""
    header = b"IHDR" + (10).to_bytes(4, "big") + (10).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    ihdr = len(header[4:]).to_bytes(4, "big") + header + zlib.crc32(header).to_bytes(4, "big")
    idat = b"IDAT" + b"\x00garbage-not-zlib" * 4
    chunk = len(idat[4:]).to_bytes(4, "big") + idat + zlib.crc32(idat).to_bytes(4, "big")
    return PNG_MAGIC + ihdr + chunk + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def truncated_png() -> bytes:
    data = png(200, 200, "red")
    return data[: len(data) // 2]


def pixel_flood_png() -> bytes:
    """A tiny file that claims 50000 × 50000 pixels."""
    header = (
        b"IHDR" + (50000).to_bytes(4, "big") + (50000).to_bytes(4, "big") + b"\x08\x00\x00\x00\x00"
    )
    ihdr = len(header[4:]).to_bytes(4, "big") + header + zlib.crc32(header).to_bytes(4, "big")
    return PNG_MAGIC + ihdr + b"\x00\x00\x00\x00IEND\xaeB`\x82"
