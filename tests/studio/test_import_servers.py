"""A trial upload made through one app server is confirmed through another (issue 12: several
servers, no sticky sessions). Two ``create_app`` instances share the test database (the same
SQLite file, or the same PostgreSQL URL) and nothing else: each has its own instance folder and
its own engine. The upload lives in the database; neither instance folder keeps a file, and the
temporary folder a foreign format is read from is gone after each run.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.banks import models as bm
from app.banks.schema import Status
from app.extensions import db
from app.studio import imports
from app.studio.models import QuestionRevision, StudioUpload
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.studio.test_import_policy import confirm, confirm_token

pytestmark = pytest.mark.committed_db

GIFT = Path(__file__).resolve().parents[1] / "fixtures" / "gift" / "dna_sample.gift"


def _server(app: Flask, folder: Path) -> Flask:
    """Another app server on the test database, with an instance folder of its own."""
    folder.mkdir()
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],  # the same on every server (operations.md)
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": str(folder),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


class Scratch:
    """The temporary folders the import runs make (each under ``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: list[Path] = []

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        folder = TemporaryDirectory(*args, **kwargs)
        self.made.append(Path(folder.name))
        return folder


@pytest.fixture
def servers(app, committed_db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    scratch = Scratch(tmp_path / "tmp")
    scratch.root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch.root))  # where TemporaryDirectory goes
    monkeypatch.setattr(imports.tempfile, "TemporaryDirectory", scratch)
    pair = [_server(app, tmp_path / "server-a"), _server(app, tmp_path / "server-b")]
    yield pair, scratch
    for server in pair:
        with server.app_context():
            db.engine.dispose()


def test_an_upload_checked_on_one_server_is_confirmed_on_another(servers, committed_db):
    (server_a, server_b), scratch = servers
    user = factories.make_user("instructor")
    committed_db.commit()
    browser_a, browser_b = server_a.test_client(), server_b.test_client()
    assert login(browser_a, user.email).status_code == 302
    form = csrf_token_from(browser_a.get("/studio/import").get_data(as_text=True))
    r = browser_a.post(
        "/studio/import",
        data={"csrf_token": form, "file": (io.BytesIO(GIFT.read_bytes()), GIFT.name), "format": ""},
        content_type="multipart/form-data",
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Nothing can be imported" not in page, page
    token = confirm_token(page)
    row = committed_db.get(StudioUpload, token)
    assert row.user_id == user.id and row.fmt == "gift" and row.data == GIFT.read_bytes()
    assert not committed_db.scalars(sa.select(bm.Question)).all()  # a dry run only

    # The balancer sends the confirmation to the other server (cookies go with the browser).
    browser_b.set_cookie(
        "session", browser_a.get_cookie("session").value, domain="localhost"
    )  # one browser, two servers
    reply = confirm(browser_b, browser_b.get("/studio/import").get_data(as_text=True), token)
    assert reply.status_code == 302 and reply.location == "/studio/", reply.location

    committed_db.rollback()  # a new transaction sees what the servers committed
    questions = committed_db.scalars(sa.select(bm.Question)).all()
    assert questions and {q.status for q in questions} == {Status.DRAFT}
    assert {q.current_version.author_id for q in questions} == {user.id}
    revisions = committed_db.scalars(sa.select(QuestionRevision)).all()
    assert {r.content_id for r in revisions} == {q.id for q in questions}
    assert committed_db.get(StudioUpload, token) is None
    assert len(scratch.made) == 2  # the dry run on one server, the import on the other
    assert all(folder.parent == scratch.root for folder in scratch.made)
    assert _files(scratch.root) == []  # each deleted after its run
    for server in (server_a, server_b):
        assert _files(Path(server.config["INSTANCE_PATH"])) == []


def test_another_servers_confirmation_is_still_bound_to_the_uploader(servers, committed_db):
    (server_a, server_b), _ = servers
    owner, other = factories.make_user("instructor"), factories.make_user("instructor")
    committed_db.commit()
    browser_a, stranger = server_a.test_client(), server_b.test_client()
    login(browser_a, owner.email)
    login(stranger, other.email)
    form = csrf_token_from(browser_a.get("/studio/import").get_data(as_text=True))
    r = browser_a.post(
        "/studio/import",
        data={"csrf_token": form, "file": (io.BytesIO(GIFT.read_bytes()), GIFT.name), "format": ""},
        content_type="multipart/form-data",
    )
    token = confirm_token(r.get_data(as_text=True))
    page = stranger.get("/studio/import").get_data(as_text=True)
    assert confirm(stranger, page, token).status_code == 404
    committed_db.rollback()  # a new transaction sees what the servers committed
    assert committed_db.get(StudioUpload, token) is not None
    assert not committed_db.scalars(sa.select(bm.Question)).all()
