"""Which modules a trainee sees and may start: those of their enrolled programs (issue 13)."""

from __future__ import annotations

import sqlalchemy as sa

from app.banks.models import Module
from app.certificates import services as cert_services
from app.enrolment import queries, services
from app.quiz import queries as quiz_queries
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from, login
from tests.enrolment.bank import ALPHA, BETA


def _slugs(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_json()
    return {m["slug"] for m in response.get_json()}


def test_enrolled_nowhere_lists_nothing_and_every_start_is_404(
    programs, db_session, api_get, client
):
    trainee = factories.make_user("trainee", enrol=False)
    db_session.commit()
    assert api_get(trainee, "/api/v1/modules").get_json() == []
    for slug in ["a-exam", "anatomy-practice", "b-exam", "loose-exam", "no-such-module"]:
        started = api_get(trainee, f"/api/v1/modules/{slug}/attempts", "POST")
        assert started.status_code == 404, slug
        assert started.get_json()["error"]["code"] == "module_not_found"
    # The pages too: the list is empty, the module page and its start are 404.
    login(client, trainee.email)
    assert "Module a-exam" not in client.get("/modules").get_data(as_text=True)
    assert client.get("/modules/a-exam").status_code == 404
    token = csrf_token_from(client.get("/enrolment").get_data(as_text=True))
    assert client.post("/modules/a-exam/start", data={"csrf_token": token}).status_code == 404


def test_a_program_shows_its_modules_and_the_practice_of_its_topics(
    programs, db_session, api_get, client
):
    trainee = factories.make_user("trainee", enrol=False)
    services.enrol(db_session, None, trainee, programs["alpha-prog"])
    db_session.commit()
    assert _slugs(api_get(trainee, "/api/v1/modules")) == ALPHA
    assert api_get(trainee, "/api/v1/modules/a-exam/attempts", "POST").status_code == 201
    for hidden in ["b-exam", "other-practice", "mixed-practice", "loose-exam", "a-renewal"]:
        assert api_get(trainee, f"/api/v1/modules/{hidden}/attempts", "POST").status_code == 404
    login(client, trainee.email)
    page = client.get("/modules").get_data(as_text=True)
    assert "Module a-exam" in page and "Module b-exam" not in page
    assert client.get("/modules/b-exam").status_code == 404
    assert client.get("/modules/a-final").status_code == 200


def test_two_programs_add_up_and_the_practice_spanning_both_appears(programs, db_session, api_get):
    trainee = factories.make_user("trainee", enrol=False)
    services.enrol(db_session, None, trainee, programs["alpha-prog"])
    services.enrol(db_session, None, trainee, programs["beta-prog"])
    db_session.commit()
    assert _slugs(api_get(trainee, "/api/v1/modules")) == ALPHA | BETA | {"mixed-practice"}


def test_the_list_is_in_display_order_from_a_statement_built_once(
    programs, db_session, api_get, monkeypatch
):
    """The module list's statement is built once per worker (the slugs bound at execution):
    built per request it was garbage for the collector (issue 19). The list keeps its order."""
    trainee = factories.make_user("trainee", enrol=False)
    services.enrol(db_session, None, trainee, programs["alpha-prog"])
    services.enrol(db_session, None, trainee, programs["beta-prog"])
    db_session.commit()
    first = [m["slug"] for m in api_get(trainee, "/api/v1/modules").get_json()]
    expected = db_session.scalars(
        sa.select(Module.slug)
        .where(Module.slug.in_(ALPHA | BETA | {"mixed-practice"}))
        .order_by(Module.position, Module.slug)
    ).all()
    assert first == expected
    built: list[object] = []
    real = quiz_queries.sa.select
    monkeypatch.setattr(quiz_queries.sa, "select", lambda *a, **k: built.append(a) or real(*a, **k))
    assert [m["slug"] for m in api_get(trainee, "/api/v1/modules").get_json()] == first
    assert not [a for a in built if a and a[0] is Module], built


def test_withdrawing_hides_the_program_again(programs, db_session, api_get):
    trainee = factories.make_user("trainee", enrol=False)
    enrolment = services.enrol(db_session, None, trainee, programs["beta-prog"])
    db_session.commit()
    assert _slugs(api_get(trainee, "/api/v1/modules")) == BETA
    services.withdraw(db_session, None, enrolment)
    db_session.commit()
    assert _slugs(api_get(trainee, "/api/v1/modules")) == set()
    assert api_get(trainee, "/api/v1/modules/b-exam/attempts", "POST").status_code == 404


def test_the_renewal_module_opens_once_a_certificate_is_held(app, db_session):
    with app.app_context():
        settings = get_settings().issuer
        trainee = factories.make_user("trainee", enrol=False)
        admin = factories.make_user("admin")
        program, modules, renewal = make_program(db_session)
        services.enrol(db_session, None, trainee, program)
        required = {m.slug for m in modules}
        assert queries.module_slugs_for(db_session, trainee) == required
        for module in modules:
            make_attempt(db_session, trainee, module)
        completion = cert_services.record_completion(
            db_session, trainee, program, settings=settings
        )
        # Pending review: no certificate yet, no renewal.
        assert renewal.slug not in queries.module_slugs_for(db_session, trainee)
        cert_services.approve_completion(db_session, admin, completion.id, settings=settings)
        assert queries.module_slugs_for(db_session, trainee) == required | {renewal.slug}


def test_the_pure_rule_on_case_draws_of_any_topic():
    """A practice module drawing cases of any topic goes with programs that draw cases."""
    from app.banks import models as bm
    from app.banks.schema import Mode

    exam = bm.Module(slug="e", mode=Mode.EXAM, blueprint=[], case_draws=[{"count": 1}])
    plain = bm.Module(
        slug="p", mode=Mode.EXAM, blueprint=[{"topic": "t", "count": 1}], case_draws=[]
    )
    cases = bm.Module(slug="c", mode=Mode.PRACTICE, blueprint=[], case_draws=[{"count": 2}])
    with_cases = bm.Program(slug="x", module_slugs=["e"], final_exam_slug=None)
    without = bm.Program(slug="y", module_slugs=["p"], final_exam_slug=None)
    assert queries.visible_slugs([with_cases], [], [exam, plain, cases]) == {"e", "c"}
    assert queries.visible_slugs([without], [], [exam, plain, cases]) == {"p"}
    assert queries.visible_slugs([], [], [exam, plain, cases]) == set()


def test_the_dashboard_shows_the_enrolled_program_only(programs, db_session, client):
    trainee = factories.make_user("trainee", enrol=False)
    db_session.commit()
    login(client, trainee.email)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "You are not enrolled in a program yet" in page
    assert "Module a-exam" not in page
    services.enrol(db_session, None, trainee, programs["beta-prog"])
    db_session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Beta program" in page and "Module b-exam" in page and "Module a-exam" not in page
