"""Writes: import the shipped rule files, propose and decide rule changes, choose
jurisdictions (services flush, never commit).

Four eyes: an administrator proposes a new text for a rule (checked by the same loader as
``banks lint``); only another administrator applies or rejects it; the author may withdraw.
Applying re-checks that the rule is still at the version the proposal started from (else 409:
propose again from the current text). Every change writes a new version (the history) and an
audit event with the diff.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import Role, User
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.jurisdictions.loader import load_rules, parse_rule, rule_files
from app.jurisdictions.schema import JurisdictionRule
from app.licensing.models import (
    ChosenJurisdiction,
    ProposalState,
    RuleProposal,
    RuleVersion,
    StoredRule,
)

MAX_TEXT = 20000
MAX_REASON = 2000


class StaleProposal(Conflict):
    code = "stale_rule_proposal"
    message = _l(
        "The rule changed since this proposal was made: it no longer applies. "
        "Reject it and propose again from the current text."
    )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def diff(before: str, after: str, name: str = "rule") -> str:
    """A unified diff of two rule texts (what the approver and the audit log see)."""
    lines = difflib.unified_diff(
        before.splitlines(),
        after.splitlines(),
        f"{name} (current)",
        f"{name} (proposed)",
        lineterm="",
    )
    return "\n".join(lines)


def _write_version(
    session: Session,
    rule: JurisdictionRule,
    text: str,
    source: str,
    proposed_by: int | None = None,
    approved_by: int | None = None,
) -> StoredRule:
    stored = session.scalar(sa.select(StoredRule).where(StoredRule.rule_id == rule.id))
    if stored is None:
        stored = StoredRule(rule_id=rule.id, version=0)
        session.add(stored)
    stored.version += 1
    stored.name, stored.profession = rule.name, rule.profession
    stored.as_of, stored.review_by = rule.as_of, rule.review_by
    stored.text, stored.content_hash = text, content_hash(text)
    stored.updated_at = clock.utcnow()
    session.add(
        RuleVersion(
            rule_id=rule.id,
            version=stored.version,
            text=text,
            content_hash=stored.content_hash,
            source=source,
            proposed_by=proposed_by,
            approved_by=approved_by,
        )
    )
    session.flush()
    return stored


def import_rules(session: Session, folder: str | Path, actor: User | None = None) -> dict[str, int]:
    """Store every rule file of ``folder``: new rules at version 1, changed ones as a new
    version (audited with the diff), unchanged ones left alone. Refuses (ValidationFailed,
    nothing written) when any file has an error."""
    found = load_rules(folder)
    errors = [p for p in found.problems if p.severity == "error"]
    if errors:
        raise ValidationFailed("; ".join(str(p) for p in errors[:5]))
    texts = {f.stem: f.read_text(encoding="utf-8") for f in rule_files(Path(folder))}
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    for rule_id, rule in sorted(found.rules.items()):
        text = texts[rule_id]
        stored = session.scalar(sa.select(StoredRule).where(StoredRule.rule_id == rule_id))
        if stored is not None and stored.content_hash == content_hash(text):
            counts["unchanged"] += 1
            continue
        before = stored.text if stored is not None else ""
        new = _write_version(session, rule, text, "import")
        counts["added" if new.version == 1 else "changed"] += 1
        record(
            session, actor, "jurisdiction_rule.imported", "jurisdiction_rule", rule_id,
            {"version": new.version, "diff": diff(before, text, rule_id)},
        )  # fmt: skip
    return counts


def _check_text(rule_id: str, text: str) -> JurisdictionRule:
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_("A rule file is at most %(max)s characters.", max=MAX_TEXT))
    rule, problems = parse_rule(text, f"{rule_id}.yaml")
    if rule is None:
        raise ValidationFailed("; ".join(str(p) for p in problems[:5]))
    if rule.id != rule_id:
        raise ValidationFailed(
            _("id: the rule's id is %(rule_id)s; it cannot be renamed.", rule_id=repr(rule_id))
        )
    return rule


def _admin(user: User) -> None:
    if user.role != Role.ADMIN:
        raise Forbidden()


def stored_rule(session: Session, rule_id: str) -> StoredRule:
    stored = session.scalar(sa.select(StoredRule).where(StoredRule.rule_id == rule_id))
    if stored is None:
        raise NotFound()
    return stored


def propose(session: Session, user: User, rule_id: str, text: str, reason: str) -> RuleProposal:
    """Record a new text for a rule; nothing changes until another administrator applies it."""
    _admin(user)
    stored = stored_rule(session, rule_id)
    text = (text or "").replace("\r\n", "\n")
    _check_text(rule_id, text)
    if content_hash(text) == stored.content_hash:
        raise ValidationFailed(_("Nothing to propose: this is the current text."))
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(
            _("Say why (at most %(max)s characters): the approver reads it.", max=MAX_REASON)
        )
    proposal = RuleProposal(
        rule_id=rule_id,
        base_version=stored.version,
        text=text,
        reason=reason,
        state=ProposalState.PENDING,
        proposed_by=user.id,
        proposed_at=clock.utcnow(),
    )
    session.add(proposal)
    session.flush()
    record(
        session, user, "jurisdiction_rule.proposed", "jurisdiction_rule", rule_id,
        {"proposal": proposal.id, "base_version": stored.version, "reason": reason,
         "diff": diff(stored.text, text, rule_id)},
    )  # fmt: skip
    return proposal


_ALREADY = {
    ProposalState.APPLIED: _l("This proposal is already applied."),
    ProposalState.REJECTED: _l("This proposal is already rejected."),
    ProposalState.WITHDRAWN: _l("This proposal is already withdrawn."),
}


def _pending(session: Session, proposal_id: int) -> RuleProposal:
    proposal = session.get(RuleProposal, proposal_id)
    if proposal is None:
        raise NotFound()
    if proposal.state != ProposalState.PENDING:
        raise Conflict(_ALREADY.get(proposal.state, _l("This proposal was already decided.")))
    return proposal


def apply(session: Session, user: User, proposal_id: int, note: str = "") -> StoredRule:
    """Apply a pending proposal: only an administrator other than its author."""
    _admin(user)
    proposal = _pending(session, proposal_id)
    if proposal.proposed_by == user.id:
        raise Forbidden(_("Another administrator must approve this change (four eyes)."))
    stored = stored_rule(session, proposal.rule_id)
    if stored.version != proposal.base_version:
        raise StaleProposal()
    before = stored.text
    rule = _check_text(proposal.rule_id, proposal.text)
    try:
        with session.begin_nested():
            stored = _write_version(
                session, rule, proposal.text, "proposal", proposal.proposed_by, user.id
            )
    except IntegrityError:
        raise StaleProposal() from None
    proposal.state, proposal.decided_by = ProposalState.APPLIED, user.id
    proposal.decided_at, proposal.decision_note = clock.utcnow(), (note or "").strip()[:2000]
    record(
        session, user, "jurisdiction_rule.applied", "jurisdiction_rule", proposal.rule_id,
        {"proposal": proposal.id, "version": stored.version, "proposed_by": proposal.proposed_by,
         "diff": diff(before, proposal.text, proposal.rule_id)},
    )  # fmt: skip
    return stored


def reject(session: Session, user: User, proposal_id: int, note: str = "") -> RuleProposal:
    """Reject (another administrator) or withdraw (its author) a pending proposal."""
    _admin(user)
    proposal = _pending(session, proposal_id)
    own = proposal.proposed_by == user.id
    proposal.state = ProposalState.WITHDRAWN if own else ProposalState.REJECTED
    proposal.decided_by, proposal.decided_at = user.id, clock.utcnow()
    proposal.decision_note = (note or "").strip()[:2000]
    record(
        session, user, f"jurisdiction_rule.{proposal.state.value}", "jurisdiction_rule",
        proposal.rule_id, {"proposal": proposal.id, "note": proposal.decision_note},
    )  # fmt: skip
    return proposal


def set_chosen(session: Session, user: User, rule_ids: list[str]) -> list[str]:
    """The trainee's chosen jurisdictions become ``rule_ids`` (each a rule for their
    profession)."""
    allowed = set(
        session.scalars(
            sa.select(StoredRule.rule_id).where(StoredRule.profession == user.profession)
        )
    )
    unknown = sorted(set(rule_ids) - allowed)
    if unknown:
        raise ValidationFailed(
            _("Not a jurisdiction for your profession: %(rule)s.", rule=repr(unknown[0][:80]))
        )
    rows = session.scalars(
        sa.select(ChosenJurisdiction).where(ChosenJurisdiction.user_id == user.id)
    )
    current = {row.rule_id: row for row in rows}
    wanted = set(rule_ids)
    for rule_id in set(current) - wanted:
        session.delete(current[rule_id])
    for rule_id in sorted(wanted - set(current)):
        session.add(ChosenJurisdiction(user_id=user.id, rule_id=rule_id))
    session.flush()
    if wanted != set(current):
        record(
            session, user, "jurisdictions.chosen", "user", user.id,
            {"before": sorted(current), "after": sorted(wanted)},
        )  # fmt: skip
    return sorted(wanted)
