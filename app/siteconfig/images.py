"""Check an uploaded branding image (logo, signature): PNG or JPEG only, decoded, re-encoded.

Pure: no flask, no database. The type is recognised by its magic bytes, never by the file name
or the browser's content type; SVG (and anything else) is refused, since a logo is embedded in
PDFs and pages where a script must never run. The image is decoded with Pillow (a PNG with a
broken body is refused) after refusing more than :data:`MAX_PIXELS` from its header alone, then
re-encoded from its pixels only, so that nothing appended or embedded (EXIF, comments, text
chunks, a trailing HTML polyglot) is kept or served.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from app.errors import DomainError
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
MAX_PIXELS = 4000 * 4000
MAX_SIDE = 8000


class ImageRejected(DomainError):
    code = "image_rejected"
    status = 400
    message = _l("Only PNG and JPEG images are accepted.")


class ImageTooLarge(ImageRejected):
    code = "image_too_large"
    status = 413


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    mime: str
    sha256: str
    width: int
    height: int


def kind_of(data: bytes) -> str | None:
    """``image/png`` or ``image/jpeg`` from the magic bytes, else None."""
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    return None


def check_image(data: bytes, max_bytes: int) -> CheckedImage:
    """The safe, re-encoded image of an upload; refuses (ImageRejected, ImageTooLarge) an
    empty, oversized, non-PNG/JPEG, undecodable or too large (in pixels) one."""
    if not data:
        raise ImageRejected(_("The file is empty."))
    if len(data) > max_bytes:
        raise ImageTooLarge(_("Images may be at most %(kb)s KB.", kb=max_bytes // 1024))
    mime = kind_of(data)
    if mime is None:
        raise ImageRejected(_("Only PNG and JPEG images are accepted (not SVG, GIF or others)."))
    out, width, height = _reencode(data, "PNG" if mime == "image/png" else "JPEG")
    return CheckedImage(out, mime, hashlib.sha256(out).hexdigest(), width, height)


def _reencode(data: bytes, expected: str) -> tuple[bytes, int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise ImageRejected(
                    _(
                        "The image has too many pixels (%(width)s×%(height)s).",
                        width=width,
                        height=height,
                    )
                )
            probe.load()
            image = probe.copy()
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected(_("The image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(
            _("The image cannot be read (%(error)s).", error=exc.__class__.__name__)
        ) from None
    # Keep pixels only (palette transparency is pixels): no EXIF, XMP, ICC, comments, text.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    out = io.BytesIO()
    if expected == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=92)
    return out.getvalue(), width, height
