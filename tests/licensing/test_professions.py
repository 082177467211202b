"""Professions are ids from the one list on accounts; old free text is mapped."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import User
from app.jurisdictions.professions import PROFESSIONS
from tests.auth.test_cli import PASSWORD

MIGRATION = next(
    (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*_c47c60a6f4a2_*.py")
)


def _create(runner, *extra):
    return runner.invoke(
        args=["users", "create", "--email", "pt@example.org", "--name", "P T", "--role",
              "trainee", *extra],
        input=PASSWORD + "\n",
    )  # fmt: skip


def test_users_create_takes_a_profession_id_and_a_licence_date(runner, db_session):
    result = _create(runner, "--profession", "chiropractor", "--licensed-since", "2020-05-01")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(sa.select(User).where(User.email == "pt@example.org"))
    assert (user.profession, user.licensed_since) == ("chiropractor", date(2020, 5, 1))


@pytest.mark.parametrize(
    "extra", [["--profession", "Physiotherapist"], ["--licensed-since", "2020-13-01"]]
)
def test_users_create_refuses_free_text_and_bad_dates(runner, db_session, extra):
    result = _create(runner, *extra)
    assert result.exit_code == 2 and "Invalid value" in result.output
    assert db_session.scalar(sa.select(User).where(User.email == "pt@example.org")) is None


def test_the_services_refuse_an_unknown_profession_and_a_future_licence(db_session):
    with pytest.raises(services.UnknownProfession):
        services.parse_profession("plumber")
    with pytest.raises(Exception, match="between 1940 and today"):
        services.check_licensed_since(date(2999, 1, 1))


def test_the_migration_maps_old_free_text_to_ids():
    spec = importlib.util.spec_from_file_location("migration_c47c", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.PROFESSION_IDS) == set(PROFESSIONS)
    cases = {
        "Physiotherapist": "physical_therapist",
        " physical therapist ": "physical_therapist",
        "DC": "chiropractor",
        "Chiropractic physician": "chiropractor",
        "Athletic Trainer": "athletic_trainer",
        "Massage therapist": "other",
        "": "",
    }
    assert {text: module.profession_id(text) for text in cases} == cases


def test_the_admin_user_page_shows_the_profession_label(client, login_as):
    from tests.factories import make_user

    make_user("trainee", profession="occupational_therapist", licensed_since=date(2019, 1, 2))
    login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Occupational therapist" in page and "licensed since 2019-01-02" in page
