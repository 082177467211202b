"""The studio's import writes only the importer's own drafts (issue 12), on both databases.

The attacks of issue 12: an instructor's studio import of a published question with a changed
key, of a module with pass mark 0 and review off, of a program without review, changes none of
them and publishes nothing; the audit log shows what was skipped. Also: another instructor's
draft is untouched, the importer's own never-published draft is updated, trial uploads (rows
of ``studio_uploads``, never files) are bound to their user, confirm once and are cleaned up,
and errors never show a server path.
"""

from __future__ import annotations

import io
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import clock
from app.audit.models import AuditEvent
from app.banks import models as bm
from app.banks.loader import BankFileInvalid, BankProblem, load_text
from app.banks.schema import QUESTION_ADAPTER, Status
from app.banks.services import import_bank
from app.studio import imports, services, workflow
from app.studio.kinds import QUESTION
from app.studio.models import CaseRevision, QuestionRevision, RevisionState, StudioUpload
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.studio.conftest import single_choice
from tests.studio.test_cases import twin_yaml

BANK = """
topics:
  - {{id: atk, title: Attack surface}}
questions:
  - key: atk-q
    type: single_choice
    topic: atk
    status: published
    stem: {stem}
    references: ["Source 2020. Title."]
    options:
      - {{id: a, text: First, correct: {a}}}
      - {{id: b, text: Second, correct: {b}}}
modules:
  - slug: atk-exam
    title: Attack exam
    mode: exam
    blueprint: [{{topic: atk, count: 1}}]
    pass_mark: {pass_mark}
    review_policy: {review}
    attempt_limit: {attempts}
programs:
  - slug: atk-prog
    title: Attack program
    modules: [atk-exam]
    final_exam: atk-exam
    validity_months: {validity}
    ce_hours: 10
    requires_review: {requires_review}
"""
ORIGINAL = BANK.format(
    stem="Which is right?",
    a="true",
    b="false",
    pass_mark=70,
    review="score",
    attempts=2,
    validity=24,
    requires_review="true",
)
ATTACK = BANK.format(
    stem="Which is right now?",
    a="false",
    b="true",
    pass_mark=0,
    review="full",
    attempts=99,
    validity=999,
    requires_review="false",
)


@pytest.fixture
def instructor(client, db_session):
    user = factories.make_user("instructor")
    db_session.commit()
    assert login(client, user.email).status_code == 302
    return user


def upload(client, text: str | bytes, filename: str = "bank.yaml", fmt: str = ""):
    token = csrf_token_from(client.get("/studio/import").get_data(as_text=True))
    body = text.encode() if isinstance(text, str) else text
    return client.post(
        "/studio/import",
        data={"csrf_token": token, "file": (io.BytesIO(body), filename), "format": fmt},
        content_type="multipart/form-data",
    )


def confirm_token(page: str) -> str:
    return page.split('name="token" type="hidden" value="')[1].split('"')[0]


def confirm(client, page: str, token: str | None = None):
    return client.post(
        "/studio/import/confirm",
        data={"csrf_token": csrf_token_from(page), "token": token or confirm_token(page)},
    )


def import_and_confirm(client, text: str) -> str:
    r = upload(client, text)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Nothing can be imported" not in page, page
    assert confirm(client, page).status_code == 302
    return page


def snapshot(session) -> dict:
    """Everything the attack aims at, as plain values."""
    session.expire_all()
    q = session.scalar(sa.select(bm.Question).where(bm.Question.key == "atk-q"))
    module = session.scalar(sa.select(bm.Module).where(bm.Module.slug == "atk-exam"))
    program = session.scalar(sa.select(bm.Program).where(bm.Program.slug == "atk-prog"))
    return {
        "question": (q.status, q.current_version_id, q.current_version.content_hash),
        "versions": session.scalar(
            sa.select(sa.func.count()).where(bm.QuestionVersion.question_id == q.id)
        ),
        "module": (
            module.pass_mark,
            module.review_policy,
            module.attempt_limit,
            module.updated_at,
        ),
        "program": (program.requires_review, program.validity_months, program.updated_at),
        "published": sorted(
            session.scalars(
                sa.select(bm.Question.key).where(bm.Question.status == Status.PUBLISHED)
            )
        ),
    }


