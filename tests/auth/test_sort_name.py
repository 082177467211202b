"""``users.sort_name`` (the cohort view's order) follows the name through every writer: the
ORM (creation, a profile edit) and a Core bulk insert (app/benchseed)."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import Role, User, name_sort_key
from tests import factories


def _stored(db_session, user_id):
    return db_session.execute(sa.select(User.sort_name).where(User.id == user_id)).scalar_one()


def test_the_orm_keeps_it_on_create_and_on_edit(db_session):
    user = factories.make_user("trainee", name="Émile ZOLA")
    db_session.flush()
    assert _stored(db_session, user.id) == "émile zola" == name_sort_key("Émile ZOLA")
    user.name = "İlkay Ößwald"
    db_session.flush()
    assert _stored(db_session, user.id) == "İlkay Ößwald".lower()


def test_a_core_insert_gets_it_from_the_name(db_session):
    rows = [
        {"email": f"core{i}@example.org", "name": name, "role": Role.TRAINEE, "password_hash": "x"}
        for i, name in enumerate(["ÅSA Berg", "bob STONE"])
    ]
    ids = db_session.execute(
        sa.insert(User).returning(User.id, sort_by_parameter_order=True), rows
    ).scalars()
    assert [_stored(db_session, i) for i in ids] == ["åsa berg", "bob stone"]
