"""``flask backup create|restore`` as an operator runs them, and what they refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.ops import backup
from app.ops.backup import BackupError, create_backup, libpq_connection, restore_backup
from tests import factories
from tests.ops.databases import fresh_database, require_client_tools

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"


def _flask(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
    env.update(DATABASE_URL=url, INSTANCE_PATH=str(tmp_path / "instance"), SECRET_KEY="k")
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.committed_db
def test_create_then_restore_with_the_commands(app, db_session, runner, tmp_path):
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    require_client_tools(url)
    user = factories.make_user("admin", email="keeper@example.org")
    db_session.commit()
    path = tmp_path / "nightly.backup"

    made = runner.invoke(args=["backup", "create", str(path)])
    assert made.exit_code == 0, made.output
    assert path.is_file() and "backup written to" in made.output
    again = runner.invoke(args=["backup", "create", str(path)])
    assert again.exit_code == 1 and "already exists" in again.output

    with fresh_database(url, tmp_path) as target:
        restored = _flask(target, tmp_path, "backup", "restore", str(path))
        assert restored.returncode == 0, restored.stderr
        assert "rules hold" in restored.stdout
        engine = sa.create_engine(target)
        try:
            with engine.connect() as connection:
                emails = connection.execute(sa.text("SELECT email FROM users")).scalars().all()
        finally:
            engine.dispose()
        assert emails == [user.email]
        twice = _flask(target, tmp_path, "backup", "restore", str(path))
        assert twice.returncode == 1
        assert "already" in twice.stderr


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    target = tmp_path / "target.db"
    with pytest.raises(BackupError, match="not a usable SQLite backup"):
        restore_backup(junk, f"sqlite:///{target}", environ=os.environ)
    assert not target.exists()
    with pytest.raises(BackupError, match="does not exist"):
        restore_backup(tmp_path / "missing.db", f"sqlite:///{target}", environ=os.environ)


def test_create_refuses_bad_targets(tmp_path):
    source = f"sqlite:///{tmp_path / 'none.db'}"
    with pytest.raises(BackupError, match="does not exist"):
        create_backup(source, tmp_path / "out.db", environ=os.environ)
    with pytest.raises(BackupError, match="folder"):
        create_backup(source, tmp_path / "no-folder" / "out.db", environ=os.environ)
    with pytest.raises(BackupError, match="in-memory"):
        create_backup("sqlite://", tmp_path / "out.db", environ=os.environ)
    with pytest.raises(BackupError, match="not mysql"):
        create_backup("mysql://u@h/d", tmp_path / "out.db", environ=os.environ)
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_missing_pg_dump_is_said_plainly(tmp_path, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        create_backup(
            "postgresql+psycopg://u@127.0.0.1:1/d", tmp_path / "out.dump", environ=os.environ
        )
    assert list(tmp_path.iterdir()) == []


def test_libpq_connection_keeps_the_password_out_of_the_arguments():
    conninfo, env = libpq_connection(
        "postgresql+psycopg://dna:s3cr%27et@db.example:6543/academy?sslmode=require"
    )
    assert conninfo == (
        "dbname='academy' host='db.example' port='6543' user='dna' sslmode='require'"
    )
    assert env == {"PGPASSWORD": "s3cr'et"}
    assert "s3cr" not in conninfo
    assert libpq_connection("postgresql://localhost/o'k")[0] == ("dbname='o\\'k' host='localhost'")
