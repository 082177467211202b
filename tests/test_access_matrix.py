"""Role × route × method access matrix (SECURITY.md A5; issue 12: every method, not only GET),
generated from ``app.url_map``.

EXPECTED lists every endpoint of the app with EVERY method its rules accept (HEAD and OPTIONS
aside), and for each method the status that an anonymous visitor, a trainee, an instructor and
an admin get. The test fails when an endpoint or a method exists that is not listed (so whoever
adds a route, or a method to one, states who may use it) and when a listed one no longer exists.

How to add yours: one line per endpoint, its methods inside::

    "cohorts.index": {"GET": STAFF_ONLY, "POST": roles("instructor", "admin", ok=400)},
    "ops.healthz": {"GET": PUBLIC},

with the helpers below: ``row(anonymous, trainee, instructor, admin)``, ``PUBLIC``,
``LOGGED_IN``, ``roles("admin")`` (the allowed roles get ``ok``, 200 by default; the others
403; anonymous the login redirect, or ``anonymous=401`` under /api/). A route with URL
parameters needs a sample in SAMPLE_ARGS: use ids and slugs that do not exist (999999,
"no-such-module"), so the allowed roles get 404 and nothing is changed.

How each case is requested (each case is its own test, on a database rolled back after it):

- a fresh user of the role, logged in through the form (none for ``anonymous``);
- POST, PUT, PATCH and DELETE carry a valid CSRF token of the client's session (header
  ``X-CSRFToken``, taken from a page) and no body: a missing token would be a 400 before any
  role check, so with it the role check is what is tested; the allowed roles then typically
  get 400 (an empty form or body) or 404 (a sample id that does not exist);
- a refusal (401, 403, or the anonymous redirect to the login page) must change nothing: every
  row of every table is read before and after and must be the same; the only row it may add
  is the sampled ``access.denied`` audit event (app/auth/denied.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import url_for

from app.audit.models import AuditEvent
from tests.conftest import csrf_token_from
from tests.rowcounts import table_rows, without_audit

ROLES = ("anonymous", "trainee", "instructor", "admin")
LOGIN = 302  # anonymous users are redirected to the login page (401 JSON under /api/)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
Row = dict[str, int]


def row(anonymous: int, trainee: int, instructor: int, admin: int) -> Row:
    return dict(zip(ROLES, (anonymous, trainee, instructor, admin), strict=True))


PUBLIC = row(200, 200, 200, 200)
LOGGED_IN = row(LOGIN, 200, 200, 200)
API_LOGGED_IN = row(401, 200, 200, 200)


def roles(*allowed: str, ok: int = 200, anonymous: int = LOGIN) -> Row:
    """Only ``allowed`` roles get ``ok``; other logged-in users get 403."""
    return {"anonymous": anonymous, **{r: (ok if r in allowed else 403) for r in ROLES[1:]}}


TRAINEE = roles("trainee")
TRAINEE_404 = roles("trainee", ok=404)  # sample attempt/module does not exist
TRAINEE_API = roles("trainee", anonymous=401)
STAFF_ONLY = roles("instructor", "admin")
STAFF_400 = roles("instructor", "admin", ok=400)  # an empty form
STAFF_404 = roles("instructor", "admin", ok=404)  # sample ids/slugs do not exist
ADMIN_ONLY = roles("admin")
ADMIN_404 = roles("admin", ok=404)

EXPECTED: dict[str, dict[str, Row]] = {
    "static": {"GET": PUBLIC},
    "ops.healthz": {"GET": PUBLIC},  # load balancers: no login, no personal data
    # auth: logged-in users are sent on from the login and registration pages
    "auth.index": {"GET": row(200, 302, 302, 302)},
    "auth.home": {"GET": row(LOGIN, 302, 302, 302)},  # → dashboard / studio / admin
    "auth.register": {"GET": row(200, 302, 302, 302), "POST": row(400, 302, 302, 302)},
    "auth.login": {"GET": row(200, 302, 302, 302), "POST": row(400, 400, 400, 400)},
    "auth.logout": {"POST": row(302, 302, 302, 302)},
    "auth.language": {"POST": row(400, 400, 400, 400)},  # no language chosen: refused
    "auth.profile": {"GET": LOGGED_IN, "POST": row(LOGIN, 400, 400, 400)},
    "auth.password": {"GET": LOGGED_IN, "POST": row(LOGIN, 400, 400, 400)},
    "auth.create_token": {"POST": row(LOGIN, 302, 302, 302)},  # an empty name: flashed
    "auth.revoke_token": {"POST": row(LOGIN, 404, 404, 404)},
    "auth.reauth": {"GET": LOGGED_IN, "POST": row(LOGIN, 400, 400, 400)},  # no password: 400
    # account links (issue 13): a forged token is refused with 400 for everyone
    "auth.register_complete": {"GET": row(400, 400, 400, 400), "POST": row(400, 400, 400, 400)},
    "auth.forgot_password": {"GET": PUBLIC, "POST": row(400, 400, 400, 400)},
    "auth.reset_password": {"GET": row(400, 400, 400, 400), "POST": row(400, 400, 400, 400)},
    "auth.accept_invite": {"GET": row(400, 400, 400, 400), "POST": row(400, 400, 400, 400)},
    "notify.unsubscribe": {"GET": row(400, 400, 400, 400), "POST": row(400, 400, 400, 400)},
    # the branding images are public (certificates, the verify page); none set: 404
    "siteconfig.logo": {"GET": row(404, 404, 404, 404)},
    "siteconfig.signature": {"GET": row(404, 404, 404, 404)},
    # api: accounts (tokens are made from credentials in the body, no session needed)
    "api-docs.openapi_json": {"GET": PUBLIC},
    "api_auth.create_token": {"POST": row(400, 400, 400, 400)},
    "api_auth.delete_token": {"DELETE": row(401, 404, 404, 404)},
    "api_auth.me": {"GET": API_LOGGED_IN},
    # quiz API and pages: only trainees take assessments (issue 12)
    "api_quiz.list_modules": {"GET": TRAINEE_API},
    "api_quiz.start": {"POST": roles("trainee", ok=404, anonymous=401)},
    "api_quiz.get_attempt": {"GET": roles("trainee", ok=404, anonymous=401)},
    "api_quiz.save": {"PUT": roles("trainee", ok=400, anonymous=401)},
    "api_quiz.submit": {"POST": roles("trainee", ok=404, anonymous=401)},
    "quiz.modules": {"GET": TRAINEE},
    "quiz.module": {"GET": TRAINEE_404},
    "quiz.start": {"POST": TRAINEE_404},
    "quiz.attempt": {"GET": TRAINEE_404},
    "quiz.take": {"GET": TRAINEE_404},
    "quiz.answer": {"POST": TRAINEE_404},
    "quiz.autosave": {"POST": roles("trainee", ok=404, anonymous=401)},  # JSON: 401, not a page
    "quiz.summary": {"GET": TRAINEE_404},
    "quiz.submit": {"POST": TRAINEE_404},
    "quiz.result": {"GET": TRAINEE_404},
    # banks
    "banks.media": {"GET": row(LOGIN, 404, 404, 404)},  # sample hash is unknown
    # progress: dashboards and spaced-repetition practice (trainees), the cohort (staff)
    "progress.dashboard": {"GET": TRAINEE},
    "progress.trainee": {"GET": row(LOGIN, 404, 404, 404)},  # trainees: only their own
    "progress.practice": {"GET": TRAINEE},
    "progress.answer": {"POST": roles("trainee", ok=400)},
    # practice of your own choosing (issue 18): an empty form is a 400 with field errors
    "progress.practice_build": {"GET": TRAINEE, "POST": roles("trainee", ok=400)},
    "progress.practice_set": {"GET": TRAINEE},  # no set yet: the builder
    "progress.practice_rate": {"POST": roles("trainee", ok=400)},
    "progress.cohort": {"GET": STAFF_ONLY},
    "progress.cohort_csv": {"GET": STAFF_ONLY},
    "api_progress.progress": {"GET": TRAINEE_API},
    "api_progress.practice_items": {"GET": TRAINEE_API},
    "api_progress.answer_practice": {"POST": roles("trainee", ok=400, anonymous=401)},
}

# studio (authoring, review, item analysis, standard setting, module preview): staff only
EXPECTED.update(
    {
        "studio.index": {"GET": STAFF_ONLY},
        "studio.new_question": {"GET": STAFF_ONLY, "POST": STAFF_400},
        "studio.edit_revision": {"GET": STAFF_404, "POST": STAFF_404},
        "studio.show_revision": {"GET": STAFF_404},
        "studio.show_question": {"GET": STAFF_404},
        "studio.media": {"GET": STAFF_ONLY, "POST": STAFF_400},
        "studio.import_bank": {"GET": STAFF_ONLY, "POST": STAFF_400},
        "studio.confirm_import": {"POST": STAFF_400},
        "studio.export": {"GET": STAFF_ONLY},
        "studio.preview": {"POST": STAFF_ONLY},  # Markdown → HTML (JSON); no text: ""
        "studio.analysis": {"GET": STAFF_404},
        "studio.analysis_csv": {"GET": STAFF_404},
        "studio.standard_setting": {"GET": STAFF_404, "POST": STAFF_404},
        "studio.set_pass_mark": {"POST": STAFF_404},
        "studio.standard_item": {"GET": STAFF_404, "POST": STAFF_404},
        "studio.standard_limits": {"POST": STAFF_404},
        "studio.pass_mark_proposal": {"GET": STAFF_404},
        "studio.submit_revision": {"POST": STAFF_404},
        "studio.withdraw_revision": {"POST": STAFF_404},
        "studio.discard_revision": {"POST": STAFF_404},
        "studio.review_revision": {"POST": STAFF_400},  # the form is read first
        "studio.revise_question": {"POST": STAFF_404},
        "studio.retire_question": {"POST": STAFF_404},
        "studio.delete_question": {"POST": STAFF_404},
        "studio.new_case": {"GET": STAFF_ONLY, "POST": STAFF_400},
        "studio.edit_case_revision": {"GET": STAFF_404, "POST": STAFF_404},
        "studio.show_case_revision": {"GET": STAFF_404},
        "studio.submit_case_revision": {"POST": STAFF_404},
        "studio.withdraw_case_revision": {"POST": STAFF_404},
        "studio.discard_case_revision": {"POST": STAFF_404},
        "studio.review_case_revision": {"POST": STAFF_400},
        "studio.revise_case": {"POST": STAFF_404},
        "studio.retire_case": {"POST": STAFF_404},
        "studio.case_history": {"GET": STAFF_404},
        "studio.module_preview": {"GET": STAFF_404},
        "studio.draw_preview": {"POST": STAFF_404},
        "studio.preview_item": {"GET": STAFF_404},
        "studio.check_preview_item": {"POST": STAFF_404},
        "studio.module_rules": {"GET": STAFF_404, "POST": STAFF_404},
        "studio.program_rules": {"GET": STAFF_404, "POST": STAFF_404},
        "studio.withdraw_rule_change": {"POST": STAFF_404},
    }
)

# enrolment (issue 13): a trainee's programs; the admin's cohorts and enrolments
EXPECTED.update(
    {
        "enrolment.mine": {"GET": TRAINEE},
        "enrolment.enrol_myself": {"POST": TRAINEE_404},
        "enrolment.withdraw_myself": {"POST": TRAINEE_404},
        "enrolment.cohorts": {"GET": ADMIN_ONLY},
        "enrolment.create_cohort": {"POST": roles("admin", ok=400)},
        "enrolment.cohort": {"GET": ADMIN_404},
        "enrolment.add_instructor": {"POST": roles("admin", ok=400)},  # the form is read first
        "enrolment.remove_instructor": {"POST": ADMIN_404},
        "enrolment.enrol": {"POST": roles("admin", ok=400)},
        "enrolment.enrol_csv": {"POST": roles("admin", ok=400)},
        "enrolment.withdraw": {"POST": ADMIN_404},
    }
)

# certificates (trainee pages, public verification) and admin
EXPECTED.update(
    {
        "certificates.mine": {"GET": LOGGED_IN},
        "certificates.download_pdf": {"GET": row(LOGIN, 404, 404, 404)},  # not yours / none
        "certificates.download_json": {"GET": row(LOGIN, 404, 404, 404)},
        "certificates.download_badge": {"GET": row(LOGIN, 404, 404, 404)},
        "certificates.did_document": {"GET": row(404, 404, 404, 404)},  # no PUBLIC_BASE_URL
        "certificates.achievement": {"GET": row(404, 404, 404, 404)},  # no such program
        "certificates.achievement_badge": {"GET": row(404, 404, 404, 404)},
        "certificates.verify_form": {"GET": PUBLIC},
        "certificates.verify": {"GET": row(404, 404, 404, 404)},  # unknown code: uniform 404
        "certificates.issuer": {"GET": PUBLIC},
        # LTI: the keyset is public (public keys only). Login initiation and launch are
        # public-but-signed: the platform's signed id_token (checked against its registered
        # keyset, with state and nonce) is the credential, whoever is logged in; without one
        # (as here: no parameters) every role gets the same 403 "launch refused".
        "lti.jwks": {"GET": PUBLIC},
        "lti.login": {"GET": row(403, 403, 403, 403), "POST": row(403, 403, 403, 403)},
        "lti.launch": {"POST": row(403, 403, 403, 403)},
        "lti.deep_link": {"POST": row(403, 403, 403, 403)},  # the launch id is the credential
        # LTI pages (issue 20): registrations, key, failed score posts (admins); a course's
        # roster pull (an instructor of that course, or an admin; the sample does not exist)
        "lti_pages.platforms": {"GET": ADMIN_ONLY},
        "lti_pages.new_platform": {"GET": ADMIN_ONLY, "POST": roles("admin", ok=400)},
        "lti_pages.edit_platform": {"GET": ADMIN_404, "POST": ADMIN_404},
        "lti_pages.disable_platform": {"POST": ADMIN_404},
        "lti_pages.enable_platform": {"POST": ADMIN_404},
        "lti_pages.rotate_key": {"POST": roles("admin", ok=302)},  # flashed: not confirmed
        "lti_pages.failed_scores": {"GET": ADMIN_ONLY},
        "lti_pages.resend_score": {"POST": ADMIN_404},
        "lti_pages.resend_failed": {"POST": roles("admin", ok=302)},  # none failed: 0 queued
        "lti_pages.courses": {"GET": STAFF_ONLY},
        "lti_pages.course": {"GET": STAFF_404, "POST": STAFF_404},
        "certificates.status_list": {"GET": row(404, 404, 404, 404)},  # no such list
        "api_certificates.get_certificate": {"GET": row(404, 404, 404, 404)},
        "admin.index": {"GET": ADMIN_ONLY},
        "admin.completions": {"GET": ADMIN_ONLY},
        "admin.approve": {"POST": ADMIN_404},
        "admin.reject": {"POST": roles("admin", ok=302)},  # flashed: no such completion
        "admin.completions_csv": {"GET": ADMIN_ONLY},
        "admin.certificates": {"GET": ADMIN_ONLY},
        "admin.revoke": {"POST": roles("admin", ok=302)},  # flashed: no such certificate
        "admin.reissue": {"POST": ADMIN_404},
        "admin.users": {"GET": ADMIN_ONLY},
        "admin.set_role": {"POST": roles("admin", ok=400)},  # the form is read first
        "admin.deactivate": {"POST": ADMIN_404},
        "admin.accommodation": {"GET": ADMIN_404, "POST": ADMIN_404},
        "admin.extend_attempt": {"POST": ADMIN_404},
        "admin.audit": {"GET": ADMIN_ONLY},
        # issue 13: evidence for reviewers, bulk approve, reactivate, audit export
        "admin.completion_detail": {"GET": ADMIN_404},
        "admin.bulk_approve": {"POST": roles("admin", ok=302)},  # flashed: not confirmed
        "admin.reactivate": {"POST": ADMIN_404},
        "admin.audit_csv": {"GET": ADMIN_ONLY},
        "admin.rule_changes": {"GET": ADMIN_ONLY},
        "admin.invite": {"GET": ADMIN_ONLY, "POST": roles("admin", ok=400)},
        "admin.outbox": {"GET": ADMIN_ONLY},
        "admin.outbox_message": {"GET": ADMIN_404},
        "admin.outbox_retry": {"POST": ADMIN_404},
        "admin.site_settings": {
            "GET": ADMIN_ONLY,
            "POST": roles("admin", ok=302),
        },  # unchecked: off
        # issue 13: settings in the database (an empty form: the confirmation is missing)
        "admin.settings_certificates": {"POST": roles("admin", ok=400)},
        "admin.settings_exams": {"POST": roles("admin", ok=400)},
        "admin.settings_mail": {"POST": roles("admin", ok=400)},
        "admin.settings_image": {"POST": ADMIN_404},  # no such image kind
        "admin.settings_image_remove": {"POST": ADMIN_404},
        "admin.apply_rule_change": {"POST": roles("admin", ok=400)},  # the form is read first
        "admin.reject_rule_change": {"POST": roles("admin", ok=400)},
        "regrade.index": {"GET": ADMIN_ONLY},
        "regrade.apply": {"POST": roles("admin", ok=400)},  # the form is read first
        "regrade.clear_flag": {"POST": roles("admin", ok=400)},  # the form is read first
    }
)

# practical competence (issue 15): requirements, hours, logbook, sign-off, review, supervisors
EXPECTED.update(
    {
        "practical.requirements": {"GET": TRAINEE},
        "practical.logbook_page": {"GET": TRAINEE, "POST": roles("trainee", ok=400)},
        "practical.hours_page": {"GET": TRAINEE, "POST": roles("trainee", ok=400)},
        "practical.evidence": {"GET": row(LOGIN, 404, 404, 404)},  # own, or staff
        "practical.to_sign": {"GET": STAFF_ONLY},
        "practical.decide": {"POST": STAFF_400},  # the form is read first
        "practical.review_queue": {"GET": STAFF_ONLY},
        "practical.review": {"POST": STAFF_400},  # the form is read first
        "practical.new_session": {"GET": STAFF_ONLY, "POST": STAFF_400},
        "practical.supervisors": {"GET": ADMIN_ONLY, "POST": roles("admin", ok=400)},
        "practical.adverse_events": {"GET": ADMIN_ONLY},
        "licensing.where": {"GET": TRAINEE},
        "licensing.choose": {"POST": roles("trainee", ok=302)},  # no box ticked: none chosen
        "licensing.admin_rules": {"GET": ADMIN_ONLY},
        "licensing.admin_rule": {"GET": roles("admin", ok=404)},
        "licensing.propose": {"POST": roles("admin", ok=400)},  # the form is read first
        "licensing.apply": {"POST": roles("admin", ok=404)},
        "licensing.reject": {"POST": roles("admin", ok=404)},
        "licensing.roster": {"GET": roles("admin", ok=400)},
        "osce.index": {"GET": STAFF_ONLY, "POST": STAFF_400},
        "osce.new_station": {"GET": STAFF_ONLY, "POST": STAFF_400},
        "osce.submit_station": {"POST": STAFF_404},
        "osce.approve_station": {"POST": STAFF_404},
        "osce.station": {"GET": STAFF_404},
        "osce.mark": {"GET": STAFF_404},
        "osce.save_marks": {"POST": STAFF_400},  # the JSON body is read first
        "osce.submit_marks": {"POST": STAFF_400},
        "api_practical.my_requirements": {"GET": TRAINEE_API},
        "api_practical.my_hours": {"GET": TRAINEE_API},
        "api_licensing.my_jurisdictions": {"GET": TRAINEE_API},
        "api_practical.log_session": {"POST": roles("trainee", ok=400, anonymous=401)},
        "api_practical.decide": {
            "POST": roles("instructor", "admin", ok=400, anonymous=401)
        },  # the body is read first
    }
)

# Sample URL arguments for routes with parameters: things that do not exist.
NO_ID = 999999
NO_UUID = "00000000-0000-4000-8000-000000000000"
NO_CODE = "no-such-code-aaaaaaaaaaaa"
NO_SLUG = "no-such-module"
SAMPLE_ARGS: dict[str, dict[str, object]] = {
    "static": {"filename": "css/app.css"},
    "auth.revoke_token": {"token_id": NO_ID},
    "api_auth.delete_token": {"token_id": NO_ID},
    "api_quiz.start": {"slug": NO_SLUG},
    "api_quiz.get_attempt": {"attempt_id": NO_ID},
    "api_quiz.save": {"attempt_id": NO_ID, "item_id": NO_ID},
    "api_quiz.submit": {"attempt_id": NO_ID},
    "banks.media": {"sha256": "0" * 64},
    "progress.trainee": {"user_id": NO_ID},
    "quiz.module": {"slug": NO_SLUG},
    "quiz.start": {"slug": NO_SLUG},
    "quiz.attempt": {"attempt_id": NO_ID},
    "quiz.take": {"attempt_id": NO_ID, "position": 1},
    "quiz.answer": {"attempt_id": NO_ID, "position": 1},
    "quiz.autosave": {"attempt_id": NO_ID, "position": 1},
    "quiz.summary": {"attempt_id": NO_ID},
    "quiz.submit": {"attempt_id": NO_ID},
    "quiz.result": {"attempt_id": NO_ID},
    "certificates.download_pdf": {"certificate_id": NO_UUID},
    "certificates.download_json": {"certificate_id": NO_UUID},
    "certificates.download_badge": {"certificate_id": NO_UUID},
    "certificates.achievement": {"slug": "no-such-program"},
    "certificates.achievement_badge": {"slug": "no-such-program"},
    "certificates.verify": {"code": NO_CODE},
    "certificates.status_list": {"list_id": NO_ID},
    "api_certificates.get_certificate": {"code": NO_CODE},
    "admin.approve": {"completion_id": NO_ID},
    "lti_pages.edit_platform": {"platform_id": NO_ID},
    "lti_pages.disable_platform": {"platform_id": NO_ID},
    "lti_pages.enable_platform": {"platform_id": NO_ID},
    "lti_pages.resend_score": {"post_id": NO_ID},
    "lti_pages.course": {"context_id": NO_ID},
    "admin.reject": {"completion_id": NO_ID},
    "admin.revoke": {"certificate_id": NO_UUID},
    "admin.reissue": {"certificate_id": NO_UUID},
    "admin.set_role": {"user_id": NO_ID},
    "admin.deactivate": {"user_id": NO_ID},
    "admin.accommodation": {"user_id": NO_ID},
    "admin.extend_attempt": {"attempt_id": NO_ID},
    "admin.reactivate": {"user_id": NO_ID},
    "admin.completion_detail": {"completion_id": NO_ID},
    "admin.outbox_message": {"message_id": NO_ID},
    "admin.outbox_retry": {"message_id": NO_ID},
    "auth.register_complete": {"token": "forged"},
    "auth.reset_password": {"token": "forged"},
    "auth.accept_invite": {"token": "forged"},
    "notify.unsubscribe": {"token": "forged"},
    "admin.settings_image": {"kind": "no-such-image"},
    "admin.settings_image_remove": {"kind": "no-such-image"},
    "enrolment.enrol_myself": {"program_id": NO_ID},
    "enrolment.withdraw_myself": {"enrolment_id": NO_ID},
    "enrolment.cohort": {"cohort_id": NO_ID},
    "enrolment.add_instructor": {"cohort_id": NO_ID},
    "enrolment.remove_instructor": {"cohort_id": NO_ID, "user_id": NO_ID},
    "enrolment.withdraw": {"enrolment_id": NO_ID},
    "admin.apply_rule_change": {"change_id": NO_ID},
    "admin.reject_rule_change": {"change_id": NO_ID},
    "regrade.clear_flag": {"completion_id": NO_ID},
    "studio.module_rules": {"slug": NO_SLUG},
    "studio.program_rules": {"slug": "no-such-program"},
    "studio.withdraw_rule_change": {"change_id": NO_ID},
    "practical.evidence": {"entry_id": NO_ID},
    "practical.decide": {"entry_id": NO_ID},
    "licensing.admin_rule": {"rule_id": "no-such-rule"},
    "licensing.propose": {"rule_id": "no-such-rule"},
    "licensing.apply": {"proposal_id": NO_ID},
    "licensing.reject": {"proposal_id": NO_ID},
    "practical.review": {"entry_id": NO_ID},
    "api_practical.decide": {"entry_id": NO_ID},
    "osce.submit_station": {"station_id": NO_ID},
    "osce.approve_station": {"station_id": NO_ID},
    "osce.station": {"station_id": NO_ID},
    "osce.mark": {"performance_id": NO_ID},
    "osce.save_marks": {"performance_id": NO_ID},
    "osce.submit_marks": {"performance_id": NO_ID},
}
for _endpoint in (
    "studio.edit_revision",
    "studio.show_revision",
    "studio.submit_revision",
    "studio.withdraw_revision",
    "studio.discard_revision",
    "studio.review_revision",
    "studio.edit_case_revision",
    "studio.show_case_revision",
    "studio.submit_case_revision",
    "studio.withdraw_case_revision",
    "studio.discard_case_revision",
    "studio.review_case_revision",
):
    SAMPLE_ARGS[_endpoint] = {"revision_id": NO_ID}
for _endpoint in (
    "studio.show_question",
    "studio.revise_question",
    "studio.retire_question",
    "studio.delete_question",
):
    SAMPLE_ARGS[_endpoint] = {"question_id": NO_ID}
for _endpoint in ("studio.revise_case", "studio.retire_case", "studio.case_history"):
    SAMPLE_ARGS[_endpoint] = {"case_id": NO_ID}
for _endpoint in (
    "studio.analysis",
    "studio.analysis_csv",
    "studio.standard_setting",
    "studio.set_pass_mark",
    "studio.standard_limits",
    "studio.module_preview",
    "studio.draw_preview",
):
    SAMPLE_ARGS[_endpoint] = {"slug": NO_SLUG}
for _endpoint in ("studio.preview_item", "studio.check_preview_item", "studio.standard_item"):
    SAMPLE_ARGS[_endpoint] = {"slug": NO_SLUG, "position": 1}
SAMPLE_ARGS["studio.pass_mark_proposal"] = {"slug": NO_SLUG, "change_id": NO_ID}


# ---------------------------------------------------------------- the tests


def routed_methods(app: Any) -> dict[str, set[str]]:
    """endpoint -> every method its rules accept (HEAD and OPTIONS aside)."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        found.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_every_route_and_method_is_in_the_matrix(app):
    routed = {(e, m) for e, methods in routed_methods(app).items() for m in methods}
    listed = {(e, m) for e, methods in EXPECTED.items() for m in methods}
    missing = sorted(routed - listed)
    assert not missing, f"Add these (endpoint, method) to EXPECTED in {__file__}: {missing}"
    stale = sorted(listed - routed)
    assert not stale, f"These no longer exist; remove them from EXPECTED: {stale}"


