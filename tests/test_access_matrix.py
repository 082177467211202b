"""Role × route access matrix (SECURITY.md A5), generated from ``app.url_map``.

Every route must be listed in EXPECTED. The test fails when a route exists that is not listed,
so whoever adds a route also states who may reach it.

How to add yours: one line ``"endpoint": {role: status, ...}`` with the status a plain GET
returns for anonymous / trainee / instructor / admin (use the helpers below: ``PUBLIC``,
``LOGGED_IN``, ``roles("admin")``, ...). Routes that take URL parameters or that only accept
POST/PUT/DELETE list the statuses too (they are checked by their own tests), or use
``NOT_GET``. For URL parameters, add a sample in SAMPLE_ARGS.
"""

from __future__ import annotations

import pytest
from flask import url_for

ROLES = ("anonymous", "trainee", "instructor", "admin")
LOGIN = 302  # anonymous users are redirected to the login page (401 JSON under /api/)


def row(anonymous: int, trainee: int, instructor: int, admin: int) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, trainee, instructor, admin), strict=True))


PUBLIC = row(200, 200, 200, 200)
LOGGED_IN = row(LOGIN, 200, 200, 200)
API_LOGGED_IN = row(401, 200, 200, 200)
NOT_GET = row(405, 405, 405, 405)  # POST/DELETE-only routes: GET is refused for everyone


def roles(*allowed: str, anonymous: int = LOGIN) -> dict[str, int]:
    """Only ``allowed`` roles get 200; other logged-in users get 403."""
    return {
        "anonymous": anonymous,
        **{r: (200 if r in allowed else 403) for r in ROLES[1:]},
    }


EXPECTED: dict[str, dict[str, int]] = {
    "static": PUBLIC,
    # auth
    "auth.index": row(200, 302, 302, 302),  # logged-in users go to their home page
    "auth.home": row(LOGIN, 302, 302, 302),  # → dashboard / studio / admin dashboard
    "auth.register": row(200, 302, 302, 302),
    # account links: a forged token is refused with 400 for everyone (tests/auth/test_mail_*)
    "auth.register_complete": row(400, 400, 400, 400),
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": row(400, 400, 400, 400),
    "auth.accept_invite": row(400, 400, 400, 400),
    "notify.unsubscribe": row(400, 400, 400, 400),  # a forged token
    "auth.login": row(200, 302, 302, 302),
    "auth.logout": NOT_GET,
    "auth.profile": LOGGED_IN,
    "auth.password": LOGGED_IN,
    "auth.create_token": NOT_GET,
    "auth.revoke_token": NOT_GET,
    # api
    "api-docs.openapi_json": PUBLIC,
    "api_auth.create_token": NOT_GET,
    "api_auth.delete_token": NOT_GET,
    "api_auth.me": API_LOGGED_IN,
    "api_quiz.list_modules": roles("trainee", anonymous=401),  # only trainees take assessments
    "api_quiz.start": NOT_GET,
    "api_quiz.get_attempt": row(401, 404, 403, 403),  # a trainee: others' or missing → 404
    "api_quiz.save": NOT_GET,
    "api_quiz.submit": NOT_GET,
    # banks
    "banks.media": row(LOGIN, 404, 404, 404),  # sample hash is unknown: logged in → 404
    # quiz pages (trainees only; a missing or someone else's attempt or module → 404)
    "quiz.modules": roles("trainee"),
    "quiz.module": row(LOGIN, 404, 403, 403),
    "quiz.start": NOT_GET,
    "quiz.attempt": row(LOGIN, 404, 403, 403),
    "quiz.take": row(LOGIN, 404, 403, 403),
    "quiz.answer": row(LOGIN, 404, 403, 403),  # GET on its URL is quiz.take
    "quiz.autosave": NOT_GET,
    "quiz.summary": row(LOGIN, 404, 403, 403),
    "quiz.submit": NOT_GET,
    "quiz.result": row(LOGIN, 404, 403, 403),
}

EXPECTED.update(
    {
        # progress
        "progress.dashboard": roles("trainee"),
        "progress.trainee": row(LOGIN, 404, 404, 404),  # sample id: no such trainee
        "progress.practice": roles("trainee"),
        "progress.answer": roles("trainee"),  # POST /practice; GET shows the next item
        "progress.cohort": roles("instructor", "admin"),
        "progress.cohort_csv": roles("instructor", "admin"),
        "api_progress.progress": roles("trainee", anonymous=401),
        "api_progress.practice_items": roles("trainee", anonymous=401),
        "api_progress.answer_practice": roles("trainee", anonymous=401),
    }
)

