"""Image uploads (SECURITY.md A14): re-encoded rasters, refused unsafe SVG, our names, limits."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image

from app.banks import models as bm
from app.studio import services
from tests import factories
from tests.conftest import csrf_token_from, login


def _png(size=(20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


def _pixel_flood_png(width=30000, height=30000) -> bytes:
    """A tiny file whose header claims 900 megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def instructor(client, db_session):
    user = factories.make_user("instructor")
    db_session.commit()
    assert login(client, user.email).status_code == 302
    return user


def _upload(client, data: bytes, name: str):
    token = csrf_token_from(client.get("/studio/media").get_data(as_text=True))
    return client.post(
        "/studio/media",
        data={"csrf_token": token, "image": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_png_is_reencoded_stored_by_hash_and_served_nosniff(instructor, client, db_session):
    r = _upload(client, _png(), "../../x.png")
    assert r.status_code == 302
    row = db_session.scalar(sa.select(bm.Media).order_by(bm.Media.created_at.desc()))
    assert row.content_type == "image/png"
    assert row.original_name == "x.png"  # a label: the file's own name, never its path
    assert (row.width, row.height) == (20, 10)
    served = client.get(f"/media/{row.sha256}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_jpeg_html_polyglot_loses_the_html(instructor, db_session):
    polyglot = _jpeg() + b"<html><script>alert(1)</script></html>"
    row = services.upload_image(db_session, instructor, polyglot, "x.jpg")
    assert row.content_type == "image/jpeg"
    assert b"<script>" not in row.data and b"<html>" not in row.data


def test_jpeg_comment_and_exif_do_not_survive_reencoding(instructor, db_session):
    """Issue 12: HTML hidden in a JPEG comment (and EXIF) survived the re-encoding."""
    exif = Image.Exif()
    exif[0x010E] = "<img src=x onerror=alert(2)>"  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(
        out, format="JPEG", comment=b"<script>alert(1)</script>", exif=exif
    )
    assert b"<script>" in out.getvalue()  # the attack is really in the upload
    row = services.upload_image(db_session, instructor, out.getvalue(), "x.jpg")
    assert b"<script>" not in row.data and b"onerror" not in row.data
    stored = Image.open(io.BytesIO(row.data))
    assert "comment" not in stored.info and "exif" not in stored.info


def test_png_text_chunks_do_not_survive_reencoding(instructor, db_session):
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "<script>alert(1)</script>")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG", pnginfo=text)
    assert b"<script>" in out.getvalue()
    row = services.upload_image(db_session, instructor, out.getvalue(), "x.png")
    assert b"<script>" not in row.data
    assert Image.open(io.BytesIO(row.data)).info.get("Comment") is None


def test_pixel_flood_png_is_refused(instructor, client):
    r = _upload(client, _pixel_flood_png(), "flood.png")
    assert r.status_code == 400
    assert "too many pixels" in r.get_data(as_text=True)


def test_oversize_upload_gets_413(instructor, client, app, monkeypatch):
    # A small limit keeps the test client's body in memory (no temporary file).
    monkeypatch.setitem(app.config, "STUDIO_MAX_IMAGE_BYTES", 50_000)
    big = _png() + b"\x00" * 60_000
    r = _upload(client, big, "big.png")
    assert r.status_code == 413


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></body></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="https://evil.example/x.svg#a"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://evil.example/)"/></svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b"<html><body><script>alert(1)</script></body></html>",
    ],
)
def test_unsafe_svg_and_html_are_refused(svg, instructor, client, db_session):
    before = db_session.scalar(sa.select(sa.func.count()).select_from(bm.Media))
    r = _upload(client, svg, "x.svg")
    assert r.status_code == 400
    assert db_session.scalar(sa.select(sa.func.count()).select_from(bm.Media)) == before


def test_plain_svg_diagram_is_accepted(instructor, db_session):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Arm</title>'
        b'<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
        b'<rect width="10" height="10" fill="url(#g)"/><path d="M0 0L10 10"/></svg>'
    )
    row = services.upload_image(db_session, instructor, svg, "arm.svg")
    assert row.content_type == "image/svg+xml" and row.original_name.endswith(".svg")
