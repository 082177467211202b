"""hypothesis over every HTML form: hostile input gets no 5xx and no partial write.

The forms are found by crawling the app as each role (``tests/fuzz/crawl.py``) on a seeded
database, so a form added by any route is fuzzed without being listed here. For each form,
``FUZZ_EXAMPLES`` submissions (25 by default, derandomized) fill its fields with hostile values
(``tests/fuzz/strategies.py``: NUL bytes, lone surrogates, huge and unicode text, huge,
negative and NaN numbers, bad files), leave some out, or add fields it does not have. Then:

- the answer is never a 5xx;
- a refused submission (4xx, or a redirect flashing an error) changes the row count of no
  table, except ``audit_events`` (failed logins and denied requests are recorded on purpose);
- an accepted one changes only the tables that form may write (``EXPECTED_WRITES``).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.test import encode_multipart

from app.banks import models as bm
from app.extensions import limiter
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.fuzz.conftest import EXAMPLES, table_counts
from tests.fuzz.crawl import FieldSpec, FormSpec, crawl
from tests.fuzz.strategies import (
    form_body,
    hostile_bytes,
    hostile_number,
    hostile_text,
    huge_text,
)

ROLES = ("anonymous", "trainee", "instructor", "admin")

# The forms the brief names: the crawl must find each of them (else the test fails).
REQUIRED = {
    ("auth.login", "POST"),
    ("auth.register", "POST"),
    ("auth.profile", "POST"),
    ("auth.password", "POST"),
    ("auth.create_token", "POST"),
    ("quiz.answer", "POST"),
    ("quiz.submit", "POST"),
    ("progress.answer", "POST"),
    ("studio.new_question", "POST"),
    ("studio.edit_revision", "POST"),
    ("studio.new_case", "POST"),
    ("studio.edit_case_revision", "POST"),
    ("studio.import_bank", "POST"),
    ("studio.standard_item", "POST"),  # judges rate item by item (issue 18)
    ("admin.approve", "POST"),
    ("admin.reject", "POST"),
    ("admin.revoke", "POST"),
    ("admin.set_role", "POST"),
    ("admin.deactivate", "POST"),
    ("certificates.verify_form", "GET"),
}

# Posted by script, not by a <form>: fuzzed with the fields of the form named first.
SCRIPTED = {
    ("quiz.answer", "POST"): ("quiz.autosave", "POST"),
}

REFUSED_MAY_WRITE = {"audit_events"}

CONTENT = {"questions", "question_versions", "cases", "case_versions", "case_steps", "media"}
AUTHORING = CONTENT | {"studio_authored_revisions", "studio_authored_comments"}
LEARNING = {"practice_answers", "review_cards", "review_logs", "topic_mastery", "objective_mastery"}
ISSUING = {"completions", "certificates", "certificate_pdfs", "serial_counters", "signing_keys"}
ISSUING = ISSUING | {"status_lists"}

# Tables whose row count an accepted submission may change (every form may also audit).
# A GET form changes nothing. A POST form not listed here is checked for 5xx and for refused
# submissions only: add it when you add the form.
EXPECTED_WRITES: dict[str, set[str]] = {
    "auth.login": set(),
    "auth.logout": set(),
    "auth.register": {"mail_outbox"},  # the account is made when the mailed link is followed
    "auth.profile": set(),
    "auth.password": set(),
    "auth.create_token": {"api_tokens"},
    "auth.revoke_token": {"api_tokens"},
    "quiz.start": {"attempts", "attempt_items"},
    "quiz.answer": {"attempt_items"} | LEARNING,
    "quiz.autosave": {"attempt_items"} | LEARNING,
    "quiz.submit": LEARNING | ISSUING,
    "progress.answer": LEARNING,
    "studio.new_question": AUTHORING,
    "studio.edit_revision": AUTHORING,
    "studio.new_case": AUTHORING,
    "studio.edit_case_revision": AUTHORING,
    "studio.revise_question": AUTHORING,
    "studio.revise_case": AUTHORING,
    "studio.import_bank": set(),  # the dry run: only the confirmation writes
    "studio.media": {"media"},
    "studio.standard_setting": {"studio_judgements"},
    "studio.standard_item": {"studio_judgements"},
    "studio.set_pass_mark": {"studio_pass_mark_decisions"},
    "admin.approve": ISSUING,
    "admin.reissue": ISSUING,
    "admin.reject": set(),
    "admin.revoke": set(),
    "admin.set_role": set(),
    "admin.deactivate": {"api_tokens"},
    # issue 12: rules are proposed (an admin applies them); the module preview records nothing
    "studio.module_rules": {"rule_changes"},
    "studio.program_rules": {"rule_changes"},
    "studio.draw_preview": set(),
    "studio.submit_revision": AUTHORING,
    "studio.submit_case_revision": AUTHORING,
    "studio.discard_revision": AUTHORING,
    "studio.discard_case_revision": AUTHORING,
    "studio.retire_question": AUTHORING,
    "studio.retire_case": AUTHORING,
    # issue 13: accounts by e-mail, enrolment, accommodations, the review queue
    "auth.forgot_password": {"mail_outbox"},
    "auth.reauth": set(),
    "admin.invite": {"users", "mail_outbox"},
    "admin.site_settings": {"site_settings"},
    "admin.settings_certificates": {"site_settings"},  # an empty field deletes its row
    "admin.settings_exams": {"site_settings"},
    "admin.settings_mail": {"site_settings"},
    "admin.settings_image": {"site_images"},
    "admin.settings_image_remove": {"site_images"},
    "admin.accommodation": {"accommodations", "mail_outbox"},
    "admin.bulk_approve": ISSUING,
    "enrolment.create_cohort": {"cohorts", "cohort_instructors"},
    "enrolment.add_instructor": {"cohort_instructors"},
    "enrolment.remove_instructor": {"cohort_instructors"},
    "enrolment.enrol": {"enrolments"},
    "enrolment.enrol_csv": {"enrolments"},
    "enrolment.withdraw": set(),  # the enrolment is closed, not removed
    "enrolment.withdraw_myself": set(),
    # practical competence (issue 15): new evidence may complete a program (ISSUING)
    "practical.logbook_page": {"logbook_entries"},
    "practical.hours_page": {"hours_entries"},
    "practical.decide": {"mail_outbox"} | ISSUING,  # a returned entry is mailed
    "practical.review": ISSUING,
    "practical.new_session": {"practice_sessions", "hours_entries"} | ISSUING,
    "practical.supervisors": {"supervisor_experience"},
    "osce.index": {"osce_performances"},
    "osce.new_station": {"osce_stations"},
    "osce.submit_station": set(),
    "osce.approve_station": set(),
    # issue 16: jurisdictions chosen; rule changes proposed, applied by another admin
    "licensing.choose": {"chosen_jurisdictions"},
    "licensing.propose": {"jurisdiction_rule_proposals"},
    "licensing.apply": {"jurisdiction_rules", "jurisdiction_rule_versions"},
    "licensing.reject": set(),
}

# Run last: they close the attempt, log out or take rows away from the forms after them.
LAST = ("submit", "logout", "deactivate", "delete", "retire", "discard", "withdraw", "revoke")


def _login(app, email: str | None) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        limiter.reset()
    if email is not None:
        assert login(client, email).status_code == 302
    return client


def _clients(app, seeded) -> dict[str, FlaskClient]:
    emails = {
        "anonymous": None,
        "trainee": seeded.trainee.email,
        "instructor": seeded.instructor.email,
        "admin": seeded.admin.email,
    }
    return {role: _login(app, emails[role]) for role in ROLES}


def _open_drafts(client: FlaskClient, db_session) -> None:
    """The instructor revises a published question and the case, so their edit forms show."""
    question_id = db_session.scalar(sa.select(bm.Question.id).where(bm.Question.key == "sc"))
    case_id = db_session.scalar(sa.select(bm.Case.id).where(bm.Case.key == "case-one"))
    token = csrf_token_from(client.get("/studio/").get_data(as_text=True))
    for url in (f"/studio/questions/{question_id}/revise", f"/studio/cases/{case_id}/revise"):
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, (url, response.status_code)


def _field_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    hostile = _hostile_value(spec)
    if spec.value and spec.kind not in ("submit", "file"):
        # The page's own value half the time (the seq of an answer, a token), so the other
        # fields' hostile values get past the first check and reach the services.
        return st.one_of(st.just(spec.value), hostile)
    return hostile


def _hostile_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "submit":
        return st.just(spec.value or "y")
    if spec.kind in ("select", "radio", "checkbox") and spec.choices:
        return st.one_of(st.sampled_from(spec.choices), hostile_text(huge=False))
    if spec.kind == "number":
        return hostile_number(huge=False)
    if spec.kind == "file":
        return st.tuples(hostile_bytes(), st.sampled_from(["bank.yaml", "a.gift", "x.jpg", "é"]))
    return st.one_of(hostile_text(huge=False), hostile_number(huge=False))


def _submission(form: FormSpec) -> st.SearchStrategy[dict[str, Any]]:
    fields = {
        name: st.one_of(st.none(), _field_value(spec))  # None: the field is left out
        for name, spec in form.fields.items()
        if name != "csrf_token"
    }
    smuggled = [
        name
        for name in ("role", "user_id", "score", "passed", "status", "author_id", "id")
        if name not in form.fields
    ]
    extra = st.dictionaries(st.sampled_from(smuggled), hostile_text(huge=False), max_size=2)
    csrf = st.sampled_from(["valid", "valid", "valid", "missing", "forged"])
    texts = sorted(n for n, f in form.fields.items() if f.kind not in ("submit", "file"))
    huge = (
        st.one_of(st.none(), st.tuples(st.sampled_from(texts), huge_text())) if texts else st.none()
    )
    return st.fixed_dictionaries(
        {"fields": st.fixed_dictionaries(fields), "extra": extra, "csrf": csrf, "huge": huge}
    )


def _send(form: FormSpec, client: FlaskClient, csrf: str, drawn: dict[str, Any]) -> Any:
    values = {k: v for k, v in {**drawn["fields"], **drawn["extra"]}.items() if v is not None}
    if drawn["huge"] is not None:  # one field at most is huge: the form stays affordable
        values[drawn["huge"][0]] = drawn["huge"][1]
    if drawn["csrf"] != "missing":
        values["csrf_token"] = csrf if drawn["csrf"] == "valid" else "forged-token"
    url = form.url
    if form.method == "GET":  # servers cap the request line (gunicorn: 4094 bytes)
        pairs = [(k, v[:2000]) for k, v in _text_pairs(values)]
        return client.get(url + "?" + form_body(pairs).decode())
    if form.multipart:
        data = {
            k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else _no_surrogates(v)
            for k, v in values.items()
        }
        # Encoded here, in memory: the test client would spool a large body to a temporary
        # file that it never closes.
        boundary, body = encode_multipart(data)
        return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return client.post(
        url,
        data=form_body(list(_text_pairs(values))),
        content_type="application/x-www-form-urlencoded",
    )


def _text_pairs(values: dict[str, Any]):
    for key, value in values.items():
        yield key, value if isinstance(value, str) else "file"


def _no_surrogates(value: Any) -> Any:
    return value.encode("utf-8", "replace").decode() if isinstance(value, str) else value


def _flashed_error(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return any(category == "error" for category, _ in session.get("_flashes", []))


def _forget_flashes(client: FlaskClient) -> None:
    """A refused submission's redirect is not followed, so its flashed error stays in the
    session: drop it, or the next (accepted) submission would be read as refused."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)


