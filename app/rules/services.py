"""Propose, apply, reject and withdraw rule changes (services flush, never commit).

Four eyes: anyone on the staff proposes; only an administrator who is not the proposer
applies or rejects; the proposer may withdraw. Applying re-checks that the target still holds
the values the proposal saw (else 409: propose again) and writes the field-level diff, the
proposer and the approver to the audit log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.banks import models as bm
from app.banks.schema import ReviewPolicy
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.rules import fields
from app.rules.fields import MODULE, PROGRAM
from app.rules.models import ChangeState, RuleChange

STAFF = (Role.INSTRUCTOR, Role.ADMIN)
SOURCES = ("studio", "standard_setting")
MAX_REASON = 2000


class StaleChange(Conflict):
    code = "stale_rule_change"
    message = _l(
        "The rules changed since this proposal was made: it no longer applies. "
        "Reject it and propose again from the current values."
    )


def target(session: Session, kind: str, slug: str) -> bm.Module | bm.Program:
    """The module or program a change is about (404 if there is none)."""
    model = {MODULE: bm.Module, PROGRAM: bm.Program}.get(kind)
    if model is None:
        raise NotFound()
    row = session.scalar(sa.select(model).where(model.slug == slug))
    if row is None:
        raise NotFound()
    return row


def current_values(kind: str, row: bm.Module | bm.Program) -> dict[str, Any]:
    """The target's rules as typed, JSON-able values (the ones ``fields`` checks)."""
    values: dict[str, Any] = {}
    for f in fields.fields_of(kind):
        value = getattr(row, f.name)
        if kind == MODULE and f.name == "review_policy":
            value = getattr(value, "value", value)
        elif f.name in ("blueprint", "case_draws", "module_slugs", "requirements", "scope_regions"):
            value = [dict(v) if isinstance(v, dict) else v for v in (value or [])]
        elif (
            f.name in ("pass_mark", "cooldown_hours", "ce_hours", "renewal_cpd_hours")
            and value is not None
        ):
            value = float(value)
        values[f.name] = value
    return values


def _check_references(session: Session, kind: str, values: dict[str, Any]) -> None:
    """Topics and modules named by the rules exist."""
    if kind == MODULE:
        names = {r["topic"] for r in values["blueprint"]}
        names |= {r["topic"] for r in values["case_draws"] if r["topic"]}
        known = set(session.scalars(sa.select(bm.Topic.slug).where(bm.Topic.slug.in_(names))))
        if names - known:
            raise ValidationFailed(
                _("Blueprint: no topic %(topic)s.", topic=repr(sorted(names - known)[0]))
            )
        return
    slugs = set(values["module_slugs"]) | {values["renewal_module_slug"]} - {None}
    known = set(session.scalars(sa.select(bm.Module.slug).where(bm.Module.slug.in_(slugs))))
    if slugs - known:
        raise ValidationFailed(
            _("Modules: no module %(slug)s.", slug=repr(sorted(slugs - known)[0]))
        )


def _validate(session: Session, kind: str, current: dict[str, Any], proposed: dict[str, Any]):
    merged = {**current, **proposed}
    fields.check_whole(kind, merged)
    _check_references(session, kind, merged)


def _clean_reason(reason: str, missing: str) -> str:
    """The reason, stripped; ``missing`` is the message when there is none."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(missing)
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("The reason is at most %(max)s characters.", max=MAX_REASON))
    return reason


def _pending_message(kind: str, *, first: bool) -> str:
    """A target already has a pending change (``first``: say to decide or withdraw it)."""
    if kind == MODULE:
        if first:
            return _("This module already has a pending rule change: decide or withdraw it first.")
        return _("This module already has a pending rule change.")
    if first:
        return _("This program already has a pending rule change: decide or withdraw it first.")
    return _("This program already has a pending rule change.")


def pending_for(session: Session, kind: str, slug: str) -> RuleChange | None:
    return session.scalar(
        sa.select(RuleChange).where(
            RuleChange.target_kind == kind,
            RuleChange.target_slug == slug,
            RuleChange.state == ChangeState.PENDING,
        )
    )


def propose(
    session: Session,
    user: User,
    kind: str,
    slug: str,
    proposed: dict[str, Any],
    reason: str,
    *,
    source: str = "studio",
    figures: dict[str, Any] | None = None,
) -> RuleChange:
    """Record a proposal to change ``proposed``'s fields of a target; nothing changes yet."""
    if user.role not in STAFF or source not in SOURCES:
        raise Forbidden()
    row = target(session, kind, slug)
    current = current_values(kind, row)
    changes = fields.changed(current, fields.check(kind, proposed))
    if not changes:
        raise ValidationFailed(_("Nothing to propose: the values are the current ones."))
    reason = _clean_reason(
        reason, _("Say why: the reason for the change is shown to the approver.")
    )
    _validate(session, kind, current, changes)
    if pending_for(session, kind, slug) is not None:
        raise Conflict(_pending_message(kind, first=True))
    change = RuleChange(
        target_kind=kind,
        target_slug=slug,
        changes=changes,
        before={name: current[name] for name in changes},
        reason=reason,
        source=source,
        figures=figures,
        state=ChangeState.PENDING,
        proposed_by=user.id,
        proposed_at=clock.utcnow(),
        decision_note="",
    )
    try:
        with session.begin_nested():
            session.add(change)
            session.flush()
    except IntegrityError:
        raise Conflict(_pending_message(kind, first=False)) from None
    record(
        session,
        user,
        "rules.propose",
        kind,
        slug,
        {"change": change.id, "source": source, "diff": fields.diff(change.before, changes)},
    )
    return change


