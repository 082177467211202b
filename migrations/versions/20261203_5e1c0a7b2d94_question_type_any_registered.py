"""question_versions.type: any registered question type (drop the CHECK of the nine names)

The question types now come from the registry (app/questions/types/<id>/): the content
models check the type, so that adding a type needs no migration.

Revision ID: 5e1c0a7b2d94
Revises: 6edd54fccf53
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e1c0a7b2d94"
down_revision = "6edd54fccf53"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_question_versions_question_type"
TYPES_BEFORE = (
    "single_choice",
    "multiple_response",
    "true_false",
    "matching",
    "ordering",
    "numeric",
    "hotspot",
    "short_answer",
    "script_concordance",
)


def upgrade():
    with op.batch_alter_table("question_versions") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")


def downgrade():
    names = ", ".join(f"'{t}'" for t in TYPES_BEFORE)
    with op.batch_alter_table("question_versions") as batch:
        batch.create_check_constraint("question_type", sa.text(f"type IN ({names})"))
