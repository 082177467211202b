"""Completions and issuing: eligibility, exactly once, the signed credential, revoke, renew,
re-issue, key rotation."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.audit.models import AuditEvent
from app.certificates import credential as cred
from app.certificates import keys, queries, services
from app.certificates.eligibility import check_eligibility, required_modules
from app.certificates.models import Certificate, CompletionStatus, StatusList
from app.errors import Forbidden
from tests import factories
from tests.certificates.helpers import make_attempt, make_program


def _resolver(db_session, settings):
    known = {
        settings.verification_method(row.kid): keys.public_key_of(row)
        for row in keys.published_keys(db_session)
    }
    return known.get


# ---------------------------------------------------------------- eligibility (pure)


def test_eligibility_lists_what_is_missing_in_program_order():
    required = required_modules(["a", "b", "final"], "final")
    assert check_eligibility(required, {"b"}).missing == ["a", "final"]
    assert check_eligibility(required, {"a", "b", "final", "x"}).eligible


def test_final_exam_is_required_even_when_not_listed():
    assert required_modules(["a"], "final") == ["a", "final"]
    assert not check_eligibility([], set()).eligible


# ---------------------------------------------------------------- completions


def test_completion_is_refused_until_every_module_is_passed(app, db_session, settings):
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session, modules=3)
    make_attempt(db_session, trainee, modules[0])
    make_attempt(db_session, trainee, modules[1], passed=False)
    with pytest.raises(services.NotEligible) as err:
        services.record_completion(db_session, trainee, program, settings=settings)
    assert modules[1].slug in err.value.message and modules[2].slug in err.value.message


def test_passing_the_last_module_records_one_pending_completion(app, db_session, settings):
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session)
    make_attempt(db_session, trainee, modules[0])
    with app.app_context():
        services.on_attempt_graded(db_session, make_attempt(db_session, trainee, modules[1]))
        services.on_attempt_graded(db_session, make_attempt(db_session, trainee, modules[1]))
    completions = queries.completions_for_user(db_session, trainee)
    assert [c.status for c in completions] == [CompletionStatus.PENDING]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_a_pass_that_completes_a_program_reads_the_evidence_once(
    app, db_session, settings, count_queries
):
    """The hook leaves the judging to record_completion: each evidence source and the active
    completion are read once (twice before), and a pass that completes nothing reads them once
    too, writing nothing."""
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session, modules=3)
    make_attempt(db_session, trainee, modules[0])
    with app.app_context():
        with count_queries() as early:
            services.on_attempt_graded(db_session, make_attempt(db_session, trainee, modules[1]))
        make_attempt(db_session, trainee, modules[2])
        with count_queries() as last:
            services.on_attempt_graded(db_session, make_attempt(db_session, trainee, modules[2]))
    for counted in (early, last):
        reads = [s for s in counted.statements if s.lstrip().upper().startswith("SELECT")]
        assert sum("FROM hours_entries" in s for s in reads) == 1, reads
        assert sum("FROM completions" in s for s in reads) == 1, reads
    assert not any(
        s.lstrip().upper().startswith("INSERT INTO COMPLETIONS") for s in early.statements
    )
    completions = queries.completions_for_user(db_session, trainee)
    assert [c.status for c in completions] == [CompletionStatus.PENDING]


def test_without_review_the_certificate_is_issued_at_once(app, db_session, settings):
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session, requires_review=False)
    for module in modules:
        make_attempt(db_session, trainee, module)
    completion = services.record_completion(db_session, trainee, program, settings=settings)
    assert completion.status == CompletionStatus.APPROVED
    assert len(queries.certificates_for_user(db_session, trainee)) == 1


def test_trainee_and_instructor_cannot_approve_reject_or_revoke(db_session, certified, settings):
    for role in ("trainee", "instructor"):
        actor = factories.make_user(role)
        with pytest.raises(Forbidden):
            services.approve_completion(db_session, actor, certified.completion.id)
        with pytest.raises(Forbidden):
            services.reject_completion(db_session, actor, certified.completion.id, "no")
        with pytest.raises(Forbidden):
            services.revoke_certificate(
                db_session, actor, certified.certificate.id, "x", settings=settings
            )
        with pytest.raises(Forbidden):
            services.reissue_certificate(
                db_session, actor, certified.certificate.id, settings=settings
            )


def test_reject_needs_a_note_and_the_trainee_sees_it(db_session, settings):
    trainee = factories.make_user("trainee")
    admin = factories.make_user("admin")
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    completion = services.record_completion(db_session, trainee, program, settings=settings)
    with pytest.raises(services.ValidationFailed):
        services.reject_completion(db_session, admin, completion.id, "  ")
    services.reject_completion(db_session, admin, completion.id, "Licence not verifiable")
    (shown,) = queries.completions_for_user(db_session, trainee)
    assert shown.status == CompletionStatus.REJECTED and shown.note == "Licence not verifiable"
    with pytest.raises(services.CompletionClosed):
        services.approve_completion(db_session, admin, completion.id, settings=settings)


# ---------------------------------------------------------------- the certificate


def test_issued_certificate_has_serial_code_expiry_and_audit(db_session, certified):
    c = certified.certificate
    assert re.fullmatch(r"DNF-\d{4}-\d{6}", c.serial)
    assert len(c.code) >= 22  # >= 128 random bits, URL-safe
    assert c.valid_until == services.add_months(c.issued_at, 24)
    actions = set(db_session.scalars(sa.select(AuditEvent.action)))
    assert {"completion.recorded", "completion.approved", "certificate.issued"} <= actions


def test_approving_twice_issues_one_certificate(db_session, certified, settings):
    again = services.approve_completion(
        db_session, certified.admin, certified.completion.id, settings=settings
    )
    assert again.id == certified.certificate.id
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_issued_credential_passes_the_schema_and_verifies(db_session, certified, settings):
    doc = certified.certificate.credential
    cred.validate_schema(doc)
    result = cred.verify_credential(doc, _resolver(db_session, settings), clock.utcnow())
    assert result.ok, result.summary()
    subject = doc["credentialSubject"]
    assert subject["name"] == "Zoë Ångström-Nguyễn"
    assert subject["creditsEarned"] == 17.5
    assert subject["licenseNumber"] == certified.trainee.licence_number
    assert certified.trainee.email not in str(doc)  # only hashed
    assert doc["proof"][0]["verificationMethod"].startswith(settings.issuer_id + "#key-")


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["credentialSubject"].__setitem__("name", "Evil Person"),
        lambda d: d.__setitem__("validUntil", "2099-01-01T00:00:00Z"),
        lambda d: d["credentialSubject"].__setitem__("creditsEarned", 99.0),
    ],
    ids=["name", "validUntil", "creditsEarned"],
)
def test_changing_a_field_breaks_the_signature(db_session, certified, settings, edit):
    doc = copy.deepcopy(certified.certificate.credential)
    edit(doc)
    result = cred.verify_credential(doc, _resolver(db_session, settings), clock.utcnow())
    assert not result.ok
    assert not result.check("signature").passed


def test_revoked_reads_revoked_in_the_status_list(db_session, certified, settings):
    c = certified.certificate
    services.revoke_certificate(
        db_session, certified.admin, c.id, "Licence lapsed", settings=settings
    )
    assert queries.status_of(c) == queries.CertificateStatus.REVOKED
    status_list = db_session.get(StatusList, c.status_list_id)
    doc = status_list.credential
    result = cred.verify_credential(doc, _resolver(db_session, settings), clock.utcnow())
    assert result.ok, result.summary()
    bits = cred.decode_status_list(doc["credentialSubject"]["encodedList"])
    assert cred.is_bit_set(bits, c.status_index)
    assert int(c.credential["credentialStatus"]["statusListIndex"]) == c.status_index


def test_expired_reads_expired(db_session, certified, frozen_clock):
    c = certified.certificate
    frozen_clock.set(c.valid_until + timedelta(seconds=1))
    assert queries.status_of(c) == queries.CertificateStatus.EXPIRED


def test_status_indices_are_unique(db_session, settings):
    admin = factories.make_user("admin")
    indices = set()
    for _ in range(4):
        trainee = factories.make_user("trainee")
        program, modules, _ = make_program(db_session)
        for module in modules:
            make_attempt(db_session, trainee, module)
        completion = services.record_completion(db_session, trainee, program, settings=settings)
        cert = services.approve_completion(db_session, admin, completion.id, settings=settings)
        indices.add((cert.status_list_id, cert.status_index))
    assert len(indices) == 4


def test_renewal_issues_a_new_certificate_and_supersedes_the_old(
    app, db_session, certified, settings
):
    old = certified.certificate
    with app.app_context():
        services.on_attempt_graded(
            db_session, make_attempt(db_session, certified.trainee, certified.renewal_module)
        )
    pending = [
        c
        for c in queries.completions_for_user(db_session, certified.trainee)
        if c.status == CompletionStatus.PENDING
    ]
    assert len(pending) == 1 and pending[0].cycle == 2
    new = services.approve_completion(db_session, certified.admin, pending[0].id, settings=settings)
    assert new.previous_id == old.id and new.kind.value == "renewal"
    assert queries.status_of(old) == queries.CertificateStatus.SUPERSEDED
    assert queries.status_of(new) == queries.CertificateStatus.VALID
    assert new.valid_until > old.valid_until
    assert queries.successor_of(db_session, old).id == new.id


def test_reissue_revokes_the_old_with_a_reason_and_keeps_the_expiry(
    db_session, certified, settings
):
    old = certified.certificate
    certified.trainee.name = "Zoë Ångström"  # corrected spelling
    new = services.reissue_certificate(db_session, certified.admin, old.id, settings=settings)
    assert new.learner_name == "Zoë Ångström" and new.valid_until == old.valid_until
    assert queries.status_of(old) == queries.CertificateStatus.REVOKED
    assert new.serial in old.revocation_reason


def test_key_rotation_keeps_old_certificates_verifying(db_session, certified, settings):
    old_vm = certified.certificate.credential["proof"][0]["verificationMethod"]
    new_row = keys.rotate_key(db_session, settings.instance_path, settings.signing_key)
    assert settings.verification_method(new_row.kid) != old_vm
    result = cred.verify_credential(
        certified.certificate.credential, _resolver(db_session, settings), clock.utcnow()
    )
    assert result.ok, result.summary()
    # New certificates are signed with the new key.
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    completion = services.record_completion(db_session, trainee, program, settings=settings)
    cert = services.approve_completion(
        db_session, certified.admin, completion.id, settings=settings
    )
    assert cert.credential["proof"][0]["verificationMethod"] == settings.verification_method(
        new_row.kid
    )


def test_expiring_soon_lists_certificates_within_the_window(db_session, certified, frozen_clock):
    c = certified.certificate
    frozen_clock.set(c.valid_until - timedelta(days=90))
    assert queries.expiring_soon(db_session, certified.trainee) == []
    frozen_clock.set(c.valid_until - timedelta(days=30))
    (soon,) = queries.expiring_soon(db_session, certified.trainee)
    assert soon.serial == c.serial


def test_certificates_for_user_returns_program_dates_and_status(db_session, certified):
    (summary,) = queries.certificates_for_user(db_session, certified.trainee)
    assert summary.program.id == certified.program.id
    assert summary.status == queries.CertificateStatus.VALID
    assert summary.issued_at == certified.certificate.issued_at
    assert summary.valid_until.tzinfo is not None


def test_add_months_clamps_to_month_end():
    assert services.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert services.add_months(datetime(2026, 11, 5, tzinfo=UTC), 24).year == 2028


def test_a_signing_failure_leaves_the_completion_pending_and_keeps_the_grade(
    db_session, settings, monkeypatch
):
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session, requires_review=False)
    for module in modules:
        make_attempt(db_session, trainee, module)

    def broken(*args, **kwargs):
        raise keys.SigningKeyError("no key")

    monkeypatch.setattr(keys, "active_key", broken)
    completion = services.record_completion(db_session, trainee, program, settings=settings)
    assert completion.status == CompletionStatus.PENDING
    assert queries.certificates_for_user(db_session, trainee) == []
