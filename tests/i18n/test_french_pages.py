"""The interface in French: pages, form errors, flashes, mails, dates and numbers."""

from datetime import UTC, datetime

from app.i18n import local_date, local_datetime, local_number
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.mailbox import messages_to

FRENCH = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}


def test_a_french_browser_gets_the_french_login_page(client):
    page = client.get("/login", headers=FRENCH).get_data(as_text=True)
    assert '<html lang="fr-CA"' in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]  # the header is base.html's owner's
    assert "Se connecter" in main and "Mot de passe" in main and "Log in" not in main
    english = client.get("/login", headers={"Accept-Language": "en-CA"}).get_data(as_text=True)
    assert '<html lang="en"' in english and "Log in" in english


def test_form_errors_are_french_too(client):
    token = csrf_token_from(client.get("/login", headers=FRENCH).get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token}, headers=FRENCH)
    assert response.status_code == 400
    assert "Ce champ est requis." in response.get_data(as_text=True)  # WTForms' own message


def test_flashes_follow_the_account_language(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    data = {
        "name": user.name,
        "profession": "physical_therapist",
        "licence_number": "PT-1",
        "jurisdiction": "Ontario",
        "locale": "fr_CA",
        "time_zone": "America/Toronto",
        "csrf_token": token,
    }
    page = client.post("/profile", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Profil enregistré." in page and "Langue de l’interface" in page


def test_a_mail_is_written_in_the_recipients_language(client, db_session, app):
    make_user("trainee", email="marie@example.org", locale="fr_CA")
    db_session.commit()
    token = csrf_token_from(client.get("/password/forgot").get_data(as_text=True))
    client.post("/password/forgot", data={"email": "marie@example.org", "csrf_token": token})
    [mail] = messages_to(db_session, "marie@example.org")
    assert mail.subject.startswith("Réinitialisez votre mot de passe")
    assert "Bonjour" in mail.text_body and "Hello" not in mail.text_body


def test_dates_and_numbers_are_written_for_the_language_and_zone(app):
    moment = datetime(2026, 1, 15, 14, 5, tzinfo=UTC)
    headers = {**FRENCH, "Cookie": "tz=America/Montreal"}
    with app.test_request_context("/", headers=headers):
        assert local_date(moment) == "15 janvier 2026"
        assert "09 h 05" in local_datetime(moment) and local_datetime(moment).endswith("HNE")
        assert local_number(1234.567) == "1\u00a0234,57"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert local_datetime(moment).endswith("UTC") and "2:05" in local_datetime(moment)
        assert local_number(1234.567) == "1,234.57"
