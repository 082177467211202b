"""Cohorts (intakes) and enrolments.

- A Cohort is an intake of one program: a unique name, optional start and end dates, and the
  instructors who teach it (many-to-many, ``cohort_instructors``).
- An Enrolment is one period of a trainee in a program, optionally in a cohort. Withdrawing
  closes the row (``state`` withdrawn, ``withdrawn_at``, ``withdrawn_by``); enrolling again
  adds a NEW row, so the history is the list of rows. The database holds the invariant: at
  most one active enrolment per (trainee, program) (a partial unique index).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
from app.banks.models import Program
from app.extensions import Base, UTCDateTime


class EnrolmentState(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


cohort_instructors = sa.Table(
    "cohort_instructors",
    Base.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="RESTRICT"), index=True
    )
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    program: Mapped[Program] = relationship()
    instructors: Mapped[list[User]] = relationship(secondary=cohort_instructors, order_by=User.name)

    __table_args__ = (
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on",
            name="dates_in_order",
        ),
    )


class Enrolment(Base):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="RESTRICT"))
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[EnrolmentState] = mapped_column(
        sa.Enum(
            EnrolmentState,
            name="enrolment_state",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda xs: [x.value for x in xs],
            validate_strings=True,
        ),
        default=EnrolmentState.ACTIVE,
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    program: Mapped[Program] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    __table_args__ = (
        sa.Index(
            "uq_enrolments_one_active",
            "user_id",
            "program_id",
            unique=True,
            postgresql_where=sa.text("state = 'active'"),
            sqlite_where=sa.text("state = 'active'"),
        ),
        sa.Index("ix_enrolments_user_state", "user_id", "state"),
        sa.Index("ix_enrolments_program_state", "program_id", "state"),
        sa.CheckConstraint(
            "(state = 'active') = (withdrawn_at IS NULL)", name="withdrawn_when_closed"
        ),
    )

    @property
    def is_active(self) -> bool:
        return self.state == EnrolmentState.ACTIVE
