"""The interface language and time zone: account settings, the switcher, the browser's zone."""

import pytest

from app.auth.models import User
from tests.conftest import csrf_token_from

PROFILE = {
    "name": "Ada Clinician",
    "profession": "physical_therapist",
    "licence_number": "PT-1",
    "jurisdiction": "Ontario",
}


def _fresh(db_session, user):
    db_session.expire_all()
    return db_session.get(User, user.id)


def test_profile_keeps_language_and_time_zone(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    data = {**PROFILE, "locale": "fr_CA", "time_zone": "America/Montreal", "csrf_token": token}
    response = client.post("/profile", data=data)
    assert response.status_code == 302
    fresh = _fresh(db_session, user)
    assert (fresh.locale, fresh.time_zone) == ("fr_CA", "America/Montreal")
    page = client.get("/profile").get_data(as_text=True)
    assert '<html lang="fr-CA"' in page
    data = {**PROFILE, "locale": "", "time_zone": "", "csrf_token": token}
    assert client.post("/profile", data=data).status_code == 302
    fresh = _fresh(db_session, user)
    assert (fresh.locale, fresh.time_zone) == (None, None)  # follow the browser again


def test_profile_refuses_unknown_language_or_zone(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    for bad in ({"locale": "xx_YY"}, {"time_zone": "Mars/Olympus_Mons"}):
        data = {**PROFILE, "locale": "", "time_zone": "", **bad, "csrf_token": token}
        response = client.post("/profile", data=data)
        assert response.status_code == 400
        assert 'class="error"' in response.get_data(as_text=True)
        fresh = _fresh(db_session, user)
        assert (fresh.locale, fresh.time_zone, fresh.name) == (None, None, user.name)


def test_switcher_sets_a_cookie_when_logged_out(client):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/language", data={"locale": "fr_CA", "next": "/login", "csrf_token": token}
    )
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "locale=fr_CA" in response.headers["Set-Cookie"]
    assert '<html lang="fr-CA"' in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/login", "csrf_token": token})
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)


def test_switcher_saves_the_choice_on_the_account(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    client.post("/language", data={"locale": "fr_CA", "csrf_token": token})
    assert _fresh(db_session, user).locale == "fr_CA"
    client.delete_cookie("locale")
    page = client.get("/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr-CA"' in page  # the account wins over the browser


def test_switcher_refuses_unknown_language_and_offsite_next(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    response = client.post("/language", data={"locale": "de", "csrf_token": token})
    assert response.status_code == 400
    assert _fresh(db_session, user).locale is None
    response = client.post(
        "/language",
        data={"locale": "fr_CA", "next": "https://evil.example/", "csrf_token": token},
    )
    assert response.status_code == 302 and "evil.example" not in response.location


def test_browser_time_zone_cookie_is_used_and_hostile_values_ignored(app, db_session):
    from app.i18n import select_time_zone

    with app.test_request_context("/", headers={"Cookie": "tz=America/Toronto"}):
        assert select_time_zone() == "America/Toronto"
    with app.test_request_context("/", headers={"Cookie": "tz=../../etc/passwd"}):
        assert select_time_zone() == "UTC"


def test_modules_keep_the_language_their_bank_declares():
    from app.banks.schema import Module

    base = {
        "slug": "m",
        "title": "M",
        "mode": "practice",
        "blueprint": [{"topic": "t", "count": 1}],
    }
    assert Module.model_validate(base).language == "en"
    assert Module.model_validate({**base, "language": "fr-CA"}).language == "fr-CA"
    with pytest.raises(ValueError):
        Module.model_validate({**base, "language": "français!"})


def test_a_logged_in_switch_needs_the_csrf_token(client, login_as, db_session):
    user = login_as("trainee")
    response = client.post("/language", data={"locale": "fr_CA"})
    assert response.status_code == 400
    assert _fresh(db_session, user).locale is None
    assert "locale=" not in response.headers.get("Set-Cookie", "")


def test_the_switcher_goes_back_to_the_page_it_came_from(client):
    response = client.post(
        "/language", data={"locale": "fr_CA"}, headers={"Referer": "http://localhost/login?x=1"}
    )
    assert response.status_code == 302 and response.location.endswith("/login?x=1")
    elsewhere = client.post(
        "/language", data={"locale": "en"}, headers={"Referer": "https://evil.example/x"}
    )
    assert "evil.example" not in elsewhere.location
