"""Messages made by services and by the pure rules (requirements, jurisdictions) are written
in the language of the moment: the page's, English under /api/ and outside a request."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.errors import Conflict, DomainError, NotFound
from app.i18n import gettext, local_list, ngettext
from app.jurisdictions.engine import Profile, SupervisorRecord, judge
from app.jurisdictions.loader import load_rules
from app.requirements import kinds
from app.requirements.evidence import Evidence, HoursEntry, LogbookSession, Mode, SessionStatus

FRENCH = {"Accept-Language": "fr-CA,fr;q=0.9"}
BANKS = Path(__file__).resolve().parents[2] / "question_banks"
TODAY = date(2026, 12, 3)
NBSP = "\u00a0"


def _florida_gaps() -> list[str]:
    rule = load_rules(BANKS).rules["us-fl-physical-therapist"]
    evidence = Evidence(
        TODAY,
        hours=(
            HoursEntry(Mode.IN_PERSON, 44, date(2026, 6, 1), True),
            HoursEntry(Mode.LIVE_ONLINE, 6, date(2026, 6, 1), True),
        ),
        sessions=tuple(
            LogbookSession(date(2026, 7, 1), "cervical", "s@x", SessionStatus.APPROVED)
            for _ in range(18)
        ),
    )
    profile = Profile("physical_therapist", date(2020, 1, 1), {"s@x": SupervisorRecord(3, 300)})
    return [g.message for g in judge(evidence, profile, rule).missing]


def _logbook_result() -> kinds.Result:
    spec = kinds.check({"kind": "logbook", "id": "log", "sessions": 3, "within_months": 36})
    pending = LogbookSession(TODAY, "lumbar", "s@x", SessionStatus.PENDING)
    return kinds.evaluate(spec, Evidence(TODAY, sessions=(pending,)))


def test_a_domain_error_speaks_the_pages_language(app):
    with app.test_request_context("/dashboard", headers=FRENCH):
        assert NotFound().message == "Introuvable."
        assert str(Conflict()) == "Cela entre en conflit avec l’état actuel."
        assert DomainError(gettext("Not found.")).message == "Introuvable."
    with app.test_request_context("/dashboard", headers={"Accept-Language": "en"}):
        assert NotFound().message == "Not found."


def test_the_json_api_answers_in_english_whatever_the_browser(app):
    with app.test_request_context("/api/v1/progress", headers=FRENCH):
        assert NotFound().message == "Not found."
        assert gettext("Not found.") == "Not found."


def test_outside_a_request_or_an_app_messages_are_english(app):
    assert NotFound().message == "Not found."  # no application at all
    assert ngettext("%(num)s attempt", "%(num)s attempts", 2) == "2 attempts"
    with app.app_context():  # a CLI command or a job
        assert NotFound().message == "Not found."
        assert local_list(["a", "b"], "or") == "a or b"


def test_requirement_texts_are_whole_french_sentences(app):
    with app.test_request_context("/dashboard", headers=FRENCH):
        result = _logbook_result()
        assert result.missing == (
            "3 séances supervisées de plus au cours des 36 derniers mois; "
            "1 en attente d’approbation"
        )
        assert result.next_step == "Consigner 3 séances supervisées de plus"
        assert local_list(["a", "b"], "or") == "a ou b"
    english = _logbook_result()
    assert (
        english.missing
        == "3 more supervised sessions within the last 36 months; 1 waiting for sign-off"
    )
    assert english.next_step == "Log 3 more supervised sessions"


def test_a_refused_requirement_names_its_field_in_french(app):
    with app.test_request_context("/admin", headers=FRENCH):
        try:
            kinds.check({"kind": "hours", "id": "h", "hours": -1})
        except kinds.RequirementInvalid as exc:
            message = str(exc)
        assert message == f"exigence 'h', hours{NBSP}: plus de 0 et au plus 5000"


def test_jurisdiction_gaps_are_french_on_a_french_page_and_english_in_the_api(app):
    with app.test_request_context("/licensing", headers=FRENCH):
        french = _florida_gaps()
    assert f"Séances supervisées{NBSP}: 18 sur 25" in french
    assert (
        f"Heures{NBSP}: 44 sur 50; les heures en ligne en direct ne comptent pas ici{NBSP}: "
        "6 de vos 50 heures sont en ligne en direct"
    ) in french
    with app.test_request_context("/api/v1/licensing/standings", headers=FRENCH):
        english = _florida_gaps()
    assert "Supervised sessions: 18 of 25" in english


def test_the_studio_names_a_case_in_french(app):
    from app.studio import authoring

    names = {k.name for k in authoring.kinds()}
    assert {"question", "case"} <= names
    with app.test_request_context("/studio", headers=FRENCH):
        assert {k.name: k.noun for k in authoring.kinds()}["case"] == "cas"
    assert {k.name: k.noun for k in authoring.kinds()}["case"] == "case"


def test_a_weak_password_is_explained_in_french_with_zxcvbns_reason(app):
    from app.auth import passwords

    with app.test_request_context("/register", headers=FRENCH):
        [problem] = passwords.password_problems("aaaaaaaaaaaa", email="x@example.org")
    assert "Les répétitions comme «\u00a0aaa\u00a0» sont faciles à deviner." in problem
    assert "easy to guess" not in problem
    [english] = passwords.password_problems("aaaaaaaaaaaa", email="x@example.org")
    assert english.endswith('Repeats like "aaa" are easy to guess.')


def test_every_zxcvbn_warning_is_listed():
    """Each warning zxcvbn can give (its feedback module's literals) has a translation."""
    import ast
    import inspect

    import zxcvbn.feedback

    from app.auth.passwords import ZXCVBN_WARNINGS

    tree = ast.parse(inspect.getsource(zxcvbn.feedback))
    warnings = {
        node.value.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "warning" for t in node.targets)
        and isinstance(node.value, ast.Call)
        and node.value.args
        and isinstance(node.value.args[0], ast.Constant)
    }
    warnings |= {
        node.values[i].args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for i, key in enumerate(node.keys)
        if isinstance(key, ast.Constant) and key.value == "warning"
        and isinstance(node.values[i], ast.Call) and node.values[i].args
    }  # fmt: skip
    assert len(warnings) >= 12
    assert warnings <= set(ZXCVBN_WARNINGS)