def _changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in after if after[name] != before.get(name)}


def _check_target(app, db_session, client: FlaskClient, form: FormSpec) -> None:
    page = client.get(form.page).get_data(as_text=True)
    csrf = csrf_token_from(page) if "csrf_token" in page else ""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(drawn=_submission(form))
    def submit(drawn: dict[str, Any]) -> None:
        with app.app_context():
            limiter.reset()
        _forget_flashes(client)
        before = table_counts(db_session)
        response = _send(form, client, csrf, drawn)
        after = table_counts(db_session)
        changed = _changed(before, after)
        status = response.status_code
        response.close()  # the test client's spooled upload is closed with the response
        assert status < 500, f"{status}: {response.get_data(as_text=True)[:300]}"
        refused = status >= 400 or (status in (301, 302, 303) and _flashed_error(client))
        if refused:
            assert changed <= REFUSED_MAY_WRITE, f"refused ({status}) but wrote {changed}"
        elif form.method == "GET" or form.endpoint in EXPECTED_WRITES:
            allowed = EXPECTED_WRITES.get(form.endpoint, set()) | REFUSED_MAY_WRITE
            assert changed <= allowed, f"accepted ({status}) and wrote {changed - allowed}"

    submit()


def _with_args(app, form: FormSpec, overrides: dict[str, Any]) -> str:
    """The form's address with some path arguments replaced (the query string kept; a fragment,
    such as the practice form's ``#verdict``, is never sent to the server and is dropped)."""
    path, _, query = form.url.split("#", 1)[0].partition("?")
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match(path, form.method)
    if not set(overrides) & set(args):
        return form.url
    url = adapter.build(endpoint, {**args, **{k: v for k, v in overrides.items() if k in args}})
    return url + ("?" + query if query else "")


