"""one revision workflow: revisions and review comments of every authored kind in one shape

The question revisions (``studio_revisions``, ``studio_review_comments``) and the case
revisions (``studio_case_revisions``, ``studio_case_review_comments``) move into
``studio_authored_revisions`` (``kind`` + ``content_id`` + ``version_id``) and
``studio_authored_comments``. Question revisions and comments keep their ids; case revisions
and comments are numbered after them (id + the highest question id), so the two sets never
collide. The downgrade moves every row back into the table of its kind (case rows keep the
ids they had in the new shape).

Revision ID: 6edd54fccf53
Revises: 5d1e0c2a9b7f
Create Date: 2026-12-03 11:42:08.158729

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6edd54fccf53"
down_revision = "5d1e0c2a9b7f"
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('draft', 'in_review')")
COLUMNS = "author_id, reviewer_id, state, created_at, updated_at, submitted_at, decided_at"
# old shape: (kind, revisions table, comments table, content column, content table, versions)
OLD = (
    ("question", "studio_revisions", "studio_review_comments", "question_id", "questions",
     "question_versions"),
    ("case", "studio_case_revisions", "studio_case_review_comments", "case_id", "cases",
     "case_versions"),
)  # fmt: skip


def _state() -> sa.Enum:
    return sa.Enum(
        "draft",
        "in_review",
        "published",
        "discarded",
        name="revision_state",
        native_enum=False,
        create_constraint=True,
        length=20,
    )


def _times() -> list[sa.Column]:
    return [
        sa.Column("state", _state(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _people(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f(f"fk_{table}_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f(f"fk_{table}_reviewer_id_users"),
            ondelete="SET NULL",
        ),
    ]


def _comments_table(table: str, revisions: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f(f"fk_{table}_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            [f"{revisions}.id"],
            name=op.f(f"fk_{table}_revision_id_{revisions}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_revision_id"), ["revision_id"], unique=False)


def _max_id(table: str) -> int:
    return op.get_bind().scalar(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))


def _reset_sequence(table: str) -> None:
    """After inserting explicit ids, PostgreSQL's sequence continues after the highest one."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def upgrade():
    op.create_table(
        "studio_authored_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        *_times(),
        *_people("studio_authored_revisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_authored_revisions")),
        sa.UniqueConstraint("kind", "version_id", name=op.f("uq_studio_authored_revisions_kind")),
    )
    with op.batch_alter_table("studio_authored_revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_studio_authored_revisions_content", ["kind", "content_id"], unique=False
        )
        batch_op.create_index(
            "uq_studio_authored_revisions_one_open",
            ["kind", "content_id"],
            unique=True,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
    _comments_table("studio_authored_comments", "studio_authored_revisions")

    revision_offset = comment_offset = 0
    for kind, revisions, comments, content, _, _ in OLD:
        op.execute(
            f"INSERT INTO studio_authored_revisions (id, kind, content_id, version_id, "
            f"base_version_id, {COLUMNS}) SELECT id + {revision_offset}, '{kind}', {content}, "
            f"version_id, base_version_id, {COLUMNS} FROM {revisions}"
        )
        op.execute(
            f"INSERT INTO studio_authored_comments (id, revision_id, author_id, kind, body, "
            f"created_at) SELECT id + {comment_offset}, revision_id + {revision_offset}, "
            f"author_id, kind, body, created_at FROM {comments}"
        )
        revision_offset += _max_id(revisions)
        comment_offset += _max_id(comments)
    _reset_sequence("studio_authored_revisions")
    _reset_sequence("studio_authored_comments")

    for _, revisions, comments, _, _, _ in OLD:
        op.drop_table(comments)
        op.drop_table(revisions)


def downgrade():
    for kind, revisions, comments, content, content_table, versions in OLD:
        op.create_table(
            revisions,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column(content, sa.Integer(), nullable=False),
            sa.Column("version_id", sa.Integer(), nullable=False),
            sa.Column("base_version_id", sa.Integer(), nullable=True),
            sa.Column("author_id", sa.Integer(), nullable=False),
            sa.Column("reviewer_id", sa.Integer(), nullable=True),
            *_times(),
            *_people(revisions),
            sa.ForeignKeyConstraint(
                ["base_version_id"],
                [f"{versions}.id"],
                name=op.f(f"fk_{revisions}_base_version_id_{versions}"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                [content],
                [f"{content_table}.id"],
                name=op.f(f"fk_{revisions}_{content}_{content_table}"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["version_id"],
                [f"{versions}.id"],
                name=op.f(f"fk_{revisions}_version_id_{versions}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{revisions}")),
            sa.UniqueConstraint("version_id", name=op.f(f"uq_{revisions}_version_id")),
        )
        with op.batch_alter_table(revisions, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{revisions}_{content}"), [content], unique=False)
            batch_op.create_index(
                f"uq_{revisions}_one_open",
                [content],
                unique=True,
                postgresql_where=OPEN,
                sqlite_where=OPEN,
            )
        _comments_table(comments, revisions)
        op.execute(
            f"INSERT INTO {revisions} (id, {content}, version_id, base_version_id, {COLUMNS}) "
            f"SELECT id, content_id, version_id, base_version_id, {COLUMNS} "
            f"FROM studio_authored_revisions WHERE kind = '{kind}'"
        )
        op.execute(
            f"INSERT INTO {comments} (id, revision_id, author_id, kind, body, created_at) "
            f"SELECT c.id, c.revision_id, c.author_id, c.kind, c.body, c.created_at "
            f"FROM studio_authored_comments c JOIN studio_authored_revisions r "
            f"ON r.id = c.revision_id WHERE r.kind = '{kind}'"
        )
        _reset_sequence(revisions)
        _reset_sequence(comments)

    with op.batch_alter_table("studio_authored_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_studio_authored_comments_revision_id"))
    op.drop_table("studio_authored_comments")
    with op.batch_alter_table("studio_authored_revisions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_studio_authored_revisions_one_open", postgresql_where=OPEN, sqlite_where=OPEN
        )
        batch_op.drop_index("ix_studio_authored_revisions_content")
    op.drop_table("studio_authored_revisions")
