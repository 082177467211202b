"""question_versions.use and case_versions.use: practice or exam, replacing the tag

Every question and case is a practice item or an exam item, never both (issue 12). The
``practice-only`` tag (in a question version's content tags and a case version's tags) becomes
``use = 'practice'`` and leaves the tags; every other version becomes ``use = 'exam'`` (it was
drawn in exams, so its key stays hidden). The content JSON of a question version gains its
``use`` so that the stored model and the column agree. A case's step versions take the case's
use. Downgrade puts the tag back on practice items and drops the column and the content key.

Revision ID: 7a3c9e51d2b8
Revises: 7a3c9e1f5b20
Create Date: 2026-12-03 14:40:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7a3c9e51d2b8"
down_revision = "7a3c9e1f5b20"
branch_labels = None
depends_on = None

TAG = "practice-only"
USES = ("practice", "exam")


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _column():
    # A plain ALTER TABLE ADD COLUMN on both databases: a batch "move and copy" of
    # question_versions on SQLite would DROP the old table, which its referencing rows
    # (questions, case steps, attempt items) refuse with foreign keys on. PostgreSQL gets
    # the enum's CHECK as the models declare it; SQLite relies on the models' validation.
    return sa.Column("use", sa.String(30), nullable=False, server_default="exam")


def _load(value):
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else value


def upgrade():
    for table in ("question_versions", "case_versions"):
        op.add_column(table, _column())
        if not _sqlite():
            op.create_check_constraint(
                op.f(f"ck_{table}_item_use"), table, sa.column("use").in_(USES)
            )
    conn = op.get_bind()
    qv = sa.table(
        "question_versions",
        sa.column("id", sa.Integer),
        sa.column("content", sa.JSON),
        sa.column("use", sa.String),
    )
    cv = sa.table(
        "case_versions",
        sa.column("id", sa.Integer),
        sa.column("tags", sa.JSON),
        sa.column("use", sa.String),
    )
    steps = sa.table(
        "case_steps",
        sa.column("case_version_id", sa.Integer),
        sa.column("question_version_id", sa.Integer),
    )
    step_use = {}
    for vid, tags in conn.execute(sa.select(cv.c.id, cv.c.tags)).all():
        tags = _load(tags) or []
        use = "practice" if TAG in tags else "exam"
        conn.execute(
            cv.update().where(cv.c.id == vid).values(use=use, tags=[t for t in tags if t != TAG])
        )
        for (qid,) in conn.execute(
            sa.select(steps.c.question_version_id).where(steps.c.case_version_id == vid)
        ).all():
            step_use[qid] = use
    for vid, content in conn.execute(sa.select(qv.c.id, qv.c.content)).all():
        content = dict(_load(content) or {})
        tags = list(content.get("tags") or [])
        use = step_use.get(vid, "practice" if TAG in tags else "exam")
        content["tags"] = [t for t in tags if t != TAG]
        content["use"] = use
        conn.execute(qv.update().where(qv.c.id == vid).values(use=use, content=content))


def downgrade():
    conn = op.get_bind()
    qv = sa.table(
        "question_versions",
        sa.column("id", sa.Integer),
        sa.column("content", sa.JSON),
        sa.column("use", sa.String),
    )
    cv = sa.table(
        "case_versions",
        sa.column("id", sa.Integer),
        sa.column("tags", sa.JSON),
        sa.column("use", sa.String),
    )
    for vid, tags, use in conn.execute(sa.select(cv.c.id, cv.c.tags, cv.c.use)).all():
        tags = [t for t in (_load(tags) or []) if t != TAG]
        if use == "practice":
            tags.append(TAG)
        conn.execute(cv.update().where(cv.c.id == vid).values(tags=tags))
    for vid, content, use in conn.execute(sa.select(qv.c.id, qv.c.content, qv.c.use)).all():
        content = dict(_load(content) or {})
        content.pop("use", None)
        tags = [t for t in (content.get("tags") or []) if t != TAG]
        if use == "practice":
            tags.append(TAG)
        content["tags"] = tags
        conn.execute(qv.update().where(qv.c.id == vid).values(content=content))
    for table in ("question_versions", "case_versions"):
        if not _sqlite():
            op.drop_constraint(op.f(f"ck_{table}_item_use"), table, type_="check")
        op.drop_column(table, "use")  # SQLite >= 3.35: a native DROP COLUMN, no table copy
