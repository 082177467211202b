"""The studio's image library (issue 18): each image's width and height in pixels, so that the
library lists them without reading the images; filled for the images already stored.

Revision ID: 7e1a9c4d2b60
Revises: 7c1e4b2a9d30
Create Date: 2026-12-03 22:45:00.000000

"""
import io
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7e1a9c4d2b60"
down_revision = "7c1e4b2a9d30"
branch_labels = None
depends_on = None

_SVG_SIZE = re.compile(rb"<svg\b[^>]*?\bviewBox\s*=\s*[\"'][-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)")


def _size(data, content_type):
    """(width, height) of a stored image, or (None, None) when it cannot be told."""
    try:
        if content_type == "image/svg+xml":
            found = _SVG_SIZE.search(data[:4096])
            return (round(float(found[1])), round(float(found[2]))) if found else (None, None)
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # noqa: BLE001  (an unreadable image keeps no size)
        return None, None


def upgrade():
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("height", sa.Integer(), nullable=True))
    media = sa.table(
        "media",
        sa.column("sha256", sa.String),
        sa.column("content_type", sa.String),
        sa.column("data", sa.LargeBinary),
        sa.column("width", sa.Integer),
        sa.column("height", sa.Integer),
    )
    conn = op.get_bind()
    shas = [row[0] for row in conn.execute(sa.select(media.c.sha256))]
    for sha in shas:  # one image in memory at a time
        row = conn.execute(
            sa.select(media.c.content_type, media.c.data).where(media.c.sha256 == sha)
        ).first()
        width, height = _size(bytes(row[1]), row[0])
        if width is not None:
            conn.execute(
                media.update().where(media.c.sha256 == sha).values(width=width, height=height)
            )


def downgrade():
    with op.batch_alter_table("media") as batch:
        batch.drop_column("height")
        batch.drop_column("width")