# Sample URL arguments for routes with parameters.
SAMPLE_ARGS: dict[str, dict[str, object]] = {
    "static": {"filename": "css/app.css"},
    "auth.revoke_token": {"token_id": 1},
    "api_auth.delete_token": {"token_id": 1},
    "api_quiz.start": {"slug": "x"},
    "api_quiz.get_attempt": {"attempt_id": 1},
    "api_quiz.save": {"attempt_id": 1, "item_id": 1},
    "api_quiz.submit": {"attempt_id": 1},
    "banks.media": {"sha256": "0" * 64},
    "auth.register_complete": {"token": "forged"},
    "auth.reset_password": {"token": "forged"},
    "auth.accept_invite": {"token": "forged"},
    "notify.unsubscribe": {"token": "forged"},
    "progress.trainee": {"user_id": 999999},
    "quiz.module": {"slug": "no-such-module"},
    "quiz.start": {"slug": "no-such-module"},
    "quiz.attempt": {"attempt_id": 999999},
    "quiz.take": {"attempt_id": 999999, "position": 1},
    "quiz.answer": {"attempt_id": 999999, "position": 1},
    "quiz.autosave": {"attempt_id": 999999, "position": 1},
    "quiz.summary": {"attempt_id": 999999},
    "quiz.submit": {"attempt_id": 999999},
    "quiz.result": {"attempt_id": 999999},
}


# studio (instructor's authoring, review, item analysis, standard setting): trainee → 403 everywhere
STAFF_ONLY = roles("instructor", "admin")
STAFF_404 = row(LOGIN, 403, 404, 404)  # sample ids/slugs do not exist: staff get 404
EXPECTED.update(
    {
        "studio.index": STAFF_ONLY,
        "studio.new_question": STAFF_ONLY,
        "studio.edit_revision": STAFF_404,
        "studio.show_revision": STAFF_404,
        "studio.show_question": STAFF_404,
        "studio.media": STAFF_ONLY,
        "studio.import_bank": STAFF_ONLY,
        "studio.export": STAFF_ONLY,
        "studio.analysis": STAFF_404,
        "studio.standard_setting": STAFF_404,
        "studio.preview": NOT_GET,
        "studio.submit_revision": NOT_GET,
        "studio.withdraw_revision": NOT_GET,
        "studio.discard_revision": NOT_GET,
        "studio.review_revision": NOT_GET,
        "studio.revise_question": NOT_GET,
        "studio.retire_question": NOT_GET,
        "studio.delete_question": NOT_GET,
        "studio.confirm_import": NOT_GET,
        "studio.set_pass_mark": NOT_GET,
        "studio.module_rules": STAFF_404,
        "studio.program_rules": STAFF_404,
        "studio.withdraw_rule_change": NOT_GET,
    }
)
SAMPLE_ARGS.update(
    {
        "studio.edit_revision": {"revision_id": 999999},
        "studio.show_revision": {"revision_id": 999999},
        "studio.submit_revision": {"revision_id": 999999},
        "studio.withdraw_revision": {"revision_id": 999999},
        "studio.discard_revision": {"revision_id": 999999},
        "studio.review_revision": {"revision_id": 999999},
        "studio.show_question": {"question_id": 999999},
        "studio.revise_question": {"question_id": 999999},
        "studio.retire_question": {"question_id": 999999},
        "studio.delete_question": {"question_id": 999999},
        "studio.analysis": {"slug": "no-such-module"},
        "studio.standard_setting": {"slug": "no-such-module"},
        "studio.set_pass_mark": {"slug": "no-such-module"},
        "studio.module_rules": {"slug": "no-such-module"},
        "studio.program_rules": {"slug": "no-such-program"},
        "studio.withdraw_rule_change": {"change_id": 999999},
    }
)
# studio case scenarios
EXPECTED.update(
    {
        "studio.new_case": STAFF_ONLY,
        "studio.edit_case_revision": STAFF_404,
        "studio.show_case_revision": STAFF_404,
        "studio.submit_case_revision": NOT_GET,
        "studio.withdraw_case_revision": NOT_GET,
        "studio.discard_case_revision": NOT_GET,
        "studio.review_case_revision": NOT_GET,
        "studio.revise_case": NOT_GET,
        "studio.retire_case": NOT_GET,
        "studio.case_history": STAFF_404,
    }
)
SAMPLE_ARGS.update(
    {
        "studio.edit_case_revision": {"revision_id": 999999},
        "studio.show_case_revision": {"revision_id": 999999},
        "studio.submit_case_revision": {"revision_id": 999999},
        "studio.withdraw_case_revision": {"revision_id": 999999},
        "studio.discard_case_revision": {"revision_id": 999999},
        "studio.review_case_revision": {"revision_id": 999999},
        "studio.revise_case": {"case_id": 999999},
        "studio.retire_case": {"case_id": 999999},
        "studio.case_history": {"case_id": 999999},
    }
)


