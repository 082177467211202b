"""The interface's language and time zone (Flask-Babel).

Question content stays in its authored language; only the interface is translated.

- Language: the account's ``locale`` if it has one, then the browser's ``Accept-Language``,
  then English. ``SUPPORTED_LOCALES`` lists what there is a catalogue for.
- Time zone: the account's ``time_zone`` if it has one, then the browser's (the ``tz`` cookie
  the page script sets from ``Intl.DateTimeFormat``), then UTC.
- Templates: ``_("...")`` / ``ngettext`` (Jinja's i18n extension, new style, so
  ``_("%(n)s done", n=3)`` formats), and the filters ``datetime``, ``date``, ``time`` and
  ``number``, which format for the interface's language and show the zone.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import flask_babel
from babel import Locale, UnknownLocaleError
from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
)
from flask_babel.speaklater import LazyString
from markupsafe import Markup

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "fr_CA")
"""Interface languages with a catalogue; ``en`` is the source language."""

LOCALE_NAMES: dict[str, str] = {"en": "English", "fr_CA": "Français (Canada)"}
"""Each language named in itself (a switcher shows them untranslated)."""

DEFAULT_LOCALE = "en"
API_PREFIX = "/api/"
TZ_COOKIE = "tz"
LOCALE_COOKIE = "locale"
"""The language a visitor chose with the switcher (logged in, the account keeps it too)."""

babel = Babel()


def _translating() -> bool:
    """True inside an application that has Babel (outside one, texts stay English: pure code
    run by a script or a unit test, a bare app in a test)."""
    if not has_app_context():
        return False
    try:
        flask_babel.get_babel()
    except KeyError:  # an app without Babel
        return False
    return True


def gettext(string: str, **variables: object) -> str:
    """``string`` in the language of the moment, ``%(name)s`` placeholders filled."""
    if _translating():
        return flask_babel.gettext(string, **variables)
    return string % variables if variables else string


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """The plural form for ``num`` (``%(num)s`` is ``num``), in the language of the moment."""
    if _translating():
        return flask_babel.ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def lazy_gettext(string: str, **variables: object) -> LazyString:
    """``gettext`` when the text is shown: form labels, class defaults, module constants."""
    return LazyString(gettext, string, **variables)


def _account_attr(name: str) -> str | None:
    from flask_login import current_user

    if not has_request_context():
        return None
    user = current_user._get_current_object() if current_user else None
    value = getattr(user, name, None) if user is not None and user.is_authenticated else None
    return value or None


def normalise_locale(value: str | None) -> str | None:
    """``fr``, ``fr-CA``, ``fr_ca`` → ``fr_CA``; ``en-GB`` → ``en``; unknown → None."""
    if not value:
        return None
    language = value.replace("-", "_").split("_")[0].lower()
    for supported in SUPPORTED_LOCALES:
        if supported.split("_")[0] == language:
            return supported
    return None


def select_locale() -> str:
    if has_request_context() and request.path.startswith(API_PREFIX):
        return DEFAULT_LOCALE  # the JSON API's messages are a machine contract: English
    chosen = normalise_locale(_account_attr("locale"))
    if chosen:
        return chosen
    if has_request_context():
        chosen = request.cookies.get(LOCALE_COOKIE)
        if chosen in SUPPORTED_LOCALES:
            return chosen
        best = request.accept_languages.best_match(["en", "fr-CA", "fr", "fr-FR"])
        chosen = normalise_locale(best)
        if chosen:
            return chosen
    return DEFAULT_LOCALE


def current_locale() -> str:
    """The language of the moment, for templates (``<html lang>``, the switcher): the one
    Flask-Babel chose for the request (``select_locale``, asked once) or ``force_locale`` set
    (a mail in its recipient's language)."""
    if _translating():
        locale = flask_babel.get_locale()
        if locale is not None:
            return str(locale)
    return select_locale()


def valid_time_zone(value: str | None) -> str | None:
    """An IANA zone name this machine knows, or None (hostile or unknown input is ignored)."""
    if not value or len(value) > 64 or value not in _zones():
        return None
    return value


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def time_zone_names() -> list[str]:
    """The IANA zones offered in the account settings (areas like ``America/Toronto`` and
    ``UTC``; the legacy aliases are left out of the list but still accepted)."""
    areas = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/")
    areas += ("Europe/", "Indian/", "Pacific/")
    return ["UTC", *sorted(z for z in _zones() if z.startswith(areas))]


def select_time_zone() -> str:
    chosen = valid_time_zone(_account_attr("time_zone"))
    if chosen:
        return chosen
    if has_request_context():
        chosen = valid_time_zone(request.cookies.get(TZ_COOKIE))
        if chosen:
            return chosen
    return "UTC"


def local_datetime(value: datetime | None, format: str = "medium") -> str:
    """A moment in the viewer's zone and language, with the zone shown (``… EST``)."""
    if value is None:
        return ""
    text = format_datetime(value, format)
    return f"{text} {format_datetime(value, 'zzz')}".strip()


def local_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    return format_date(value, format)


def local_time(value: datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    return f"{format_time(value, format)} {format_datetime(value, 'zzz')}".strip()


def local_number(value: float | int | None, digits: int = 2) -> str:
    """A number as people write it in the interface's language: at most ``digits`` decimals."""
    if value is None:
        return ""
    return format_decimal(round(float(value), digits), format=None)


def local_list(items: list[str], style: str = "standard") -> str:
    """``a, b and c`` (``style="or"``: ``a, b or c``) in the language of the moment (CLDR)."""
    from babel.lists import format_list

    locale = flask_babel.get_locale() if _translating() else None
    return format_list(items, style=style, locale=str(locale or DEFAULT_LOCALE))  # type: ignore[arg-type]


def in_language_of(user: object | None) -> AbstractContextManager[None]:
    """Render (a mail, a PDF) in ``user``'s language: their account's, else the current one
    (the request's; English outside a request)."""
    chosen = normalise_locale(getattr(user, "locale", None))
    return force_locale(chosen) if chosen else nullcontext()


def content_language_name(tag: str | None) -> str:
    """A BCP 47 tag (``fr-CA``) named in the interface's language (« français (Canada) »)."""
    tag = tag or "en"
    try:
        shown = Locale.parse(tag.replace("-", "_"))
        return shown.get_display_name(select_locale()) or tag
    except (ValueError, TypeError, UnknownLocaleError):
        return tag


def content_language_html(tag: str | None) -> Markup:
    """The language's name marked with its own ``lang`` (for a badge)."""
    tag = tag or "en"
    return Markup('<span lang="{}">{}</span>').format(tag, content_language_name(tag))


def content_lang_attribute(tag: str | None) -> Markup:
    """`` lang="fr-CA"`` on an element of question content when its language is not the
    interface's (screen readers then read it in the right voice); empty otherwise."""
    tag = tag or "en"
    if tag.split("-")[0].lower() == select_locale().split("_")[0]:
        return Markup("")
    return Markup(' lang="{}"').format(tag)


def zone_info() -> ZoneInfo:
    return ZoneInfo(select_time_zone())


def compile_catalogues(directory: Path) -> None:
    """Compile each ``.po`` whose ``.mo`` is missing or older (``make translations`` does it at
    install time; this covers a checkout run without it). A read-only install is left as is."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in directory.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parts[-3])
            partial = mo.with_suffix(f".{os.getpid()}.tmp")  # workers may start together
            with partial.open("wb") as target:
                write_mo(target, catalog)
            os.replace(partial, mo)
        except OSError:  # pragma: no cover - read-only install: the committed state is used
            continue


_TRANSLATIONS_KEY = "_i18n_translations"


def _translations() -> Any:
    """Flask-Babel's translations of the moment, for the templates' ``_()``: looked up once
    per request and language. Flask-Babel's own callables look them up again at every call
    (the context, the domain and the locale, each through ``g``), about thirty times on a page
    (issue 19: the verify page). Kept against the locale and domain objects Flask-Babel holds
    for the moment, so ``force_locale`` and ``refresh`` are followed."""
    if not has_app_context():
        return flask_babel.get_translations()  # Flask-Babel's NullTranslations
    state = g._get_current_object()
    babel_ctx = getattr(state, "_flask_babel", None)
    locale = getattr(babel_ctx, "babel_locale", None)
    domain = getattr(babel_ctx, "babel_domain", None)
    kept = getattr(state, _TRANSLATIONS_KEY, None)
    if kept is not None and locale is not None and kept[0] is locale and kept[1] is domain:
        return kept[2]
    translations = flask_babel.get_translations()
    # Flask-Babel has chosen the locale now. These are its attributes on ``g`` (4.0): were they
    # to move, nothing is kept and every call asks Flask-Babel, as before.
    babel_ctx = getattr(state, "_flask_babel", None)
    locale = getattr(babel_ctx, "babel_locale", None)
    if locale is not None:
        domain = getattr(babel_ctx, "babel_domain", None)
        setattr(state, _TRANSLATIONS_KEY, (locale, domain, translations))
    return translations


def _install_template_gettext(app: Flask) -> None:
    """The templates' ``_``, ``ngettext``, ``pgettext`` and ``npgettext``, as Flask-Babel
    installs them (new style), through ``_translations``."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def init_i18n(app: Flask) -> None:
    compile_catalogues(Path(app.root_path) / "translations")
    app.config.setdefault("WTF_I18N_ENABLED", True)  # WTForms' own messages in the language too
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    _install_template_gettext(app)
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(local_time, "time")
    app.add_template_filter(local_number, "number")
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["SUPPORTED_LOCALES"] = SUPPORTED_LOCALES
    app.jinja_env.globals["LOCALE_NAMES"] = LOCALE_NAMES
    app.jinja_env.globals["content_language_name"] = content_language_name
    app.jinja_env.globals["content_language_html"] = content_language_html
    app.jinja_env.globals["content_lang_attribute"] = content_lang_attribute
