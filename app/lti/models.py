"""Registered LTI platforms and the tool's signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class LtiPlatform(Base):
    """A learning platform (Moodle, Canvas, ...) registered by an administrator: what the
    tool needs to check its launches and call its services. One per (issuer, client id)."""

    __tablename__ = "lti_platforms"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(200))
    deployment_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    keyset_url: Mapped[str] = mapped_column(sa.String(1000))
    auth_login_url: Mapped[str] = mapped_column(sa.String(1000))
    auth_token_url: Mapped[str] = mapped_column(sa.String(1000))
    frame_ancestors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LtiToolKey(Base):
    """An RSA key the tool signs with (client assertions, deep-linking responses). The newest
    unretired one signs; retired ones stay published for ``keys.RETIRED_PUBLISHED`` so that
    platforms caching the keyset still verify what was signed just before a rotation."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    private_pem: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LtiAccount(Base):
    """The local account of a person a platform launched: (issuer, subject) is theirs."""

    __tablename__ = "lti_accounts"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    last_launch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LtiUsedNonce(Base):
    """Every id_token nonce the tool accepted: a second launch with one is a replay."""

    __tablename__ = "lti_used_nonces"
    __table_args__ = (sa.UniqueConstraint("issuer", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    nonce: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)


class LtiLaunchCache(Base):
    """pylti1p3's launch data (issued nonces, state, launches) shared by every app server;
    the OIDC login writes, the launch reads. Rows expire (``expires_at``)."""

    __tablename__ = "lti_launch_cache"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LtiGradeLink(Base):
    """Where a launched person's grade for a module goes: the line item of the launch's
    Assignment and Grade Services claim (one per platform, person and line item)."""

    __tablename__ = "lti_grade_links"
    __table_args__ = (sa.UniqueConstraint("platform_id", "user_id", "lineitem"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    module_slug: Mapped[str] = mapped_column(sa.String(80))
    lineitem: Mapped[str] = mapped_column(sa.String(1000))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class LtiScorePost(Base):
    """A score to post to a line item: written in the grading transaction, sent after the
    response or by ``flask lti scores send``, retried with backoff; after ``MAX_TRIES`` it is
    ``failed`` and an administrator resends it (``flask lti scores resend``)."""

    __tablename__ = "lti_score_posts"
    __table_args__ = (sa.Index("ix_lti_score_posts_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_grade_links.id", ondelete="CASCADE")
    )
    attempt_id: Mapped[int] = mapped_column(sa.Integer)
    score: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)


class LtiContext(Base):
    """A platform course an instructor launched from, with its roster (NRPS) URL."""

    __tablename__ = "lti_contexts"
    __table_args__ = (sa.UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    memberships_url: Mapped[str] = mapped_column(sa.String(1000))


class LtiContextInstructor(Base):
    """Who launched from a course as its instructor: they (and administrators) may pull that
    course's roster into a cohort. Written by the instructor's launch."""

    __tablename__ = "lti_context_instructors"
    __table_args__ = (sa.UniqueConstraint("context_row_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_row_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_contexts.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_launch_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