# certificates (trainee pages, public verification) and admin
ADMIN_ONLY = roles("admin")
EXPECTED.update(
    {
        "certificates.mine": LOGGED_IN,
        "certificates.download_pdf": row(LOGIN, 404, 404, 404),  # not yours / no such id
        "certificates.download_json": row(LOGIN, 404, 404, 404),
        "certificates.verify_form": PUBLIC,
        "certificates.verify": row(404, 404, 404, 404),  # unknown code: uniform 404
        "certificates.issuer": PUBLIC,
        "certificates.status_list": row(404, 404, 404, 404),  # no such list
        "api_certificates.get_certificate": row(404, 404, 404, 404),
        "admin.index": ADMIN_ONLY,
        "admin.completions": ADMIN_ONLY,
        "admin.approve": NOT_GET,
        "admin.reject": NOT_GET,
        "admin.completions_csv": ADMIN_ONLY,
        "admin.certificates": ADMIN_ONLY,
        "admin.revoke": NOT_GET,
        "admin.reissue": NOT_GET,
        "admin.users": ADMIN_ONLY,
        "admin.set_role": NOT_GET,
        "admin.deactivate": NOT_GET,
        "admin.audit": ADMIN_ONLY,
        "admin.invite": ADMIN_ONLY,
        "admin.outbox": ADMIN_ONLY,
        "admin.outbox_message": row(LOGIN, 403, 403, 404),  # sample id does not exist
        "admin.outbox_retry": NOT_GET,
        "admin.site_settings": ADMIN_ONLY,
        "admin.rule_changes": ADMIN_ONLY,
        "admin.apply_rule_change": NOT_GET,
        "admin.reject_rule_change": NOT_GET,
    }
)
SAMPLE_ARGS.update(
    {
        "certificates.download_pdf": {"certificate_id": "00000000-0000-4000-8000-000000000000"},
        "certificates.download_json": {"certificate_id": "00000000-0000-4000-8000-000000000000"},
        "certificates.verify": {"code": "no-such-code-aaaaaaaaaaaa"},
        "certificates.status_list": {"list_id": 999999},
        "api_certificates.get_certificate": {"code": "no-such-code-aaaaaaaaaaaa"},
        "admin.approve": {"completion_id": 999999},
        "admin.reject": {"completion_id": 999999},
        "admin.revoke": {"certificate_id": "00000000-0000-4000-8000-000000000000"},
        "admin.reissue": {"certificate_id": "00000000-0000-4000-8000-000000000000"},
        "admin.set_role": {"user_id": 999999},
        "admin.deactivate": {"user_id": 999999},
        "admin.outbox_message": {"message_id": 999999},
        "admin.outbox_retry": {"message_id": 999999},
        "admin.apply_rule_change": {"change_id": 999999},
        "admin.reject_rule_change": {"change_id": 999999},
    }
)


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - EXPECTED.keys())
    assert not missing, f"Add these endpoints to EXPECTED in {__file__}: {missing}"
    stale = sorted(EXPECTED.keys() - endpoints)
    assert not stale, f"These endpoints no longer exist; remove them from EXPECTED: {stale}"


def _cases():
    for endpoint, expected in EXPECTED.items():
        for role in ROLES:
            yield pytest.param(endpoint, role, expected[role], id=f"{endpoint}-{role}")


@pytest.mark.parametrize(("endpoint", "role", "status"), list(_cases()))
def test_get_status_per_role(app, client, login_as, endpoint, role, status):
    if role != "anonymous":
        login_as(role)
    with app.test_request_context():
        url = url_for(endpoint, **SAMPLE_ARGS.get(endpoint, {}))
    response = client.get(url)
    response.close()  # static files are streamed from disk
    assert response.status_code == status, f"GET {url} as {role}"
    if status == LOGIN and role == "anonymous":
        assert "/login" in response.headers["Location"]
