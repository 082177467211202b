"""Key/value settings an administrator changes at run time (``site_settings``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class SiteSetting(Base):
    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class SiteImage(Base):
    """An image of the instance's branding (``logo``, ``signature``): PNG or JPEG bytes, kept in
    the database so that every app server serves the same one."""

    __tablename__ = "site_images"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    mime: Mapped[str] = mapped_column(sa.String(40))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
