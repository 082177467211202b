"""Reads: the stored rules, a trainee's evidence and profile, and each jurisdiction judged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.certificates.services import evidence_sources
from app.jurisdictions.engine import Profile, RuleResult, SupervisorRecord, judge, years_between
from app.jurisdictions.loader import parse_rule
from app.jurisdictions.schema import JurisdictionRule
from app.licensing.models import ChosenJurisdiction, ProposalState, RuleProposal, StoredRule
from app.practical.queries import supervisors
from app.requirements.evidence import Evidence


def stored_rules(session: Session, profession: str | None = None) -> list[StoredRule]:
    query = sa.select(StoredRule).order_by(StoredRule.name, StoredRule.rule_id)
    if profession is not None:
        query = query.where(StoredRule.profession == profession)
    return list(session.scalars(query))


def parsed(stored: StoredRule) -> JurisdictionRule:
    rule, problems = parse_rule(stored.text, f"{stored.rule_id}.yaml")
    if rule is None:  # only checked texts are stored
        raise ValueError("; ".join(str(p) for p in problems))
    return rule


def past_review(session: Session, today: date | None = None) -> list[StoredRule]:
    """Rules whose ``review_by`` has passed (flagged on the admin dashboard)."""
    today = today or clock.utcnow().date()
    return list(
        session.scalars(
            sa.select(StoredRule).where(StoredRule.review_by < today).order_by(StoredRule.review_by)
        )
    )


def pending_proposals(session: Session, rule_id: str | None = None) -> list[RuleProposal]:
    query = sa.select(RuleProposal).where(RuleProposal.state == ProposalState.PENDING)
    if rule_id is not None:
        query = query.where(RuleProposal.rule_id == rule_id)
    return list(session.scalars(query.order_by(RuleProposal.id)))


def chosen(session: Session, user_id: int) -> set[str]:
    return set(
        session.scalars(
            sa.select(ChosenJurisdiction.rule_id).where(ChosenJurisdiction.user_id == user_id)
        )
    )


def trainee_evidence(session: Session, user: User) -> Evidence:
    """Everything the trainee has to show, today: hours, logbook sessions, stations (the
    same sources the certificates read)."""
    values: dict[str, Any] = {"as_of": clock.utcnow().date()}
    for source in evidence_sources:
        values.update(source(session, user.id))
    return Evidence(**values)


def trainee_profile(session: Session, user: User, today: date) -> Profile:
    records = {
        str(u.id): SupervisorRecord(years_between(e.needling_since, today), e.sessions)
        for u, e in supervisors(session)
    }
    return Profile(user.profession, user.licensed_since, records)


@dataclass(frozen=True)
class Standing:
    """One jurisdiction for one trainee."""

    rule: JurisdictionRule
    result: RuleResult
    chosen: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule.id,
            "name": self.rule.name,
            "profession": self.rule.profession,
            "chosen": self.chosen,
            "status": self.result.status.value,
            "missing": [g.as_dict() for g in self.result.missing],
            "as_of": self.rule.as_of.isoformat(),
            "review_by": self.rule.review_by.isoformat(),
        }


def standings(session: Session, user: User, only_chosen: bool = False) -> list[Standing]:
    """Every jurisdiction for the trainee's profession, judged on their evidence."""
    evidence = trainee_evidence(session, user)
    profile = trainee_profile(session, user, evidence.as_of)
    picked = chosen(session, user.id)
    out = []
    for stored in stored_rules(session, user.profession):
        if only_chosen and stored.rule_id not in picked:
            continue
        rule = parsed(stored)
        out.append(Standing(rule, judge(evidence, profile, rule), stored.rule_id in picked))
    return out


def standing(session: Session, user: User, rule_id: str) -> Standing | None:
    stored = session.scalar(sa.select(StoredRule).where(StoredRule.rule_id == rule_id))
    if stored is None:
        return None
    evidence = trainee_evidence(session, user)
    rule = parsed(stored)
    result = judge(evidence, trainee_profile(session, user, evidence.as_of), rule)
    return Standing(rule, result, stored.rule_id in chosen(session, user.id))
