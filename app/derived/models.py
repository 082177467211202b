"""``derived_results``: one computed result per (kind, subject), with the stamp it was computed
for (app/derived/__init__.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class DerivedResult(Base):
    __tablename__ = "derived_results"

    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    stamp: Mapped[str] = mapped_column(sa.String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    # How long computing it took (milliseconds): what the cache saves at each hit.
    compute_ms: Mapped[int] = mapped_column(sa.Integer, default=0)