def get(session: Session, change_id: int) -> RuleChange:
    change = session.get(RuleChange, change_id)
    if change is None:
        raise NotFound()
    return change


def _decide(session: Session, change: RuleChange, user: User, state: ChangeState, note: str):
    """Move a pending change to ``state``, once: a concurrent decision gets 409."""
    now = clock.utcnow()
    result = session.execute(
        sa.update(RuleChange)
        .where(RuleChange.id == change.id, RuleChange.state == ChangeState.PENDING)
        .values(state=state, decided_by=user.id, decided_at=now, decision_note=note)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This rule change has already been decided."))
    session.refresh(change)


def _check_approver(change: RuleChange, admin: User) -> None:
    if admin.role != Role.ADMIN:
        raise Forbidden(_("Only an administrator decides a rule change."))
    if change.proposed_by == admin.id:
        raise Forbidden(_("You proposed this change: another administrator must decide it."))
    if change.state != ChangeState.PENDING:
        raise Conflict(_("This rule change has already been decided."))


def apply(session: Session, admin: User, change_id: int) -> RuleChange:
    """Apply a pending change (an administrator other than the proposer), if still current."""
    change = get(session, change_id)
    _check_approver(change, admin)
    kind = change.target_kind
    row = target(session, kind, change.target_slug)
    current = current_values(kind, row)
    before = dict(change.before)
    if any(current.get(name) != value for name, value in before.items()):
        raise StaleChange()
    changes = fields.check(kind, change.changes)
    _validate(session, kind, current, changes)
    _decide(session, change, admin, ChangeState.APPLIED, "")
    for name, value in changes.items():
        setattr(row, name, ReviewPolicy(value) if name == "review_policy" else value)
    row.updated_at = clock.utcnow()
    session.flush()
    record(
        session,
        admin,
        "rules.apply",
        kind,
        change.target_slug,
        {
            "change": change.id,
            "diff": fields.diff(before, changes),
            "proposed_by": change.proposed_by,
            "approved_by": admin.id,
            "source": change.source,
            "reason": change.reason,
            "figures": change.figures,
        },
    )
    return change


def reject(session: Session, admin: User, change_id: int, reason: str) -> RuleChange:
    """Reject a pending change, saying why (an administrator other than the proposer)."""
    change = get(session, change_id)
    _check_approver(change, admin)
    note = _clean_reason(reason, _("Say why: the proposer sees why the change is rejected."))
    _decide(session, change, admin, ChangeState.REJECTED, note)
    record(
        session,
        admin,
        "rules.reject",
        change.target_kind,
        change.target_slug,
        {"change": change.id, "proposed_by": change.proposed_by, "reason": note},
    )
    return change


def withdraw(session: Session, user: User, change_id: int) -> RuleChange:
    """The proposer takes back a pending change."""
    change = get(session, change_id)
    if change.proposed_by != user.id:
        raise Forbidden(_("Only the proposer withdraws a rule change."))
    if change.state != ChangeState.PENDING:
        raise Conflict(_("This rule change has already been decided."))
    _decide(session, change, user, ChangeState.WITHDRAWN, "")
    record(
        session,
        user,
        "rules.withdraw",
        change.target_kind,
        change.target_slug,
        {"change": change.id},
    )
    return change
