"""Four eyes on module and program rules and on pass marks from standard setting (issue 12).

Every change is a proposal; an administrator other than the proposer applies it, only while
the rules still hold the values the proposal saw, and the audit log keeps the diff.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.banks import models as bm
from app.banks.schema import ReviewPolicy
from app.rules.models import ChangeState, RuleChange
from tests import factories
from tests.certificates.helpers import make_program
from tests.conftest import csrf_token_from, login
from tests.studio.conftest import Builder, single_choice

SS = "/studio/modules/ss-exam/standard-setting"


@pytest.fixture
def build(db_session) -> Builder:
    return Builder(db_session)


@pytest.fixture
def as_user(app, client, db_session):
    """``client = as_user(user)``: a client of its own, logged in as ``user`` (the ``client``
    fixture resets the rate limits)."""

    def make(user):
        client = app.test_client()
        assert login(client, user.email).status_code == 302
        return client

    return make


def staff(db_session, role: str):
    user = factories.make_user(role)
    db_session.commit()
    return user


def post(client, page: str, url: str, data: dict):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def changes(db_session) -> list[RuleChange]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(RuleChange).order_by(RuleChange.id)))


def exam(build, db_session, *, n: int = 2, question=single_choice) -> bm.Module:
    for i in range(n):
        build.question(question(f"ss-q{i}"))
    module = build.module(slug="ss-exam", count=n)
    db_session.commit()
    return module


def judge(as_user, db_session, ratings: dict[str, str]):
    user = staff(db_session, "instructor")
    client = as_user(user)
    r = post(client, SS, SS, ratings)
    assert r.status_code == 302, r.get_data(as_text=True)
    return user, client


def propose_cut(client, method: str = "angoff"):
    return post(client, SS, "/studio/modules/ss-exam/pass-mark", {"method": method})


def refused(client, response) -> str:
    """A refused proposal is a message on the standard-setting page (issue 18: no dead end):
    a redirect back there, whose page then says why. Returns that page."""
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].split("#")[0].endswith(SS)
    return client.get(SS).get_data(as_text=True)


def apply(client, change_id: int, confirm: bool = True):
    data = {"confirm": "y"} if confirm else {}
    return post(client, "/admin/rule-changes", f"/admin/rule-changes/{change_id}/apply", data)


def audit(db_session, action: str) -> list[AuditEvent]:
    return list(
        db_session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


# ---------------------------------------------------------------- standard setting


def test_one_or_two_judges_cannot_move_the_pass_mark(build, as_user, db_session):
    module = exam(build, db_session)
    _, first = judge(as_user, db_session, {"r_ss-q0": "0.8", "r_ss-q1": "0.6"})
    assert "at least 3 judges" in refused(first, propose_cut(first))
    _, second = judge(as_user, db_session, {"r_ss-q0": "0.1", "r_ss-q1": "0.1"})
    assert "at least 3 judges" in refused(second, propose_cut(second))
    assert changes(db_session) == []
    db_session.refresh(module)
    assert module.pass_mark == 70.0


def test_three_judges_propose_and_the_pass_mark_waits_for_an_admin(build, as_user, db_session):
    module = exam(build, db_session)
    judges = [
        judge(as_user, db_session, {"r_ss-q0": r0, "r_ss-q1": r1})
        for r0, r1 in (("0.8", "0.6"), ("0.6", "0.6"), ("0.7", "0.6"))
    ]
    proposer, client = judges[0]
    r = propose_cut(client)
    assert r.status_code == 302 and "/pass-mark/" in r.headers["Location"]
    [change] = changes(db_session)
    assert change.state == ChangeState.PENDING and change.source == "standard_setting"
    assert change.changes == {"pass_mark": 65.0} and change.before == {"pass_mark": 70.0}
    assert change.figures["judges"] == 3 and change.figures["guessing_rate"] == 25.0
    db_session.refresh(module)
    assert module.pass_mark == 70.0  # nothing changes on the proposer's word
    second = judges[1][1]
    refused(second, propose_cut(second))  # one pending proposal per module
    assert len(changes(db_session)) == 1

    admin = staff(db_session, "admin")
    admin_client = as_user(admin)
    queue = admin_client.get("/admin/rule-changes").get_data(as_text=True)
    assert "ss-exam" in queue and "70.0" in queue and "65.0" in queue and "guessing rate" in queue
    r = apply(admin_client, change.id)
    assert r.status_code == 302
    db_session.refresh(module)
    assert module.pass_mark == 65.0
    [event] = audit(db_session, "rules.apply")
    assert event.details["diff"] == {"pass_mark": {"before": 70.0, "after": 65.0}}
    assert event.details["proposed_by"] == proposer.id
    assert event.details["approved_by"] == admin.id == event.actor_id
    assert changes(db_session)[0].state == ChangeState.APPLIED


def test_a_cut_at_or_below_the_guessing_rate_is_refused(build, as_user, db_session):
    def true_false(key):
        return {
            "key": key,
            "type": "true_false",
            "stem": f"Statement {key}.",
            "answer": True,
            "references": ["Ref"],
        }

    module = exam(build, db_session, question=true_false)
    clients = [
        judge(as_user, db_session, {"r_ss-q0": "0.4", "r_ss-q1": "0.5"})[1] for _ in range(3)
    ]
    assert "guessing rate" in refused(clients[0], propose_cut(clients[0]))
    assert changes(db_session) == []
    db_session.refresh(module)
    assert module.pass_mark == 70.0


def test_hofstee_needs_the_panel_too(build, as_user, db_session, app, monkeypatch):
    exam(build, db_session)
    limits = {"hofstee-c_min": "40", "hofstee-c_max": "80"}
    limits |= {"hofstee-f_min": "10", "hofstee-f_max": "50"}
    _, client = judge(as_user, db_session, {"r_ss-q0": "0.8", "r_ss-q1": "0.6", **limits})
    assert "gave Hofstee limits" in refused(client, propose_cut(client, "hofstee"))
    monkeypatch.setitem(app.config, "STANDARD_SETTING_MIN_JUDGES", "1")
    page = refused(client, propose_cut(client, "hofstee"))  # one judge is enough now, but
    assert "Hofstee" in page and changes(db_session) == []  # no candidate scores yet


# ---------------------------------------------------------------- rules pages and the admin


def propose_rules(client, slug: str, data: dict, kind: str = "modules"):
    page = f"/studio/{kind}/{slug}/rules"
    return post(client, page, page, {"reason": "Align with the blueprint review.", **data})


def test_the_proposer_even_an_admin_cannot_apply_their_own(build, as_user, db_session):
    module = build.module(slug="own-exam")
    db_session.commit()
    admin = staff(db_session, "admin")
    client = as_user(admin)
    assert propose_rules(client, "own-exam", {"pass_mark": "80"}).status_code == 302
    [change] = changes(db_session)
    r = apply(client, change.id)
    assert r.status_code == 403
    r = post(
        client,
        "/admin/rule-changes",
        f"/admin/rule-changes/{change.id}/reject",
        {"reason": "On reflection."},
    )
    assert r.status_code == 403
    db_session.refresh(module)
    assert module.pass_mark == 70.0 and changes(db_session)[0].state == ChangeState.PENDING
    other = as_user(staff(db_session, "admin"))
    assert apply(other, change.id, confirm=False).status_code == 400  # not confirmed
    assert changes(db_session)[0].state == ChangeState.PENDING
    assert apply(other, change.id).status_code == 302
    db_session.refresh(module)
    assert module.pass_mark == 80.0
    assert apply(other, change.id).status_code == 409  # decided once


def test_a_stale_proposal_is_409_and_changes_nothing(build, as_user, db_session):
    module = build.module(slug="stale-exam")
    db_session.commit()
    client = as_user(staff(db_session, "instructor"))
    assert propose_rules(client, "stale-exam", {"pass_mark": "80"}).status_code == 302
    module.pass_mark = 75.0  # meanwhile, say, the operator's `banks import`
    db_session.commit()
    [change] = changes(db_session)
    r = apply(as_user(staff(db_session, "admin")), change.id)
    assert r.status_code == 409
    assert "propose again" in r.get_data(as_text=True)
    db_session.refresh(module)
    assert module.pass_mark == 75.0
    assert changes(db_session)[0].state == ChangeState.PENDING
    assert audit(db_session, "rules.apply") == []


@pytest.mark.parametrize("role", ["trainee", "instructor"])
def test_trainees_and_instructors_get_403_on_the_admin_routes(build, as_user, db_session, role):
    module = build.module(slug="guard-exam")
    db_session.commit()
    proposer = as_user(staff(db_session, "instructor"))
    assert propose_rules(proposer, "guard-exam", {"pass_mark": "60"}).status_code == 302
    [change] = changes(db_session)
    client = as_user(staff(db_session, role))
    assert client.get("/admin/rule-changes").status_code == 403
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    for action, data in (("apply", {"confirm": "y"}), ("reject", {"reason": "No."})):
        r = client.post(
            f"/admin/rule-changes/{change.id}/{action}", data={"csrf_token": token, **data}
        )
        assert r.status_code == 403
    db_session.refresh(module)
    assert module.pass_mark == 70.0 and changes(db_session)[0].state == ChangeState.PENDING


def test_trainees_cannot_propose(build, as_user, db_session):
    build.module(slug="t-exam")
    db_session.commit()
    client = as_user(staff(db_session, "trainee"))
    assert client.get("/studio/modules/t-exam/rules").status_code == 403
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    r = client.post(
        "/studio/modules/t-exam/rules",
        data={"csrf_token": token, "pass_mark": "0", "reason": "x"},
    )
    assert r.status_code == 403 and changes(db_session) == []


def test_every_applied_change_has_its_audit_diff(build, as_user, db_session):
    build.module(slug="diff-exam")
    program, modules, _ = make_program(db_session)
    db_session.commit()
    proposer = as_user(staff(db_session, "instructor"))
    admin = as_user(staff(db_session, "admin"))
    r = propose_rules(
        proposer,
        "diff-exam",
        {
            "blueprint": "studio-topic, hard, 3",
            "attempt_limit": "2",
            "review_policy": "score",
            "time_limit_minutes": "45",
        },
    )
    assert r.status_code == 302
    r = propose_rules(
        proposer,
        program.slug,
        {"validity_months": "36", "requires_review": "no", "ce_hours": "20"},
        kind="programs",
    )
    assert r.status_code == 302
    for change in changes(db_session):
        assert apply(admin, change.id).status_code == 302
    events = audit(db_session, "rules.apply")
    assert len(events) == len(changes(db_session)) == 2
    assert events[0].details["diff"] == {
        "attempt_limit": {"before": None, "after": 2},
        "blueprint": {
            "before": [{"topic": "studio-topic", "difficulty": None, "count": 5}],
            "after": [{"topic": "studio-topic", "difficulty": "hard", "count": 3}],
        },
        "review_policy": {"before": "full", "after": "score"},
        "time_limit_minutes": {"before": None, "after": 45},
    }
    assert events[1].details["diff"] == {
        "ce_hours": {"before": 17.5, "after": 20.0},
        "requires_review": {"before": True, "after": False},
        "validity_months": {"before": 24, "after": 36},
    }
    db_session.expire_all()
    module = db_session.scalar(sa.select(bm.Module).where(bm.Module.slug == "diff-exam"))
    assert module.review_policy == ReviewPolicy.SCORE and module.attempt_limit == 2
    assert module.blueprint == [{"topic": "studio-topic", "difficulty": "hard", "count": 3}]
    db_session.refresh(program)
    assert program.validity_months == 36 and program.requires_review is False


@pytest.mark.parametrize(
    "data",
    [
        {"pass_mark": "101"},
        {"pass_mark": "-1"},
        {"pass_mark": "1e400"},
        {"pass_mark": "99999999999999999999999999"},
        {"pass_mark": "nan"},
        {"pass_mark": "0"},  # not above the guessing rate, even of an empty pool
        {"attempt_limit": "9223372036854775808"},
        {"time_limit_minutes": "-5"},
        {"blueprint": "no-such-topic, any, 3"},
        {"blueprint": ""},
        {"pass_mark": "70"},  # nothing changes
        {"pass_mark": "80", "reason": ""},
    ],
)
def test_bad_input_is_400_and_changes_nothing(build, as_user, db_session, data):
    module = build.module(slug="bad-exam")
    db_session.commit()
    client = as_user(staff(db_session, "instructor"))
    r = propose_rules(client, "bad-exam", data)
    assert r.status_code == 400
    assert changes(db_session) == []
    db_session.refresh(module)
    assert module.pass_mark == 70.0


def test_a_pass_mark_proposed_by_hand_must_beat_guessing_too(build, as_user, db_session):
    module = exam(build, db_session, n=3)  # single choice, four options: 25 %
    client = as_user(staff(db_session, "instructor"))
    r = propose_rules(client, "ss-exam", {"pass_mark": "25"})
    assert r.status_code == 400 and "guessing rate" in r.get_data(as_text=True)
    assert changes(db_session) == []
    assert propose_rules(client, "ss-exam", {"pass_mark": "25.5"}).status_code == 302
    db_session.refresh(module)
    assert module.pass_mark == 70.0


def test_a_nul_byte_is_refused_before_anything(build, as_user, db_session):
    build.module(slug="nul-exam")
    db_session.commit()
    client = as_user(staff(db_session, "instructor"))
    r = propose_rules(client, "nul-exam", {"pass_mark": "8\x000"})
    assert r.status_code == 400 and changes(db_session) == []


def test_program_references_must_exist(build, as_user, db_session):
    program, _, _ = make_program(db_session)
    db_session.commit()
    client = as_user(staff(db_session, "instructor"))
    r = propose_rules(client, program.slug, {"module_slugs": "ghost-module"}, kind="programs")
    assert r.status_code == 400 and changes(db_session) == []


def test_withdraw_and_reject(build, as_user, db_session):
    build.module(slug="wd-exam")
    db_session.commit()
    proposer_user = staff(db_session, "instructor")
    proposer = as_user(proposer_user)
    page = "/studio/modules/wd-exam/rules"
    assert propose_rules(proposer, "wd-exam", {"pass_mark": "75"}).status_code == 302
    [change] = changes(db_session)
    stranger = as_user(staff(db_session, "instructor"))
    assert "Withdraw my proposal" in proposer.get(page).get_data(as_text=True)
    assert "Withdraw my proposal" not in stranger.get(page).get_data(as_text=True)
    url = f"/studio/rule-changes/{change.id}/withdraw"
    assert post(stranger, page, url, {}).status_code == 403
    assert post(proposer, page, url, {}).status_code == 302
    assert changes(db_session)[0].state == ChangeState.WITHDRAWN
    assert propose_rules(proposer, "wd-exam", {"pass_mark": "76"}).status_code == 302
    second = changes(db_session)[-1]
    admin = as_user(staff(db_session, "admin"))
    reject_url = f"/admin/rule-changes/{second.id}/reject"
    assert post(admin, "/admin/rule-changes", reject_url, {"reason": ""}).status_code == 400
    assert changes(db_session)[-1].state == ChangeState.PENDING
    r = post(admin, "/admin/rule-changes", reject_url, {"reason": "Not justified by data."})
    assert r.status_code == 302
    assert changes(db_session)[-1].state == ChangeState.REJECTED
    [event] = audit(db_session, "rules.reject")
    assert event.details["reason"] == "Not justified by data."
    assert event.details["proposed_by"] == proposer_user.id
    assert "Not justified by data." in proposer.get(page).get_data(as_text=True)
