"""User accounts and personal access tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app import clock
from app.extensions import Base, UTCDateTime


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


# The predicate of ``ix_users_not_active_trainees``; queries that want the index say the same
# with the role inline (a bound parameter would not prove the index's predicate to the planner).
NOT_ACTIVE_TRAINEE = "role <> 'trainee' OR NOT is_active"

ROLE_ENUM = sa.Enum(
    Role,
    name="user_role",
    native_enum=False,
    create_constraint=True,
    length=20,
    values_callable=lambda roles: [r.value for r in roles],
    validate_strings=True,
)


def name_sort_key(name: str) -> str:
    """How names sort in lists (the cohort view): Python's ``str.lower()``, stored so that the
    database can sort and page by it (SQLite's ``lower()`` folds ASCII only)."""
    return name.lower()


def _sort_name_default(context: sa.engine.interfaces.ExecutionContext) -> str:
    """``sort_name`` of a row inserted without one (a Core bulk insert: app/benchseed)."""
    return name_sort_key(context.get_current_parameters().get("name") or "")


# Code point order on both databases, so that the index serves ORDER BY sort_name as Python
# sorts: SQLite's BINARY is; PostgreSQL's database collation may not be, hence "C".
SORT_NAME_TYPE = sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql")


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.Index("ix_users_sort_name", "sort_name", "id"),
        # The few accounts that are not active trainees: a count of a cohort's members leaves
        # them out without reading every member's account (progress.queries._count_of).
        sa.Index(
            "ix_users_not_active_trainees",
            "id",
            postgresql_where=sa.text(NOT_ACTIVE_TRAINEE),
            sqlite_where=sa.text(NOT_ACTIVE_TRAINEE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # name_sort_key(name), kept by ``_keep_sort_name`` and, for Core inserts, the default.
    sort_name: Mapped[str] = mapped_column(
        SORT_NAME_TYPE, default=_sort_name_default, server_default=""
    )
    profession: Mapped[str] = mapped_column(sa.String(100), default="")
    licence_number: Mapped[str] = mapped_column(sa.String(100), default="")
    jurisdiction: Mapped[str] = mapped_column(sa.String(100), default="")
    profession_text: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    """The free text the account gave before professions were ids (kept when it was mapped)."""
    licensed_since: Mapped[date | None] = mapped_column(sa.Date)
    """When the holder was first licensed in their profession (years-licensed rules)."""
    role: Mapped[Role] = mapped_column(ROLE_ENUM, default=Role.TRAINEE)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)  # type: ignore[assignment]
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the owner proved the address (registration link, invitation, reset), or when an
    operator created the account; None: the account cannot log in yet."""
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terms_version: Mapped[str] = mapped_column(sa.String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    # Interface language and time zone; None = follow the browser (app/i18n.py).
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @validates("name")
    def _keep_sort_name(self, key: str, value: str) -> str:
        self.sort_name = name_sort_key(value or "")
        return value

    def get_id(self) -> str:
        """Flask-Login alternative id: bumping ``session_version`` revokes every session."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {Role(r) for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Accommodation(Base):
    """A trainee's exam accommodation: a time factor on timed attempts and extra attempts per
    exam module. Never updated: a grant adds a row, and the newest row (highest id) of a user
    is the one in force, so the history stays."""

    __tablename__ = "accommodations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    time_factor: Mapped[float] = mapped_column(sa.Float)
    extra_attempts: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(500))
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "time_factor >= 1.0 AND time_factor <= 4.0", name="time_factor_in_range"
        ),
        sa.CheckConstraint(
            "extra_attempts >= 0 AND extra_attempts <= 10", name="extra_attempts_in_range"
        ),
    )
