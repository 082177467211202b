"""The administrator's accommodation page (grant with a confirmation, extend an open attempt)
and what the trainee's HTML pages then do: the start gives factor × the time limit, the timer
shows the extended deadline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import Accommodation
from app.mail.models import OutboxMessage
from app.quiz.models import Attempt, AttemptExtension, AttemptItem
from tests import factories
from tests.conftest import csrf_token_from, login

pytestmark = pytest.mark.usefixtures("bank")


@pytest.fixture
def admin_client(app, db_session):
    admin = factories.make_user("admin")
    db_session.commit()
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    return client


@pytest.fixture
def trainee_client(app, db_session):
    user = factories.make_user("trainee")
    db_session.commit()
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    client.user = user  # type: ignore[attr-defined]
    return client


def page_of(client, user_id: int) -> str:
    response = client.get(f"/admin/users/{user_id}/accommodation")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def grant(client, user_id: int, **fields):
    token = csrf_token_from(page_of(client, user_id))
    data = {"csrf_token": token, **fields}
    return client.post(f"/admin/users/{user_id}/accommodation", data=data)


def extend(client, user_id: int, attempt_id: int, **fields):
    token = csrf_token_from(page_of(client, user_id))
    data = {f"a{attempt_id}-csrf_token": token}
    data.update({f"a{attempt_id}-{k}": v for k, v in fields.items()})
    return client.post(f"/admin/attempts/{attempt_id}/extend", data=data)


def start_html(client, slug: str) -> int:
    token = csrf_token_from(client.get(f"/modules/{slug}").get_data(as_text=True))
    response = client.post(f"/modules/{slug}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return int(re.search(r"/attempts/(\d+)/", response.headers["Location"]).group(1))


def timer_deadline(client, attempt_id: int) -> str:
    html = client.get(f"/attempts/{attempt_id}/items/1").get_data(as_text=True)
    return re.search(r'data-deadline="([^"]+)"', html).group(1)


def n(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_users_page_links_each_trainee_to_the_accommodation_page(admin_client, trainee_client):
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{trainee_client.user.id}/accommodation" in html


def test_an_admin_grants_with_confirmation_and_the_html_start_uses_the_factor(
    admin_client, trainee_client, db_session, frozen_clock
):
    user = trainee_client.user
    assert "None: timed exams have their usual time limit" in page_of(admin_client, user.id)
    unconfirmed = grant(
        admin_client, user.id, time_factor="1.5", extra_attempts="0", reason="Dyslexia"
    )
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm" in unconfirmed.get_data(as_text=True)
    assert n(db_session, Accommodation) == 0

    granted = grant(
        admin_client, user.id, time_factor="1.5", extra_attempts="1", reason="Dyslexia", confirm="y"
    )
    assert granted.status_code == 302
    row = db_session.scalar(sa.select(Accommodation).where(Accommodation.user_id == user.id))
    assert (row.time_factor, row.extra_attempts, row.reason) == (1.5, 1, "Dyslexia")
    assert row.granted_by_id is not None
    mail = db_session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "accommodation_granted")
    )
    assert mail.to_addr == user.email and "/modules" in mail.text_body
    html = page_of(admin_client, user.id)
    assert "× 1.5" in html and "Dyslexia" in html

    facts = trainee_client.get("/modules/timed-exam").get_data(as_text=True)
    assert "45 minutes for you (your accommodation: × 1.5 the usual 30)" in facts
    attempt_id = start_html(trainee_client, "timed-exam")
    deadline = frozen_clock.now + timedelta(minutes=45)
    assert db_session.get(Attempt, attempt_id).deadline == deadline
    assert timer_deadline(trainee_client, attempt_id) == deadline.isoformat()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time_factor": "9", "extra_attempts": "0", "reason": "r"}, "from 1 to 4"),
        ({"time_factor": "1.5", "extra_attempts": "20", "reason": "r"}, "from 0 to 10"),
        ({"time_factor": "", "extra_attempts": "0", "reason": "r"}, "Give the time factor"),
        ({"time_factor": "1.5", "extra_attempts": "0", "reason": ""}, "Give the reason"),
    ],
)
def test_a_bad_grant_shows_the_error_and_changes_nothing(
    admin_client, trainee_client, db_session, fields, message
):
    before = (n(db_session, Accommodation), n(db_session, AuditEvent), n(db_session, OutboxMessage))
    response = grant(admin_client, trainee_client.user.id, confirm="y", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = (n(db_session, Accommodation), n(db_session, AuditEvent), n(db_session, OutboxMessage))
    assert after == before


def test_a_staff_account_gets_no_accommodation(admin_client, db_session):
    instructor = factories.make_user("instructor")
    db_session.commit()
    response = grant(
        admin_client, instructor.id, time_factor="1.5", extra_attempts="0", reason="r", confirm="y"
    )
    assert response.status_code == 400
    assert n(db_session, Accommodation) == 0


def test_an_admin_extends_one_open_attempt_and_the_timer_shows_it(
    admin_client, trainee_client, db_session, frozen_clock
):
    user = trainee_client.user
    attempt_id = start_html(trainee_client, "timed-exam")
    original = frozen_clock.now + timedelta(minutes=30)
    assert f"/admin/attempts/{attempt_id}/extend" in page_of(admin_client, user.id)

    refused = extend(admin_client, user.id, attempt_id, minutes="0", reason="r", confirm="y")
    assert refused.status_code == 400
    assert "from 1 to 480" in refused.get_data(as_text=True)
    unconfirmed = extend(admin_client, user.id, attempt_id, minutes="10", reason="r")
    assert unconfirmed.status_code == 400
    assert n(db_session, AttemptExtension) == 0
    assert timer_deadline(trainee_client, attempt_id) == original.isoformat()

    done = extend(admin_client, user.id, attempt_id, minutes="20", reason="Power cut", confirm="y")
    assert done.status_code == 302
    extended = original + timedelta(minutes=20)
    assert timer_deadline(trainee_client, attempt_id) == extended.isoformat()
    assert "Power cut" in page_of(admin_client, user.id)
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "attempt.deadline_extended")
    )
    assert event.actor_id is not None and event.details["minutes"] == 20


def test_a_trainee_cannot_grant_or_extend(trainee_client, db_session):
    user = trainee_client.user
    attempt_id = start_html(trainee_client, "timed-exam")
    token = csrf_token_from(trainee_client.get("/modules").get_data(as_text=True))
    grant_try = trainee_client.post(
        f"/admin/users/{user.id}/accommodation",
        data={"csrf_token": token, "time_factor": "4", "extra_attempts": "10", "reason": "r",
              "confirm": "y"},
    )  # fmt: skip
    extend_try = trainee_client.post(
        f"/admin/attempts/{attempt_id}/extend",
        data={f"a{attempt_id}-csrf_token": token, f"a{attempt_id}-minutes": "60",
              f"a{attempt_id}-reason": "r", f"a{attempt_id}-confirm": "y"},
    )  # fmt: skip
    assert (grant_try.status_code, extend_try.status_code) == (403, 403)
    assert (n(db_session, Accommodation), n(db_session, AttemptExtension)) == (0, 0)


def test_an_autosave_after_an_extension_tells_the_open_page_the_new_deadline(
    admin_client, trainee_client, db_session, frozen_clock
):
    """quiz.js moves the countdown to the deadline an autosave returns."""
    attempt_id = start_html(trainee_client, "timed-exam")
    item = next(
        i
        for i in db_session.scalars(
            sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
        )
        if i.question_version.type.value == "numeric"
    )
    token = csrf_token_from(
        trainee_client.get(f"/attempts/{attempt_id}/items/{item.position}").get_data(as_text=True)
    )
    assert (
        extend(
            admin_client, trainee_client.user.id, attempt_id, minutes="15", reason="r", confirm="y"
        ).status_code
        == 302
    )
    saved = trainee_client.post(
        f"/attempts/{attempt_id}/items/{item.position}/autosave",
        data={"csrf_token": token, "seq": "0", "value": "19"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    expected = frozen_clock.now + timedelta(minutes=30 + 15)
    assert saved.get_json()["deadline"] == expected.isoformat()


def test_the_page_shows_a_grant_made_on_the_command_line(
    admin_client, trainee_client, runner, db_session
):
    user = trainee_client.user
    result = runner.invoke(
        args=["users", "accommodate", "--email", user.email, "--time-factor", "2", "--reason", "Q"]
    )
    assert result.exit_code == 0, result.output
    html = page_of(admin_client, user.id)
    assert "× 2" in html and "the command line" in html
    assert 'value="2.0"' in html or 'value="2"' in html  # the form starts from what is in force
