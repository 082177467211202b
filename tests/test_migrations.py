"""Migrations: an empty database upgraded to head matches the models exactly."""

from datetime import datetime
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


# ---------------------------------------------------------------- one revision workflow

BEFORE_ONE_WORKFLOW = "5d1e0c2a9b7f"  # question and case revisions still in their own tables
OLD_COLUMNS = "author_id, reviewer_id, state, created_at, updated_at, submitted_at, decided_at"


def _fresh_app(tmp_path: Path, request):  # type: ignore[no-untyped-def]
    """An app on an empty database: a SQLite file, or a scratch schema on TEST_DATABASE_URL."""
    import os

    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        schema = "migration_check"
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

        def drop() -> None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            admin.dispose()

        request.addfinalizer(drop)
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path / 'workflow.db'}"
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path),
        }
    )

    def close() -> None:  # also when the test failed half-way: no connection left to the GC
        with fresh.app_context():
            db.session.remove()
            db.engine.dispose()

    request.addfinalizer(close)
    return fresh


def _old_user(session, email: str, role: str = "instructor", active: bool = True):  # type: ignore[no-untyped-def]
    """A user (an instructor by default) inserted with the columns ``users`` had at that
    revision only (the ORM model has gained columns since: e-mail confirmation, terms)."""
    from datetime import UTC, datetime

    from tests import factories

    users = sa.table(
        "users", *(sa.column(c) for c in (
            "id", "email", "name", "profession", "licence_number", "jurisdiction", "role",
            "password_hash", "is_active", "session_version", "created_at",
        ))
    )  # fmt: skip
    session.execute(
        users.insert().values(
            email=email, name=email, profession="", licence_number="", jurisdiction="",
            role=role, password_hash=factories.DEFAULT_PASSWORD, is_active=active,
            session_version=1, created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )  # fmt: skip
    user_id = session.scalar(sa.select(users.c.id).where(users.c.email == email))
    return type("OldUser", (), {"id": user_id})


def _old_program(session, slug: str):  # type: ignore[no-untyped-def]
    """A program inserted with the columns ``programs`` had before the requirements of
    issue 15 (the ORM model has gained columns since)."""
    from datetime import UTC, datetime

    programs = sa.table(
        "programs", *(sa.column(c) for c in (
            "id", "slug", "title", "description", "module_slugs", "final_exam_slug",
            "validity_months", "ce_hours", "requires_review", "renewal_module_slug",
            "serial_prefix", "updated_at",
        ))
    )  # fmt: skip
    session.execute(
        programs.insert().values(
            slug=slug, title=slug, description="", module_slugs=sa.literal([], sa.JSON),
            final_exam_slug=None, validity_months=24, ce_hours=1.0, requires_review=True,
            renewal_module_slug=None, serial_prefix="DNF",
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )  # fmt: skip
    program_id = session.scalar(sa.select(programs.c.id).where(programs.c.slug == slug))
    return type("OldProgram", (), {"id": program_id})


def _old_shape_content(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Two users, a question with two versions and a case with two versions (ORM: unchanged)."""
    from app.banks import models as bm
    from app.banks.schema import Difficulty, QuestionType, Status

    author = _old_user(session, "author@example.org")
    reviewer = _old_user(session, "reviewer@example.org")
    topic = bm.Topic(slug="mig", title="mig")
    session.add(topic)
    session.flush()
    question = bm.Question(key="mig-q", topic_id=topic.id, status=Status.PUBLISHED)
    case = bm.Case(key="mig-c", topic_id=topic.id, status=Status.PUBLISHED)
    session.add_all([question, case])
    session.flush()
    # Versions through lightweight tables: the models' later columns (``use``) do not exist
    # at this revision yet.
    qv = sa.table(
        "question_versions",
        *(sa.column(c) for c in ("id", "question_id", "version_no", "type", "difficulty")),
        sa.column("content", sa.JSON),
        sa.column("content_hash"),
        sa.column("created_at", sa.DateTime),
    )
    cv = sa.table(
        "case_versions",
        *(sa.column(c) for c in ("id", "case_id", "version_no", "title", "vignette")),
        *(sa.column(c) for c in ("difficulty", "content_hash")),
        sa.column("tags", sa.JSON),
        sa.column("created_at", sa.DateTime),
    )
    now = datetime(2026, 1, 1)
    q_ids = [
        session.execute(
            qv.insert()
            .values(
                question_id=question.id,
                version_no=n,
                type=QuestionType.SINGLE_CHOICE.value,
                difficulty=Difficulty.MEDIUM.value,
                content={"stem": f"v{n}"},
                content_hash=f"q{n}",
                created_at=now,
            )
            .returning(qv.c.id)
        ).scalar_one()
        for n in (1, 2)
    ]
    c_ids = [
        session.execute(
            cv.insert()
            .values(
                case_id=case.id,
                version_no=n,
                title=f"c{n}",
                vignette="v",
                difficulty=Difficulty.MEDIUM.value,
                content_hash=f"c{n}",
                tags=[],
                created_at=now,
            )
            .returning(cv.c.id)
        ).scalar_one()
        for n in (1, 2)
    ]
    session.flush()
    return {
        "author": author.id,
        "reviewer": reviewer.id,
        "question": question.id,
        "case": case.id,
        "q1": q_ids[0],
        "q2": q_ids[1],
        "c1": c_ids[0],
        "c2": c_ids[1],
    }


def _insert_old(conn, ids: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Question revisions 1 (published) and 2 (draft, with a comment); case revisions 1, 2."""
    at = "2026-11-20 10:00:00+00:00"
    rows = [
        ("studio_revisions", "question_id", 1, ids["question"], ids["q1"], None, "published"),
        ("studio_revisions", "question_id", 2, ids["question"], ids["q2"], ids["q1"], "draft"),
        ("studio_case_revisions", "case_id", 1, ids["case"], ids["c1"], None, "published"),
        ("studio_case_revisions", "case_id", 2, ids["case"], ids["c2"], ids["c1"], "in_review"),
    ]
    for table, content, rid, content_id, version, base, state in rows:
        conn.execute(
            sa.text(
                f"INSERT INTO {table} (id, {content}, version_id, base_version_id, "
                f"{OLD_COLUMNS}) VALUES (:id, :content, :version, :base, :author, :reviewer, "
                ":state, :at, :at, :at, NULL)"
            ),
            {
                "id": rid,
                "content": content_id,
                "version": version,
                "base": base,
                "author": ids["author"],
                "reviewer": ids["reviewer"],
                "state": state,
                "at": at,
            },
        )
    for table, cid, rid, kind, body in (
        ("studio_review_comments", 1, 1, "approve", "fine"),
        ("studio_review_comments", 2, 2, "request_changes", "cite it"),
        ("studio_case_review_comments", 1, 1, "approve", "case ok"),
    ):
        conn.execute(
            sa.text(
                f"INSERT INTO {table} (id, revision_id, author_id, kind, body, created_at) "
                "VALUES (:id, :rid, :author, :kind, :body, :at)"
            ),
            {
                "id": cid,
                "rid": rid,
                "author": ids["reviewer"],
                "kind": kind,
                "body": body,
                "at": at,
            },
        )


def _old_rows(conn) -> dict[str, set]:  # type: ignore[no-untyped-def]
    def rows(sql: str) -> set:
        return {tuple(r) for r in conn.execute(sa.text(sql))}

    return {
        "question": rows(
            "SELECT question_id, version_id, base_version_id, author_id, reviewer_id, state "
            "FROM studio_revisions"
        ),
        "case": rows(
            "SELECT case_id, version_id, base_version_id, author_id, reviewer_id, state "
            "FROM studio_case_revisions"
        ),
        "question comments": rows(
            "SELECT r.version_id, c.kind, c.body FROM studio_review_comments c "
            "JOIN studio_revisions r ON r.id = c.revision_id"
        ),
        "case comments": rows(
            "SELECT r.version_id, c.kind, c.body FROM studio_case_review_comments c "
            "JOIN studio_case_revisions r ON r.id = c.revision_id"
        ),
    }


def test_revisions_of_questions_and_cases_move_into_one_shape_and_back(tmp_path, request):
    """Upgrade a database holding revisions in the old two-table shape; downgrade it back."""
    from app.studio import workflow
    from app.studio.kinds import CASE, QUESTION
    from app.studio.models import CaseRevision, QuestionRevision, Revision, RevisionState

    fresh = _fresh_app(tmp_path, request)
    with fresh.app_context():
        upgrade(revision=BEFORE_ONE_WORKFLOW)
        ids = _old_shape_content(db.session)
        db.session.commit()
        with db.engine.begin() as conn:
            _insert_old(conn, ids)
            before = _old_rows(conn)
        assert len(before["question"]) == 2 and len(before["case"]) == 2

        upgrade()
        assert _diff(db.engine) == []
        names = sa.inspect(db.engine).get_table_names()
        assert "studio_revisions" not in names and "studio_case_revisions" not in names
        revisions = list(db.session.scalars(sa.select(Revision).order_by(Revision.id)))
        assert [(type(r), r.kind) for r in revisions] == [
            (QuestionRevision, "question"),
            (QuestionRevision, "question"),
            (CaseRevision, "case"),
            (CaseRevision, "case"),
        ]
        assert [r.id for r in revisions] == [1, 2, 3, 4]  # case revisions numbered after
        q1, q2, c1, c2 = revisions
        assert (q2.question.key, q2.version.id, q2.base_version_id) == (
            "mig-q",
            ids["q2"],
            ids["q1"],
        )
        assert (c2.case.key, c2.version.id, c2.state.value) == ("mig-c", ids["c2"], "in_review")
        assert [(c.kind, c.body) for c in q2.comments] == [("request_changes", "cite it")]
        assert [(c.kind, c.body) for c in c1.comments] == [("approve", "case ok")]
        assert workflow.revisions_of(db.session, QUESTION, ids["question"]) == [q1, q2]
        assert workflow.revisions_of(db.session, CASE, ids["case"]) == [c1, c2]
        # New rows continue after the moved ones (PostgreSQL's sequences were moved on).
        extra = QuestionRevision(
            content_id=ids["question"],
            version_id=-1,
            author_id=ids["author"],
            state=RevisionState.DISCARDED,
        )
        db.session.add(extra)
        db.session.flush()
        assert extra.id == 5
        db.session.rollback()
        db.session.close()

        downgrade(revision=BEFORE_ONE_WORKFLOW)
        with db.engine.connect() as conn:
            assert _old_rows(conn) == before
        assert "studio_authored_revisions" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


# ---------------------------------------------------------------- seeded with certificates

CERTIFICATES_CREATED = "049cacecf0ae"  # below this revision the certificate tables do not exist


def _certificate_rows(session) -> list[tuple]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        sa.text(
            "SELECT serial, code, revoked_at IS NOT NULL, superseded_at IS NOT NULL, "
            "previous_id IS NOT NULL FROM certificates ORDER BY serial"
        )
    )
    return [tuple(r) for r in rows]


def test_every_migration_since_certificates_downgrades_and_upgrades_with_them_seeded(
    tmp_path: Path, request
):
    """Issue 12: the SQLite downgrade failed once re-issued certificates existed. With
    certificates issued, re-issued and revoked, each migration above the one that creates
    them goes down and up again, on SQLite and PostgreSQL, and nothing is lost."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    from app.audit.services import verify
    from app.certificates import services as certs
    from app.settings import get_settings
    from tests import factories
    from tests.certificates.helpers import make_attempt, make_program

    fresh = _fresh_app(tmp_path, request)
    with fresh.app_context():
        upgrade()
        session = db.session
        issuer = get_settings().issuer
        admin = factories.make_user("admin", session=session)
        program, modules, _ = make_program(session)
        certificates = []
        for _ in range(2):
            trainee = factories.make_user("trainee", session=session)
            for module in modules:
                make_attempt(session, trainee, module)
            completion = certs.record_completion(session, trainee, program, settings=issuer)
            certificates.append(
                certs.approve_completion(session, admin, completion.id, settings=issuer)
            )
        certs.reissue_certificate(session, admin, certificates[0].id, settings=issuer)
        certs.revoke_certificate(session, admin, certificates[1].id, "test", settings=issuer)
        session.commit()
        before = _certificate_rows(session)
        assert len(before) == 3 and any(r[2] for r in before) and any(r[4] for r in before)

        config = Migrate(fresh, db).get_config()
        script = ScriptDirectory.from_config(config)
        steps = []
        for rev in script.walk_revisions():
            if rev.revision == CERTIFICATES_CREATED:
                break
            steps.append(rev)
        assert steps, "no migration above the certificates"
        for rev in steps:
            session.remove()
            downgrade(revision=rev.down_revision)
            upgrade()
            assert _certificate_rows(db.session) == before, rev.revision
        count, breaks = verify(db.session)
        assert count > 0 and breaks == []
        assert _diff(db.engine) == []
        db.session.remove()
        downgrade(revision="base")  # the whole way down, certificates and all
        upgrade()
        assert _diff(db.engine) == []
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------- enrolments (issue 13)

BEFORE_ENROLMENTS = "7a3c9e51d2b8"


def test_the_enrolment_upgrade_enrols_active_trainees_in_every_program(tmp_path: Path, request):
    """Before it every active trainee counted as enrolled everywhere: nobody loses modules."""
    fresh = _fresh_app(tmp_path, request)
    with fresh.app_context():
        upgrade(revision=BEFORE_ENROLMENTS)
        session = db.session
        trainee = _old_user(session, "t1@example.org", role="trainee")
        _old_user(session, "t2@example.org", role="trainee", active=False)
        _old_user(session, "i1@example.org")
        first = _old_program(session, "program-a")
        second = _old_program(session, "program-b")
        expected = [(trainee.id, first.id, "active", None), (trainee.id, second.id, "active", None)]
        session.commit()
        session.remove()
        upgrade()
        rows = db.session.execute(
            sa.text("SELECT user_id, program_id, state, cohort_id, enrolled_at FROM enrolments")
        ).all()
        assert sorted((r[0], r[1], r[2], r[3]) for r in rows) == expected
        from app.enrolment.models import Enrolment

        loaded = db.session.scalars(sa.select(Enrolment)).all()
        assert all(e.enrolled_at.tzinfo is not None for e in loaded)
        db.session.remove()
        downgrade(revision=BEFORE_ENROLMENTS)
        assert "enrolments" not in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------- indexes of issue 19

FIRST_ATTEMPTS = (  # app/analysis/item_analysis.py's first-attempt subquery, as SQL
    "SELECT user_id, min(attempt_no) FROM attempts WHERE module_id = 1 AND mode = 'exam' "
    "GROUP BY user_id"
)


def test_one_modules_attempts_are_found_by_index(app, db_session):
    """Item analysis reads one module's first attempts: ix_attempts_module_user (migration
    a4c8e2f61d93) leads by module, so the other modules' attempts are not read."""
    indexes = {
        i["name"]: i["column_names"] for i in sa.inspect(db_session.bind).get_indexes("attempts")
    }
    assert indexes["ix_attempts_module_user"] == ["module_id", "user_id", "attempt_no"]
    if db_session.bind.dialect.name == "sqlite":
        plan = db_session.execute(sa.text(f"EXPLAIN QUERY PLAN {FIRST_ATTEMPTS}")).all()
        assert any("ix_attempts_module_user" in row[-1] for row in plan), plan