def test_every_row_names_each_role_once():
    for endpoint, methods in EXPECTED.items():
        for method, statuses in methods.items():
            assert tuple(statuses) == ROLES, (endpoint, method)


def _cases() -> Iterator[Any]:
    for endpoint, methods in EXPECTED.items():
        for method, statuses in methods.items():
            for role in ROLES:
                yield pytest.param(
                    endpoint, method, role, statuses[role], id=f"{endpoint}-{method}-{role}"
                )


REFUSED = {401, 403}


def _csrf_headers(client: Any, role: str) -> dict[str, str]:
    """A valid CSRF token of the client's session, from a page it may see."""
    page = client.get("/login" if role == "anonymous" else "/profile")
    return {"X-CSRFToken": csrf_token_from(page.get_data(as_text=True))}


def _new_audit_actions(db_session: Any, after_id: int) -> list[str]:
    return list(
        db_session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize(("endpoint", "method", "role", "status"), list(_cases()))
def test_status_per_role_and_method(
    app, client, db_session, login_as, endpoint, method, role, status
):
    if role != "anonymous":
        login_as(role)
    headers = _csrf_headers(client, role) if method in UNSAFE else {}
    with app.test_request_context():
        url = url_for(endpoint, **SAMPLE_ARGS.get(endpoint, {}))
    before = table_rows(db_session)
    last_event = db_session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    response = client.open(url, method=method, headers=headers)
    response.close()  # static files are streamed from disk
    assert response.status_code == status, f"{method} {url} as {role}"
    login_redirect = response.status_code == LOGIN and "/login" in response.headers.get(
        "Location", ""
    )
    if status == LOGIN and role == "anonymous":
        assert login_redirect, response.headers.get("Location")
    if response.status_code in REFUSED or (role == "anonymous" and login_redirect):
        db_session.expire_all()
        assert without_audit(table_rows(db_session)) == without_audit(before)
        assert set(_new_audit_actions(db_session, last_event)) <= {"access.denied"}
