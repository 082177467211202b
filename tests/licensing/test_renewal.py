"""Renewal: the program's CPD hours (verified hours after the certificate's issue) are counted,
named in the expiry reminder and on a renewal pass's result, and needed before the renewal
certificate (linked to the old one) is issued; a pass that came before them renews once they
are verified."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.banks.models import Module
from app.certificates import services as certificates
from app.certificates.models import Certificate, CertificateKind, Completion
from app.notify import services as notify
from app.practical import hours
from app.practical.services import recheck
from app.quiz.models import AttemptStatus
from app.quiz.services import submit_attempt
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from, login
from tests.licensing.helpers import add_hours

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def certified(app, db_session):
    program, modules, _ = make_program(db_session, requires_review=False)
    program.renewal_cpd_hours = 6
    trainee = factories.make_user("trainee")
    for module in modules:
        make_attempt(db_session, trainee, module)
    with app.app_context():
        settings = get_settings().issuer
    certificates.record_completion(db_session, trainee, program, settings=settings)
    first = certificates.current_certificate(db_session, trainee.id, program.id)
    return program, trainee, first, settings


def test_renewal_needs_the_cpd_hours_after_issue_and_links_the_new_certificate(
    db_session, certified
):
    program, trainee, first, settings = certified
    issued = first.issued_at.date()
    add_hours(db_session, trainee, "in_person", 8, issued - timedelta(days=1))  # before: no
    add_hours(db_session, trainee, "live_online", 4, issued)
    assert certificates.cpd_hours(db_session, trainee, program, first) == 4
    with pytest.raises(certificates.NotEligible, match="CPD hours since your certificate: 4 of 6"):
        certificates.record_completion(
            db_session, trainee, program, renewal=True, settings=settings
        )
    add_hours(db_session, trainee, "self_study", 2, issued)
    certificates.record_completion(db_session, trainee, program, renewal=True, settings=settings)
    renewed = certificates.current_certificate(db_session, trainee.id, program.id)
    assert renewed.id != first.id and renewed.kind == CertificateKind.RENEWAL
    assert renewed.previous_id == first.id
    old = db_session.get(Certificate, first.id)
    assert old.superseded_at is not None


def test_the_expiry_reminder_counts_the_cpd_hours(db_session, certified):
    program, trainee, first, _ = certified
    add_hours(db_session, trainee, "in_person", 2.5, first.issued_at.date())
    first.valid_until = clock.utcnow() + timedelta(days=30)
    db_session.flush()
    ctx = notify.NotifyContext(secret="s" * 32, url=lambda *a, **k: "https://x/", site_name="DNA")
    due = [d for d in notify.due(db_session, clock.utcnow(), timedelta(days=7), ctx)
           if d.kind.startswith("certificate.expiring")]  # fmt: skip
    assert len(due) == 1
    assert (due[0].context["cpd_needed"], due[0].context["cpd_have"]) == (6, 2.5)
    assert db_session.scalar(sa.select(Certificate).where(Certificate.id == first.id))


def test_a_renewal_exam_passed_without_the_cpd_hours_is_graded_and_renews_nothing(
    db_session, certified
):
    """The renewal module's pass goes through the submit as any pass: the grade stands (it was
    refused with a 409 and rolled back, the exam left open). No renewal is recorded until the
    hours are there; then the next pass of the renewal module records the renewal."""
    program, trainee, first, _ = certified
    renewal = db_session.scalar(sa.select(Module).where(Module.slug == program.renewal_module_slug))
    attempt = make_attempt(db_session, trainee, renewal, open_=True)
    graded = submit_attempt(db_session, trainee, attempt.id)
    assert (graded.status, graded.passed) == (AttemptStatus.SUBMITTED, True)
    assert certificates.current_certificate(db_session, trainee.id, program.id).id == first.id
    assert not db_session.scalars(sa.select(Completion).where(Completion.cycle == 2)).all()

    add_hours(db_session, trainee, "in_person", 6, first.issued_at.date())
    again = make_attempt(db_session, trainee, renewal, open_=True)
    submit_attempt(db_session, trainee, again.id)
    recorded = db_session.scalars(sa.select(Completion).where(Completion.cycle == 2)).all()
    assert [c.attempt_id for c in recorded] == [again.id]  # pending: the hook has no issuer here


def _renewal_module(db_session, program):
    return db_session.scalar(sa.select(Module).where(Module.slug == program.renewal_module_slug))


def _renewals(db_session):
    return db_session.scalars(sa.select(Completion).where(Completion.cycle == 2)).all()


def test_hours_verified_after_a_renewal_pass_record_the_renewal(
    client, login_as, db_session, certified
):
    """The renewal module passed first, the CPD hours verified later (by a reviewer, through
    the review page): that pass renews the certificate then, without sitting the exam again."""
    program, trainee, first, _ = certified
    attempt = make_attempt(db_session, trainee, _renewal_module(db_session, program), open_=True)
    submit_attempt(db_session, trainee, attempt.id)
    assert not _renewals(db_session)
    cpd = hours.Activity("CPD course", "in_person", "theory", 6.0, first.issued_at.date())
    entry = hours.record_activity(db_session, trainee, cpd, PDF, "cpd.pdf")
    login_as("instructor")  # teaches the trainee's cohort
    token = csrf_token_from(client.get("/hours/review").get_data(as_text=True))
    response = client.post(
        f"/hours/{entry.id}/review", data={"csrf_token": token, "verdict": "verify", "note": ""}
    )
    assert response.status_code == 302
    assert [c.attempt_id for c in _renewals(db_session)] == [attempt.id]
    renewed = certificates.current_certificate(db_session, trainee.id, program.id)
    assert renewed.kind == CertificateKind.RENEWAL and renewed.previous_id == first.id
    # More hours verified later renew nothing more: the pass came before the new certificate.
    assert certificates.renew_if_earned(db_session, trainee, program) is None
    add_hours(db_session, trainee, "self_study", 6, first.issued_at.date())
    recheck(db_session, trainee, None)
    assert len(_renewals(db_session)) == 1
    assert certificates.current_certificate(db_session, trainee.id, program.id).id == renewed.id


def test_verified_hours_renew_nothing_without_a_renewal_pass_since_the_certificate(
    db_session, certified
):
    program, trainee, first, settings = certified
    add_hours(db_session, trainee, "in_person", 6, first.issued_at.date())
    assert certificates.renew_if_earned(db_session, trainee, program, settings=settings) is None
    module = _renewal_module(db_session, program)
    failed = make_attempt(db_session, trainee, module, passed=False)
    early = make_attempt(db_session, trainee, module)  # passed, but before the certificate
    early.started_at = first.issued_at - timedelta(days=2)
    early.submitted_at = first.issued_at - timedelta(days=1)
    db_session.flush()
    recheck(db_session, trainee, settings)
    assert not _renewals(db_session) and failed.passed is False
    assert certificates.current_certificate(db_session, trainee.id, program.id).id == first.id
    later = make_attempt(db_session, trainee, module)
    completion = certificates.renew_if_earned(db_session, trainee, program, settings=settings)
    assert completion is not None and completion.attempt_id == later.id


def test_the_result_page_says_a_renewal_pass_waits_for_its_cpd_hours(
    client, login_as, db_session, certified
):
    program, trainee, first, _ = certified
    add_hours(db_session, trainee, "in_person", 2.5, first.issued_at.date())
    module = _renewal_module(db_session, program)
    passed = make_attempt(db_session, trainee, module, open_=True)
    submit_attempt(db_session, trainee, passed.id)
    failed = make_attempt(db_session, trainee, module, passed=False)
    db_session.commit()
    login(client, trainee.email, factories.DEFAULT_PASSWORD)
    page = client.get(f"/attempts/{passed.id}/result").get_data(as_text=True)
    assert page.count('data-testid="result-note"') == 1
    assert f"renews your {program.title} certificate once you have 6 CPD hours" in page
    assert "you have 2.5" in page
    assert 'data-testid="result-note"' not in client.get(f"/attempts/{failed.id}/result").text
    add_hours(db_session, trainee, "in_person", 3.5, first.issued_at.date())
    db_session.commit()  # enough hours now, not yet rechecked: the page no longer waits on them
    assert 'data-testid="result-note"' not in client.get(f"/attempts/{passed.id}/result").text
