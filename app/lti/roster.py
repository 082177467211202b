"""Names and Role Provisioning Services: pull a course's roster into a cohort.

An instructor's launch that carries the NRPS claim keeps the course's memberships URL
(``remember_context``); ``pull_roster`` reads the members with pylti1p3next (a token for the
``contextmembership.readonly`` scope) and gives every active learner an account (linked by
issuer and user id, as a launch would) enrolled in the cohort. Audited."""

from __future__ import annotations

from typing import Any

import requests
import sqlalchemy as sa
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.models import Role
from app.enrolment import queries as enrolment_queries
from app.enrolment import services as enrolment_services
from app.enrolment.models import Cohort
from app.errors import DomainError
from app.lti.launch import tool_registration
from app.lti.models import LtiContext, LtiPlatform
from app.lti.scores import TimeoutSession, ToolServiceConnector
from app.lti.services import ROLES_CLAIM, link_account

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
LEARNER_ROLES = ("Learner", "Student")


def remember_context(
    session: Session, platform: LtiPlatform, claims: dict[str, Any]
) -> LtiContext | None:
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
    return row


class RosterUnavailable(DomainError):
    code = "roster_unavailable"
    status = 502
    message = "The platform did not give the roster."


def pull_roster(session: Session, actor: Any, context: LtiContext, cohort: Cohort) -> list[int]:
    """Enrol every active learner of the course in ``cohort`` (accounts made as needed);
    returns the user ids newly enrolled. Refuses RosterUnavailable."""
    platform = session.get(LtiPlatform, context.platform_id)
    assert platform is not None
    connector = ToolServiceConnector(
        tool_registration(session, platform), requests_session=TimeoutSession()
    )
    service = NamesRolesProvisioningService(
        connector, {"context_memberships_url": context.memberships_url, "service_versions": ["2.0"]}
    )
    try:
        members = service.get_members()
    except (LtiException, requests.RequestException) as exc:
        raise RosterUnavailable(f"{type(exc).__name__}: {exc}") from None
    enrolled = []
    for member in members:
        roles = [str(r) for r in member.get("roles") or []]
        is_learner = any(r.rsplit("#", 1)[-1] in LEARNER_ROLES for r in roles)
        if member.get("status", "Active") != "Active" or not is_learner:
            continue
        claims = {"sub": member.get("user_id"), "name": member.get("name"), ROLES_CLAIM: roles}
        user, _ = link_account(session, platform, claims)
        if user.role != Role.TRAINEE:
            continue
        if enrolment_queries.active_enrolment(session, user, cohort.program) is None:
            enrolment_services.enrol(session, actor, user, cohort.program, cohort)
            enrolled.append(user.id)
    record(session, actor, "lti.roster_pulled", "cohort", cohort.id,
           {"context": context.context_id, "enrolled": enrolled})  # fmt: skip
    return enrolled
