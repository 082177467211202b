"""Migrations: an empty database upgraded to head matches the models exactly."""

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db


def _diff(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgraded_test_database_matches_the_models(app):
    """The session database (upgraded from empty by conftest, on SQLite or PostgreSQL)."""
    with app.app_context():
        assert _diff(db.engine) == []


def test_fresh_sqlite_upgrade_downgrade_upgrade(tmp_path: Path):
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    with fresh.app_context():
        upgrade()
        assert _diff(db.engine) == []
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert _diff(db.engine) == []
        db.engine.dispose()


def test_migration_files_are_date_prefixed():
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    for path in versions.glob("*.py"):
        assert path.name[:8].isdigit() and path.name[8] == "_", path.name
