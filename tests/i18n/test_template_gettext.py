"""The templates' ``_()`` and ``ngettext`` look the translations up once per request and
language (app/i18n.py ``_translations``; issue 19), and still follow the language of the
moment: ``force_locale`` inside a request, ``refresh`` after a change of language."""

from __future__ import annotations

import flask_babel
from flask import render_template_string
from flask_babel import force_locale, refresh

PAGE = (
    "{{ _('Verify') }}|{{ _('Verify a certificate') }}|{{ _('Verify another code') }}|"
    "{{ ngettext('%(num)s attempt', '%(num)s attempts', 2) }}"
)
ENGLISH = "Verify|Verify a certificate|Verify another code|2 attempts"
FRENCH = "Vérifier|Vérifier un certificat|Vérifier un autre code|2 tentatives"


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = flask_babel.get_translations

    def counted():  # type: ignore[no-untyped-def]
        calls.append(1)
        return real()

    monkeypatch.setattr(flask_babel, "get_translations", counted)
    return calls


def test_a_page_looks_its_translations_up_once(app, monkeypatch):
    calls = _counting(monkeypatch)
    with app.test_request_context("/", headers={"Accept-Language": "fr-CA"}):
        assert render_template_string(PAGE) == FRENCH
        assert render_template_string(PAGE) == FRENCH
    assert len(calls) == 1


def test_force_locale_and_refresh_are_followed_within_one_request(app, monkeypatch):
    calls = _counting(monkeypatch)
    with app.test_request_context("/", headers={"Accept-Language": "fr-CA"}):
        assert render_template_string(PAGE) == FRENCH
        with force_locale("en"):  # a mail to an English-speaking recipient
            assert render_template_string(PAGE) == ENGLISH
        assert render_template_string(PAGE) == FRENCH
        # the account's language changed (app/auth/routes.py calls refresh after a change)
        monkeypatch.setattr(flask_babel.get_babel(), "locale_selector", lambda: "en")
        refresh()
        assert render_template_string(PAGE) == ENGLISH
    assert len(calls) == 4


def test_each_request_looks_its_own_language_up(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr-CA"}):
        assert render_template_string(PAGE) == FRENCH
    with app.test_request_context("/"):
        assert render_template_string(PAGE) == ENGLISH
    with app.app_context():  # outside a request (a CLI command's mail): the default language
        assert render_template_string(PAGE) == ENGLISH


def test_the_templates_language_is_the_one_of_the_moment(app):
    """``<html lang>`` and the switcher: the request's language, or the one ``force_locale``
    sets (a mail rendered in its recipient's language)."""
    with app.test_request_context("/", headers={"Accept-Language": "fr-CA"}):
        assert render_template_string("{{ current_locale() }}") == "fr_CA"
        with force_locale("en"):
            assert render_template_string("{{ current_locale() }}") == "en"
    with app.test_request_context("/api/v1/modules", headers={"Accept-Language": "fr-CA"}):
        assert render_template_string("{{ current_locale() }}") == "en"  # the API: English


def test_outside_an_application_context_the_text_is_english(app):
    """A template rendered with the app's environment but no context (a script): untranslated,
    as Flask-Babel's own callables do."""
    assert app.jinja_env.from_string(PAGE).render() == ENGLISH
