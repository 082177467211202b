"""Names and Role Provisioning Services: pull a course's roster into a cohort.

An instructor's launch that carries the NRPS claim keeps the course's memberships URL
(``remember_context``); ``pull_roster`` reads the members with pylti1p3next (a token for the
``contextmembership.readonly`` scope) and gives every active learner an account (linked by
issuer and user id, as a launch would) enrolled in the cohort. Audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests
import sqlalchemy as sa
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.enrolment import queries as enrolment_queries
from app.enrolment import services as enrolment_services
from app.enrolment.models import Cohort
from app.errors import DomainError
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.lti.launch import tool_registration
from app.lti.models import LtiContext, LtiContextInstructor, LtiPlatform
from app.lti.scores import TimeoutSession, ToolServiceConnector
from app.lti.services import ROLES_CLAIM, link_account

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
LEARNER_ROLES = ("Learner", "Student")
log = logging.getLogger(__name__)


def remember_context(
    session: Session, platform: LtiPlatform, claims: dict[str, Any], instructor: User | None = None
) -> LtiContext | None:
    """Keep the course of an instructor's launch (its roster URL) and that this instructor
    teaches it (they may then pull its roster)."""
    nrps, context = claims.get(NRPS_CLAIM) or {}, claims.get(CONTEXT_CLAIM) or {}
    url, context_id = nrps.get("context_memberships_url"), context.get("id")
    if not isinstance(url, str) or not context_id:
        return None
    row = session.scalar(
        sa.select(LtiContext).where(
            LtiContext.platform_id == platform.id, LtiContext.context_id == str(context_id)
        )
    )
    if row is None:
        row = LtiContext(platform_id=platform.id, context_id=str(context_id)[:255])
        session.add(row)
    row.memberships_url, row.title = url[:1000], str(context.get("title") or "")[:300]
    session.flush()
    if instructor is not None:
        _remember_instructor(session, row, instructor)
    return row


def _remember_instructor(session: Session, context: LtiContext, user: User) -> None:
    link = session.scalar(
        sa.select(LtiContextInstructor).where(
            LtiContextInstructor.context_row_id == context.id,
            LtiContextInstructor.user_id == user.id,
        )
    )
    if link is None:
        link = LtiContextInstructor(context_row_id=context.id, user_id=user.id)
        session.add(link)
    link.last_launch_at = clock.utcnow()
    session.flush()


def may_pull(session: Session, user: User, context: LtiContext) -> bool:
    """An administrator, or an instructor who launched from this course as its instructor."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.INSTRUCTOR:
        return False
    return (
        session.scalar(
            sa.select(LtiContextInstructor.id).where(
                LtiContextInstructor.context_row_id == context.id,
                LtiContextInstructor.user_id == user.id,
            )
        )
        is not None
    )


def contexts_of(session: Session, user: User) -> list[LtiContext]:
    """The courses ``user`` may pull: every one for an administrator, else those taught."""
    query = sa.select(LtiContext).order_by(LtiContext.title, LtiContext.id)
    if user.role != Role.ADMIN:
        taught = sa.select(LtiContextInstructor.context_row_id).where(
            LtiContextInstructor.user_id == user.id
        )
        query = query.where(LtiContext.id.in_(taught))
    return list(session.scalars(query))


@dataclass
class RosterResult:
    """What a pull did: names added to the cohort, already there, and skipped with why
    (``SKIP_REASONS``: inactive, not_learner, no_user_id, not_trainee, other_cohort)."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    added_ids: list[int] = field(default_factory=list)


class RosterUnavailable(DomainError):
    """The roster could not be read; ``detail`` keeps the library's own (English) text for
    operators (logged, and printed by the CLI), the message is for people."""

    code = "roster_unavailable"
    status = 502
    message = _l("The platform did not give the roster.")
    detail = ""


def pull_roster(session: Session, actor: Any, context: LtiContext, cohort: Cohort) -> RosterResult:
    """Enrol every active learner of the course in ``cohort`` (accounts made as needed).
    Refuses RosterUnavailable (the platform did not answer, or its registration is disabled).
    Audited ``lti.roster_pulled``. Flushes."""
    platform = session.get(LtiPlatform, context.platform_id)
    assert platform is not None
    if platform.disabled_at is not None:
        raise RosterUnavailable(_("This platform's registration is disabled."))
    result = RosterResult()
    for member in _members(session, platform, context):
        _take_member(session, actor, platform, cohort, member, result)
    record(session, actor, "lti.roster_pulled", "cohort", cohort.id,
           {"context": context.context_id, "enrolled": result.added_ids,
            "already": len(result.already), "skipped": len(result.skipped)})  # fmt: skip
    return result


def _members(session: Session, platform: LtiPlatform, context: LtiContext) -> list[Any]:
    connector = ToolServiceConnector(
        tool_registration(session, platform), requests_session=TimeoutSession()
    )
    service = NamesRolesProvisioningService(
        connector, {"context_memberships_url": context.memberships_url, "service_versions": ["2.0"]}
    )
    try:
        return list(service.get_members())
    except (LtiException, requests.RequestException) as exc:
        log.warning("Roster pull from %s failed: %s: %s", platform.issuer, type(exc).__name__, exc)
        if isinstance(exc, requests.RequestException):
            refusal = RosterUnavailable(
                _("The platform could not be reached to read the roster. Try again later.")
            )
        else:
            refusal = RosterUnavailable(
                _("The platform refused to give the roster (it answered with an error).")
            )
        refusal.detail = f"{type(exc).__name__}: {exc}"
        raise refusal from None


def _take_member(
    session: Session,
    actor: Any,
    platform: LtiPlatform,
    cohort: Cohort,
    member: dict[str, Any],
    result: RosterResult,
) -> None:
    roles = [str(r) for r in member.get("roles") or []]
    label = " ".join(str(member.get("name") or member.get("user_id") or "?").split())[:200]
    if member.get("status", "Active") != "Active":
        result.skipped.append((label, "inactive"))
        return
    if not any(r.rsplit("#", 1)[-1] in LEARNER_ROLES for r in roles):
        result.skipped.append((label, "not_learner"))
        return
    claims = {"sub": member.get("user_id"), "name": member.get("name"), ROLES_CLAIM: roles}
    try:
        with session.begin_nested():
            user, _created = link_account(session, platform, claims)
    except DomainError:
        result.skipped.append((label, "no_user_id"))
        return
    if user.role != Role.TRAINEE or not user.is_active:
        result.skipped.append((label, "not_trainee"))
        return
    current = enrolment_queries.active_enrolment(session, user, cohort.program)
    if current is not None and current.cohort_id == cohort.id:
        result.already.append(user.name)
        return
    if current is not None:
        result.skipped.append((label, "other_cohort"))
        return
    enrolment_services.enrol(session, actor, user, cohort.program, cohort)
    result.added.append(user.name)
    result.added_ids.append(user.id)