def last_import_event(session) -> AuditEvent:
    return session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "studio.import")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def test_an_instructors_import_changes_no_published_question_module_or_program(
    instructor, client, db_session
):
    import_bank(db_session, load_text(ORIGINAL, name="original.yaml"))
    db_session.commit()
    before = snapshot(db_session)
    r = upload(client, ATTACK)
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "question atk-q: exists: start a revision in the studio" in page
    assert "module atk-exam: modules and programs change through a reviewed rule change" in page
    assert "program atk-prog: modules and programs change through a reviewed rule change" in page
    assert "0 created, 0 updated" in page
    assert confirm(client, page).status_code == 302
    assert snapshot(db_session) == before
    assert before["module"][:3] == (70.0, "score", 2)
    assert before["program"][:2] == (True, 24)
    event = last_import_event(db_session)
    assert event.actor_id == instructor.id
    assert event.details["policy"] == "studio" and event.details["skipped"] == 3
    skipped = {row["row"]: row["reason"] for row in event.details["rows"]}
    assert skipped == {
        "question atk-q": imports.EXISTS,
        "module atk-exam": imports.RULES,
        "program atk-prog": imports.RULES,
    }
    assert not db_session.scalars(
        sa.select(bm.QuestionVersion).where(bm.QuestionVersion.author_id == instructor.id)
    ).all()


def test_a_new_key_becomes_the_importers_draft_whatever_the_file_says(
    instructor, client, db_session
):
    page = import_and_confirm(client, ATTACK.split("modules:")[0])
    assert "question atk-q: the file says &#39;published&#39;: imported as a draft" in page
    db_session.expire_all()
    q = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "atk-q"))
    assert q.status == Status.DRAFT
    assert q.current_version.author_id == instructor.id and q.current_version.version_no == 1
    revision = db_session.scalar(
        sa.select(QuestionRevision).where(QuestionRevision.content_id == q.id)
    )
    assert revision.author_id == instructor.id and revision.state == RevisionState.DRAFT
    assert revision.version_id == q.current_version_id and revision.base_version_id is None
    assert db_session.scalar(sa.select(bm.Topic).where(bm.Topic.slug == "atk")) is not None
    assert db_session.scalar(sa.select(bm.Module).where(bm.Module.slug == "atk-exam")) is None
    row = last_import_event(db_session).details["rows"]
    created = [r for r in row if r["change"] == "created"]
    assert {r["row"] for r in created} == {"topic atk", "question atk-q"}
    assert next(r for r in created if r["row"] == "question atk-q")["revision"] == revision.id


def test_a_new_case_becomes_a_draft_and_a_taken_step_key_is_skipped(
    instructor, client, build, db_session
):
    build.question(single_choice("taken-s1"))
    db_session.commit()
    import_and_confirm(client, twin_yaml("imp-case", build.topic.slug))
    db_session.expire_all()
    case = db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "imp-case"))
    assert case.status == Status.DRAFT
    steps = db_session.scalars(sa.select(bm.Question).where(bm.Question.case_id == case.id)).all()
    assert {q.status for q in steps} == {Status.DRAFT} and len(steps) == 2
    revision = db_session.scalar(sa.select(CaseRevision).where(CaseRevision.content_id == case.id))
    assert revision.author_id == instructor.id and revision.version_id == case.current_version_id

    page = upload(client, twin_yaml("taken", build.topic.slug)).get_data(as_text=True)
    assert "case taken: a step&#39;s question key exists (taken-s1): choose another" in page
    confirm(client, page)
    assert db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "taken")) is None


def _draft(session, user, key: str, stem: str):
    question = QUESTION_ADAPTER.validate_python(single_choice(key, stem=stem))
    topic = session.scalar(sa.select(bm.Topic).where(bm.Topic.slug == "studio-topic"))
    return services.create_question(session, user, topic.id, question)


def _yaml(*keys: str, stem: str) -> str:
    body = "".join(
        f"""
  - key: {key}
    type: single_choice
    topic: studio-topic
    stem: {stem}
    references: ["Ref 2020"]
    options:
      - {{id: a, text: Option 0, correct: true}}
      - {{id: b, text: Option 1}}"""
        for key in keys
    )
    return "questions:" + body + "\n"


