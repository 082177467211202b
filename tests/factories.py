"""One-line factories for tests: ``make_user(role="admin")``, ``make_token(user)``.

They write through the session set by the ``db_session`` fixture (or an explicit
``session=``), flush, and never commit.

The default test world (issue 13, enrolment): a trainee or instructor made here joins, unless
``make_user(..., enrol=False)``, one default cohort per program (``default-<program slug>``):
the trainee actively enrolled in it, the instructor teaching it, whether the program exists
already or is imported later in the test (a listener on new Program rows). So tests written
before enrolment still see every module and trainee through the real enrolment rules; tests
of the rules themselves use ``enrol=False`` and enrol explicitly.
"""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth import passwords
from app.auth.models import ApiToken, Role, User
from app.auth.services import IssuedToken, create_token
from app.banks.models import Program
from app.enrolment.models import Cohort, Enrolment, EnrolmentState, cohort_instructors

DEFAULT_PASSWORD = "correct horse battery staple 42"
_DEFAULT_HASH: str | None = None
_counter = itertools.count(1)
_session: Session | None = None
# The users of the default test world (see the module doc), reset with each test's session.
_default_members: dict[Role, set[int]] = {Role.TRAINEE: set(), Role.INSTRUCTOR: set()}


def use_session(session: Session | None) -> None:
    """Set the session the factories write to (done by the ``db_session`` fixture)."""
    global _session
    _session = session
    reset_default_world()


def reset_default_world() -> None:
    """Forget the default members (before each test: tests/conftest.py)."""
    _default_members[Role.TRAINEE].clear()
    _default_members[Role.INSTRUCTOR].clear()


def _get_session(session: Session | None) -> Session:
    chosen = session or _session
    if chosen is None:
        raise RuntimeError("factories need the db_session fixture or an explicit session=")
    return chosen


def _default_hash() -> str:
    global _DEFAULT_HASH
    if _DEFAULT_HASH is None:
        _DEFAULT_HASH = passwords.hash_password(DEFAULT_PASSWORD)
    return _DEFAULT_HASH


def make_user(
    role: str | Role = "trainee", *, session: Session | None = None, enrol: bool = True, **kw: Any
) -> User:
    """A confirmed user with password ``DEFAULT_PASSWORD`` (or ``password=``). A trainee or
    instructor joins the default cohorts of every program unless ``enrol=False`` (module doc)."""
    sess = _get_session(session)
    n = next(_counter)
    password = kw.pop("password", None)
    user = User(
        email=kw.pop("email", f"user{n}@example.org").lower(),
        name=kw.pop("name", f"Test User {n}"),
        role=Role(role),
        profession=kw.pop("profession", "physical_therapist"),
        licence_number=kw.pop("licence_number", f"LIC-{n:05d}"),
        jurisdiction=kw.pop("jurisdiction", "Ontario"),
        password_hash=passwords.hash_password(password) if password else _default_hash(),
        is_active=kw.pop("is_active", True),
        session_version=kw.pop("session_version", 1),
        created_at=kw.pop("created_at", clock.utcnow()),
        # Confirmed unless a test says otherwise (``email_verified_at=None``: cannot log in).
        email_verified_at=kw.pop("email_verified_at", clock.utcnow()),
        **kw,
    )
    sess.add(user)
    sess.flush()
    if enrol and user.role in _default_members:
        _default_members[user.role].add(user.id)
        connection = sess.connection()
        for program_id in connection.scalars(sa.select(Program.id)).all():
            _join_default_cohort(connection, program_id)
    return user


def _join_default_cohort(connection: sa.Connection, program_id: int) -> None:
    """Put the default members in the program's default cohort (Core, so it also works inside
    a flush): trainees actively enrolled, instructors teaching it."""
    trainees, instructors = _default_members[Role.TRAINEE], _default_members[Role.INSTRUCTOR]
    if not trainees and not instructors:
        return
    slug = connection.scalar(sa.select(Program.slug).where(Program.id == program_id))
    name = f"default-{slug}"
    cohorts = Cohort.__table__
    cohort_id = connection.scalar(sa.select(cohorts.c.id).where(cohorts.c.name == name))
    if cohort_id is None:
        cohort_id = connection.execute(
            cohorts.insert().values(name=name, program_id=program_id, created_at=clock.utcnow())
        ).inserted_primary_key[0]
    taught = set(
        connection.scalars(
            sa.select(cohort_instructors.c.user_id).where(
                cohort_instructors.c.cohort_id == cohort_id
            )
        )
    )
    for user_id in sorted(instructors - taught):
        connection.execute(cohort_instructors.insert().values(cohort_id=cohort_id, user_id=user_id))
    enrolments = Enrolment.__table__
    enrolled = set(
        connection.scalars(
            sa.select(enrolments.c.user_id).where(
                enrolments.c.program_id == program_id,
                enrolments.c.state == EnrolmentState.ACTIVE,
            )
        )
    )
    for user_id in sorted(trainees - enrolled):
        connection.execute(
            enrolments.insert().values(
                user_id=user_id,
                program_id=program_id,
                cohort_id=cohort_id,
                state=EnrolmentState.ACTIVE,
                enrolled_at=clock.utcnow(),
            )
        )


@sa.event.listens_for(Program, "after_insert")
def _program_added(mapper: Any, connection: sa.Connection, target: Program) -> None:
    _join_default_cohort(connection, target.id)


def make_token(
    user: User, name: str = "test token", *, session: Session | None = None
) -> IssuedToken:
    """A personal access token; ``.secret`` is the Bearer value, ``.token`` the row."""
    return create_token(_get_session(session), user, name)


__all__ = ["DEFAULT_PASSWORD", "ApiToken", "make_token", "make_user", "use_session"]
