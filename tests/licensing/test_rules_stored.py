"""Rules in the database: import (audited with a diff), versions, four-eyes proposals."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.errors import Forbidden, ValidationFailed
from app.licensing import queries, services
from app.licensing.models import ProposalState, RuleVersion, StoredRule
from tests import factories
from tests.licensing.helpers import RULES, import_shipped

FL = "us-fl-physical-therapist"


def _events(session, action):
    return session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_import_stores_every_shipped_rule_once_and_audits_it(db_session):
    counts = import_shipped(db_session)
    assert counts["added"] == len(list(RULES.glob("*.yaml"))) >= 15
    assert import_shipped(db_session) == {"added": 0, "changed": 0, "unchanged": counts["added"]}
    events = _events(db_session, "jurisdiction_rule.imported")
    assert len(events) == counts["added"]
    fl = next(e for e in events if e.subject_id == FL)
    assert fl.details["version"] == 1 and "+profession: physical_therapist" in fl.details["diff"]


def test_a_changed_file_becomes_version_2_with_its_diff(db_session, tmp_path):
    import_shipped(db_session)
    folder = tmp_path / "jurisdictions"
    shutil.copytree(RULES, folder)
    path = folder / f"{FL}.yaml"
    path.write_text(path.read_text().replace("count: 25", "count: 30"))
    assert services.import_rules(db_session, folder)["changed"] == 1
    stored = services.stored_rule(db_session, FL)
    assert stored.version == 2 and "count: 30" in stored.text
    versions = db_session.scalars(sa.select(RuleVersion).where(RuleVersion.rule_id == FL)).all()
    assert [v.version for v in versions] == [1, 2]
    diff = _events(db_session, "jurisdiction_rule.imported")[-1].details["diff"]
    assert "-    count: 25" in diff and "+    count: 30" in diff


def test_a_broken_file_stops_the_import_and_nothing_is_written(db_session, tmp_path):
    folder = tmp_path / "jurisdictions"
    shutil.copytree(RULES, folder)
    (folder / "zz-broken.yaml").write_text("id: zz-broken\nname: X\nprofession: plumber\n")
    with pytest.raises(ValidationFailed, match="zz-broken"):
        services.import_rules(db_session, folder)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(StoredRule)) == 0


def _new_text(session, old="count: 25", new="count: 30"):
    return services.stored_rule(session, FL).text.replace(old, new)


def test_a_proposal_is_applied_only_by_another_admin(db_session):
    import_shipped(db_session)
    author, approver = factories.make_user("admin"), factories.make_user("admin")
    proposal = services.propose(db_session, author, FL, _new_text(db_session), "Board update")
    assert services.stored_rule(db_session, FL).version == 1  # nothing changes yet
    with pytest.raises(Forbidden, match="four eyes"):
        services.apply(db_session, author, proposal.id)
    with pytest.raises(Forbidden):
        services.apply(db_session, factories.make_user("instructor"), proposal.id)
    stored = services.apply(db_session, approver, proposal.id, "checked the source")
    assert stored.version == 2 and "count: 30" in stored.text
    assert proposal.state == ProposalState.APPLIED and proposal.decided_by == approver.id
    version = db_session.scalars(
        sa.select(RuleVersion).where(RuleVersion.rule_id == FL, RuleVersion.version == 2)
    ).one()
    assert (version.proposed_by, version.approved_by) == (author.id, approver.id)
    applied = _events(db_session, "jurisdiction_rule.applied")[-1]
    assert (
        applied.details["proposed_by"] == author.id and "+    count: 30" in applied.details["diff"]
    )


def test_a_stale_proposal_is_a_conflict(db_session):
    import_shipped(db_session)
    a, b = factories.make_user("admin"), factories.make_user("admin")
    first = services.propose(db_session, a, FL, _new_text(db_session), "one")
    second = services.propose(db_session, a, FL, _new_text(db_session, new="count: 20"), "two")
    services.apply(db_session, b, first.id)
    with pytest.raises(services.StaleProposal) as caught:
        services.apply(db_session, b, second.id)
    assert caught.value.status == 409
    assert services.stored_rule(db_session, FL).text.count("count: 30") == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("id: [unclosed", "not valid YAML"),
        ("hello", "mapping"),
        ("\x00", "not valid YAML"),
    ],
)
def test_an_invalid_text_is_refused_with_the_loaders_message(db_session, text, message):
    import_shipped(db_session)
    with pytest.raises(ValidationFailed, match=message):
        services.propose(db_session, factories.make_user("admin"), FL, text, "why")
    assert not queries.pending_proposals(db_session)


def test_a_proposal_may_not_rename_the_rule_nor_break_a_field(db_session):
    import_shipped(db_session)
    admin = factories.make_user("admin")
    renamed = _new_text(db_session, f"id: {FL}", "id: us-fl-other")
    with pytest.raises(ValidationFailed, match="cannot be renamed"):
        services.propose(db_session, admin, FL, renamed, "why")
    broken = _new_text(db_session, "years_licensed: 2", "years_licensed: -2")
    with pytest.raises(ValidationFailed, match="years_licensed"):
        services.propose(db_session, admin, FL, broken, "why")
    with pytest.raises(ValidationFailed, match="Nothing to propose"):
        services.propose(db_session, admin, FL, services.stored_rule(db_session, FL).text, "why")


def test_the_pages_propose_and_apply_with_four_eyes(client, login_as, db_session):
    from tests.conftest import csrf_token_from

    import_shipped(db_session)
    author = factories.make_user("admin")
    proposal = services.propose(db_session, author, FL, _new_text(db_session), "Board update")
    login_as("admin")
    page = client.get(f"/admin/jurisdictions/{FL}").get_data(as_text=True)
    assert "+    count: 30" in page and "Board update" in page
    token = csrf_token_from(page)
    response = client.post(
        f"/admin/jurisdiction-proposals/{proposal.id}/apply", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert services.stored_rule(db_session, FL).version == 2
    listing = client.get("/admin/jurisdictions").get_data(as_text=True)
    assert "Florida" in listing and "past review" not in listing


def test_the_admin_dashboard_flags_a_rule_past_its_review_date(client, login_as, db_session):
    import_shipped(db_session)
    stored = services.stored_rule(db_session, FL)
    stored.review_by = stored.as_of.replace(year=2000)
    db_session.flush()
    login_as("admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "past the review date" in page and FL in page
