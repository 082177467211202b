"""The login throttle (issue 12): failures count per account *and* address, with a doubling
delay, so bad passwords sent from elsewhere never lock the owner out."""

from __future__ import annotations

import pytest
from limits.storage import MemoryStorage
from werkzeug.exceptions import TooManyRequests

from app.auth import services
from app.auth.throttle import (
    FREE_FAILURES,
    MAX_DELAY_SECONDS,
    LoginThrottle,
    authenticate_throttled,
    delay_after,
)
from tests.factories import DEFAULT_PASSWORD, make_user


def test_the_delay_is_free_at_first_then_doubles_up_to_the_cap():
    assert [delay_after(n) for n in range(FREE_FAILURES + 1)] == [0] * (FREE_FAILURES + 1)
    assert [delay_after(FREE_FAILURES + k) for k in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert delay_after(10_000) == MAX_DELAY_SECONDS


def test_failures_from_one_address_do_not_touch_the_same_account_elsewhere():
    throttle = LoginThrottle(MemoryStorage())
    for _ in range(FREE_FAILURES + 3):
        throttle.failed("owner@example.org", "203.0.113.9")
    assert throttle.retry_after("owner@example.org", "203.0.113.9") >= 1
    assert throttle.retry_after("OWNER@example.org ", "203.0.113.9") >= 1  # same account
    assert throttle.retry_after("owner@example.org", "198.51.100.7") == 0
    assert throttle.retry_after("other@example.org", "203.0.113.9") == 0


def test_a_success_clears_the_pair():
    throttle = LoginThrottle(MemoryStorage())
    for _ in range(FREE_FAILURES + 1):
        throttle.failed("a@example.org", "192.0.2.1")
    assert throttle.retry_after("a@example.org", "192.0.2.1") >= 1
    throttle.succeeded("a@example.org", "192.0.2.1")
    assert throttle.retry_after("a@example.org", "192.0.2.1") == 0


def test_authenticate_throttled_refuses_without_checking_the_password(db_session, monkeypatch):
    make_user("trainee", email="owner@example.org")
    db_session.flush()
    throttle = LoginThrottle(MemoryStorage())
    attacker, owner = "203.0.113.9", "198.51.100.7"
    for _ in range(FREE_FAILURES + 1):
        with pytest.raises(services.InvalidCredentials):
            authenticate_throttled(db_session, throttle, "owner@example.org", "wrong", attacker)

    calls = []
    monkeypatch.setattr(services, "authenticate", lambda *a: calls.append(a))
    with pytest.raises(TooManyRequests) as refused:
        authenticate_throttled(
            db_session, throttle, "owner@example.org", DEFAULT_PASSWORD, attacker
        )
    assert refused.value.retry_after >= 1 and calls == []
    monkeypatch.undo()

    user = authenticate_throttled(
        db_session, throttle, "owner@example.org", DEFAULT_PASSWORD, owner
    )
    assert user.email == "owner@example.org"


def test_the_form_and_the_token_endpoint_draw_on_one_budget(client, db_session):
    from tests.conftest import login

    user = make_user("trainee")
    db_session.commit()
    for _ in range(5):
        assert login(client, user.email, "wrong password guess!").status_code == 400
    for _ in range(5):
        refused = client.post(
            "/api/v1/tokens", json={"email": user.email, "password": "wrong password guess!"}
        )
        assert refused.status_code == 401
    assert login(client, user.email, "wrong password guess!").status_code == 429
    api = client.post("/api/v1/tokens", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert api.status_code == 429


def test_bad_passwords_from_elsewhere_do_not_lock_the_owner_out(app, client, db_session):
    """An attacker at another address spends that address's budget for the account, not the
    owner's (ProxyFix is off in tests: the address is the WSGI REMOTE_ADDR)."""
    from tests.conftest import csrf_token_from

    user = make_user("trainee")
    db_session.commit()
    attacker = app.test_client()
    for _ in range(12):
        attacker.post(
            "/api/v1/tokens",
            json={"email": user.email, "password": "wrong password guess!"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    locked = attacker.post(
        "/api/v1/tokens",
        json={"email": user.email, "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    owner = client.post(
        "/login",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert owner.status_code == 302


def test_registration_is_rate_limited_per_client_address(app, client, db_session, monkeypatch):
    from tests.conftest import csrf_token_from

    monkeypatch.setitem(app.config, "REGISTER_RATE_LIMIT", "3/hour")
    statuses = []
    for i in range(4):
        token = csrf_token_from(client.get("/register").get_data(as_text=True))
        statuses.append(
            client.post(
                "/register", data={"csrf_token": token, "email": f"r{i}@example.org"}
            ).status_code
        )
    assert statuses == [200, 200, 200, 429]  # 200: "check your mailbox", for every address


def test_with_rate_limiting_off_the_throttle_counts_nothing():
    throttle = LoginThrottle(None)
    for _ in range(FREE_FAILURES + 5):
        throttle.failed("a@example.org", "192.0.2.1")
    assert throttle.retry_after("a@example.org", "192.0.2.1") == 0