def _targets(app, db_session, seeded) -> tuple[dict[str, FlaskClient], list[FormSpec]]:
    victim = factories.make_user("trainee")  # the admin forms act on this one
    db_session.commit()
    values = {**seeded.path_values(), "user_id": [victim.id]}
    clients = _clients(app, seeded)
    _open_drafts(clients["instructor"], db_session)
    found = crawl(app, clients, values, skip=lambda endpoint: endpoint == "auth.logout")
    for (endpoint, method, names), form in list(found.items()):
        scripted = SCRIPTED.get((endpoint, method))
        if scripted is not None:  # the same fields, posted by script to another address
            url = form.url.rstrip("/") + "/autosave"
            copy = FormSpec(scripted[0], scripted[1], url, form.role, form.page, form.fields)
            found[(scripted[0], scripted[1], names)] = copy
    for form in found.values():  # the admin forms act on the victim, never on the seeded users
        form.url = _with_args(app, form, {"user_id": victim.id})
    missing = REQUIRED - {(endpoint, method) for endpoint, method, _names in found}
    assert not missing, f"the crawl found no form for {sorted(missing)}"
    forms = sorted(found.values(), key=lambda f: (any(w in f.endpoint for w in LAST), f.endpoint))
    return clients, forms


# One test for every form (the crawl is done once): its time grows with FUZZ_EXAMPLES.
@pytest.mark.timeout(int(900 * max(1.0, EXAMPLES / 25)))
def test_every_form_refuses_hostile_input_without_5xx_or_partial_write(app, db_session, seeded):
    clients, forms = _targets(app, db_session, seeded)
    failures = []
    for form in forms:
        try:
            _check_target(app, db_session, clients[form.role], form)
        except Exception as exc:  # collect every form's failure, then report them all
            failures.append(f"{form.method} {form.url} ({form.endpoint}, {form.role}): {exc}")
    assert not failures, "\n\n".join(failures)