def test_only_the_importers_own_never_published_draft_is_updated(
    instructor, client, build, db_session
):
    other = factories.make_user("instructor")
    theirs = _draft(db_session, other, "their-draft", "Their stem?")
    mine = _draft(db_session, instructor, "my-draft", "My stem?")
    in_review = _draft(db_session, instructor, "my-review", "In review?")
    workflow.submit(db_session, instructor, QUESTION, in_review.id)
    db_session.commit()
    their_hash = theirs.version.content_hash
    review_hash = in_review.version.content_hash

    page = import_and_confirm(client, _yaml("their-draft", "my-draft", "my-review", stem="New?"))
    assert "question their-draft: exists: start a revision in the studio" in page
    assert "question my-review: exists: start a revision in the studio" in page
    db_session.expire_all()
    theirs = db_session.get(QuestionRevision, theirs.id)
    assert theirs.version.content_hash == their_hash and theirs.version.author_id == other.id
    assert db_session.get(QuestionRevision, in_review.id).version.content_hash == review_hash
    mine = db_session.get(QuestionRevision, mine.id)
    assert mine.state == RevisionState.DRAFT and mine.version.version_no == 1
    assert mine.version.content["stem"] == "New?"
    assert mine.question.current_version_id == mine.version_id
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).where(bm.QuestionVersion.question_id == mine.question_id)
        )
        == 1
    )
    rows = {r["row"]: r for r in last_import_event(db_session).details["rows"]}
    assert rows["question my-draft"]["change"] == "updated"
    assert rows["question my-draft"]["revision"] == mine.id
    assert rows["question their-draft"]["change"] == "skipped"


def uploads(session) -> set[str]:
    """The tokens of the trial uploads kept in the database."""
    session.expire_all()
    return set(session.scalars(sa.select(StudioUpload.token)))


def _files(app) -> set[str]:
    """Every file under the instance folder (a trial upload never lands there)."""
    folder = Path(app.config["INSTANCE_PATH"])
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_a_confirmation_token_is_bound_to_its_uploader(instructor, client, build, db_session, app):
    page = upload(client, _yaml("bound-q", stem="Bound?")).get_data(as_text=True)
    token = confirm_token(page)
    assert uploads(db_session) == {token}
    row = db_session.get(StudioUpload, token)
    assert row.user_id == instructor.id and row.name == "bank.yaml" and row.fmt == "yaml"
    assert b"bound-q" in row.data and row.topic == "imported"
    other = factories.make_user("instructor")
    db_session.commit()
    stranger = app.test_client()
    login(stranger, other.email)
    form_page = stranger.get("/studio/import").get_data(as_text=True)
    assert confirm(stranger, form_page, token).status_code == 404
    assert uploads(db_session) == {token}
    assert db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "bound-q")) is None
    assert confirm(client, page).status_code == 302
    assert uploads(db_session) == set()
    assert db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "bound-q"))


def test_a_token_confirms_once(instructor, client, build, db_session):
    page = upload(client, _yaml("once-q", stem="Once?")).get_data(as_text=True)
    assert confirm(client, page).status_code == 302
    assert confirm(client, page).status_code == 404
    count = sa.select(sa.func.count()).where(bm.Question.key == "once-q")
    assert db_session.scalar(count) == 1
    versions = sa.select(sa.func.count()).where(
        bm.QuestionVersion.question_id
        == sa.select(bm.Question.id).where(bm.Question.key == "once-q").scalar_subquery()
    )
    assert db_session.scalar(versions) == 1


def test_a_failed_upload_keeps_nothing_and_old_ones_are_swept(
    instructor, client, build, app, db_session
):
    files = _files(app)
    r = upload(client, "questions: [unclosed", "broken.yaml")
    assert "Nothing can be imported" in r.get_data(as_text=True)
    assert uploads(db_session) == set()

    old = clock.utcnow() - timedelta(seconds=imports.UPLOAD_MAX_AGE + 60)
    recent = clock.utcnow() - timedelta(seconds=imports.UPLOAD_MAX_AGE - 60)
    for token, when in (("f" * 32, old), ("e" * 32, recent)):
        stale = imports.Upload(token, "yaml", "imported", "old.yaml", instructor.id, b"old")
        imports.save_upload(db_session, stale, now=when)
    db_session.commit()
    assert uploads(db_session) == {"f" * 32, "e" * 32}
    fresh = confirm_token(upload(client, _yaml("fresh-q", stem="Fresh?")).get_data(as_text=True))
    assert uploads(db_session) == {"e" * 32, fresh}
    assert _files(app) == files


