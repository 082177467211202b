"""A program's practical requirements change through the reviewed rule changes (four eyes)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import Forbidden, ValidationFailed
from app.rules import fields, services
from app.rules.fields import PROGRAM
from tests import factories
from tests.practical.helpers import practical_program


def test_requirements_are_proposed_as_text_and_applied_by_another_admin(db_session):
    program, _ = practical_program(db_session)
    proposer = factories.make_user("instructor")
    admin = factories.make_user("admin")
    current = services.current_values(PROGRAM, program)
    text = fields.show(PROGRAM, current)["requirements"]
    assert "logbook, sessions, 2, title=Supervised sessions" in text
    form = {"requirements": text + "\nlogbook, thorax, 5, region=thoracic, within_months=12"}
    proposed = fields.parse(PROGRAM, form, current)
    change = services.propose(db_session, proposer, PROGRAM, program.slug, proposed, "Thorax log")
    with pytest.raises(Forbidden):
        services.apply(db_session, proposer, change.id)
    services.apply(db_session, admin, change.id)
    db_session.refresh(program)
    assert program.requirements[-1] == {
        "kind": "logbook", "id": "thorax", "title": "Supervised sessions", "sessions": 5,
        "region": "thoracic", "within_months": 12,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hours, h, lots", "hours"),
        ("logbook, l, 5, region=elbow", "region"),
        ("juggling, j, 5", "juggling"),
        ("hours, h, 5, colour=red", "options of hours"),
    ],
)
def test_bad_requirement_lines_are_refused_naming_the_problem(db_session, text, message):
    program, _ = practical_program(db_session)
    current = services.current_values(PROGRAM, program)
    with pytest.raises(ValidationFailed, match=message):
        fields.parse(PROGRAM, {"requirements": text}, current)


def test_a_thorax_scope_without_a_practical_requirement_is_refused(db_session):
    program, _ = practical_program(db_session)
    proposer = factories.make_user("instructor")
    with pytest.raises(ValidationFailed, match="thoracic"):
        services.propose(
            db_session, proposer, PROGRAM, program.slug, {"scope_regions": ["thoracic"]}, "Scope"
        )


def test_the_studio_program_rules_page_shows_and_proposes_requirements(
    client, login_as, db_session
):
    program, _ = practical_program(db_session)
    db_session.commit()
    login_as("instructor")
    url = f"/studio/programs/{program.slug}/rules"
    page = client.get(url).get_data(as_text=True)
    assert "hours, psychomotor, 2, area=psychomotor, title=Psychomotor" in page
    assert 'name="supervisor_min_sessions"' in page and 'name="scope_regions"' in page
    from app.rules.models import RuleChange
    from tests.conftest import csrf_token_from

    response = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(page),
            "supervisor_min_sessions": "50",
            "reason": "Illinois asks for more experienced supervisors.",
        },
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)[-2000:]
    change = db_session.scalars(sa.select(RuleChange)).one()
    assert change.changes == {"supervisor_min_sessions": 50}
