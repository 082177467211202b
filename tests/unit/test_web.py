"""app/web.py: HTML actions commit once and turn domain errors into flashes, pages, statuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from flask import Flask, get_flashed_messages, url_for

from app.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.web import done, form_errors, html_action


@dataclass
class FakeSession:
    calls: list[str] = field(default_factory=list)

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> FakeSession:
    fake = FakeSession()
    monkeypatch.setattr(db, "session", fake)
    return fake


class Taken(Conflict):
    code = "taken"
    message = "That name is taken."


class Unreadable(ValueError):
    pass


def make_app(session: FakeSession) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k", TESTING=True)

    @app.get("/list")
    def listing() -> str:
        return "list"

    @app.post("/things/<int:thing_id>/ok")
    @html_action("listing")
    def ok(thing_id: int):  # type: ignore[no-untyped-def]
        session.calls.append(f"work {thing_id}")
        return done(url_for("listing"), f"Thing {thing_id} saved.")

    @app.post("/things/<int:thing_id>/fail")
    @html_action(lambda thing_id: f"/things/{thing_id}")
    def fail(thing_id: int):  # type: ignore[no-untyped-def]
        raise Taken()

    @app.post("/missing")
    @html_action("listing")
    def missing():  # type: ignore[no-untyped-def]
        raise NotFound()

    @app.post("/studio-like")
    @html_action()
    def studio_like():  # type: ignore[no-untyped-def]
        raise Taken()

    @app.post("/handled/<int:thing_id>")
    @html_action(errors={Unreadable: lambda exc, thing_id: (f"unreadable {thing_id}: {exc}", 400)})
    def handled(thing_id: int):  # type: ignore[no-untyped-def]
        raise Unreadable("no number")

    return app


def flashes(client) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with client.session_transaction() as cookie:
        return list(cookie.get("_flashes", []))


def test_a_successful_action_commits_once_then_flashes_and_redirects(session) -> None:
    client = make_app(session).test_client()
    response = client.post("/things/3/ok")
    assert response.status_code == 302 and response.location == "/list"
    assert session.calls == ["work 3", "commit"]
    assert flashes(client) == [("success", "Thing 3 saved.")]


def test_a_domain_error_rolls_back_flashes_and_goes_where_on_error_says(session) -> None:
    client = make_app(session).test_client()
    response = client.post("/things/5/fail")
    assert response.status_code == 302 and response.location == "/things/5"
    assert session.calls == ["rollback"]
    assert flashes(client) == [("error", "That name is taken.")]


def test_not_found_is_always_the_404_page(session) -> None:
    client = make_app(session).test_client()
    with pytest.raises(NotFound):
        client.post("/missing")
    assert session.calls == ["rollback"]


def test_without_on_error_the_error_goes_on_to_the_error_page(session) -> None:
    client = make_app(session).test_client()
    with pytest.raises(Taken):  # app.errors renders it with its status (409)
        client.post("/studio-like")
    assert session.calls == ["rollback"]


def test_a_listed_error_type_gets_its_handler_with_the_view_arguments(session) -> None:
    client = make_app(session).test_client()
    response = client.post("/handled/9")
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "unreadable 9: no number"
    assert session.calls == ["rollback"]


def _form() -> SimpleNamespace:
    return SimpleNamespace(
        email=SimpleNamespace(errors=()), password=SimpleNamespace(errors=()), form_errors=[]
    )


def test_form_errors_commits_a_block_that_succeeds(session) -> None:
    with form_errors(_form(), catch=DomainError) as outcome:
        pass
    assert outcome.ok and outcome.status == 200 and outcome.message is None
    assert session.calls == ["commit"]


def test_form_errors_puts_the_message_on_the_field_named_for_its_type(session) -> None:
    form = _form()
    with form_errors(form, email=Taken, password=ValidationFailed) as outcome:
        raise Taken()
    assert not outcome.ok and outcome.status == 409
    assert form.email.errors == ["That name is taken."] and form.password.errors == ()
    assert session.calls == ["rollback"]


def test_form_errors_other_caught_errors_go_to_the_form_or_a_flash(session) -> None:
    form = _form()
    with form_errors(form, catch=DomainError, email=Taken) as outcome:
        raise ValidationFailed("Not valid.")
    assert form.form_errors == ["Not valid."] and outcome.status == 400

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "k"
    with app.test_request_context():
        with form_errors(_form(), catch=DomainError, flash=True):
            raise ValidationFailed("Flashed.")
        assert get_flashed_messages(with_categories=True) == [("error", "Flashed.")]


def test_form_errors_keep_commits_the_failed_work_and_plain_errors_are_400(session) -> None:
    with form_errors(_form(), keep=True, password=ValidationFailed):
        raise ValidationFailed("Wrong password.")
    assert session.calls == ["commit"]
    with form_errors(catch=Unreadable) as outcome:
        raise Unreadable("Choose an answer.")
    assert outcome.status == 400 and outcome.message == "Choose an answer."


def test_form_errors_lets_other_errors_through(session) -> None:
    with pytest.raises(Taken), form_errors(_form(), catch=ValidationFailed):
        raise Taken()
    assert session.calls == []