def test_a_confirmation_that_cannot_import_deletes_its_upload(
    instructor, client, build, db_session, monkeypatch
):
    page = upload(client, _yaml("late-q", stem="Late?")).get_data(as_text=True)
    assert uploads(db_session) == {confirm_token(page)}

    def invalid(*args, **kwargs):
        raise BankFileInvalid([BankProblem("bank.yaml", "changed since its check")])

    monkeypatch.setattr(imports, "run", invalid)
    r = confirm(client, page)
    assert r.status_code == 400
    assert "bank.yaml: changed since its check" in r.get_data(as_text=True)
    assert uploads(db_session) == set()
    assert db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "late-q")) is None


def test_an_upload_larger_than_the_request_limit_is_refused(
    instructor, client, build, app, db_session
):
    body = _yaml("big-q", stem="Big?").encode()
    old = app.config["MAX_CONTENT_LENGTH"]
    try:
        app.config["MAX_CONTENT_LENGTH"] = len(body) + 4096  # the form's fields fit, not more
        assert upload(client, body + b"#" * 4096).status_code == 413
        assert uploads(db_session) == set()
        assert upload(client, body).status_code == 200
        assert len(uploads(db_session)) == 1
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old


def test_a_new_upload_is_capped_by_the_limit_given(instructor):
    """The request limit answers first (above); the upload checks it again before keeping it."""
    with pytest.raises(imports.UploadTooLarge):
        imports.new_upload(instructor, b"x" * 11, "yaml", "t", "a.yaml", max_bytes=10)
    assert imports.new_upload(instructor, b"x" * 10, "yaml", "t", "a.yaml", 10).data == b"x" * 10


BAD_UPLOADS = [
    ("broken.yaml", "", b"questions: [unclosed"),
    ("broken.yaml", "", b"\xff\xfe not utf-8"),
    ("broken.gift.txt", "gift", b"::q1:: What? {=right ~wrong\n"),
    ("broken.xml", "moodle-xml", b"<quiz><question type='multichoice'>"),
    ("broken.zip", "qti", b"PK\x03\x04 not a zip"),
]


@pytest.mark.parametrize(("filename", "fmt", "data"), BAD_UPLOADS)
def test_import_errors_name_the_users_file_never_a_server_path(
    instructor, client, app, db_session, filename, fmt, data
):
    before = _files(app)
    r = upload(client, data, filename, fmt)
    page = r.get_data(as_text=True)
    assert "Nothing can be imported" in page
    assert filename in page
    instance = str(Path(app.config["INSTANCE_PATH"]))
    for leak in (instance, "studio-import", "/tmp", tempfile.gettempdir(), str(Path.cwd())):
        assert leak not in page
    assert _files(app) == before
    assert uploads(db_session) == set()


def test_the_importers_own_draft_case_is_updated_in_place(instructor, client, build, db_session):
    import_and_confirm(client, twin_yaml("own-case", build.topic.slug))
    db_session.expire_all()
    case = db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "own-case"))
    revision = db_session.scalar(sa.select(CaseRevision).where(CaseRevision.content_id == case.id))
    changed = twin_yaml("own-case", build.topic.slug).replace("Lateral hip pain", "Hip pain")
    page = import_and_confirm(client, changed)
    assert "case own-case" in page
    db_session.expire_all()
    revision = db_session.get(CaseRevision, revision.id)
    assert revision.state == RevisionState.DRAFT and revision.version.title == "Hip pain"
    assert revision.version.version_no == 1 and case.current_version_id == revision.version_id
    versions = db_session.scalars(
        sa.select(bm.CaseVersion).where(bm.CaseVersion.case_id == case.id)
    ).all()
    assert [v.id for v in versions] == [revision.version_id]
    rows = {r["row"]: r for r in last_import_event(db_session).details["rows"]}
    assert rows["case own-case"]["change"] == "updated"
    assert rows["case own-case"]["revision"] == revision.id


def test_a_skipped_key_gets_no_imported_as_a_draft_note(instructor, client, db_session):
    import_bank(db_session, load_text(ORIGINAL, name="original.yaml"))
    db_session.commit()
    page = upload(client, ATTACK).get_data(as_text=True)
    assert "exists: start a revision in the studio" in page
    assert "imported as a draft" not in page
