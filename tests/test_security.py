"""Security headers, CSRF, safe redirects, error pages."""

import pytest

from app.security import is_safe_next
from tests.conftest import csrf_token_from


def test_security_headers_with_a_fresh_nonce(client):
    first = client.get("/login")
    second = client.get("/login")
    csp = first.headers["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "'strict-dynamic'",
    ]:
        assert directive in csp
    assert "'nonce-" in csp
    assert csp != second.headers["Content-Security-Policy"]
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert first.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in first.headers


def test_production_cookies_and_hsts(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    prod = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    assert prod.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = prod.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_requires_a_secret_key(monkeypatch, tmp_path):
    from app.config import ConfigError, load_settings

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_settings({"INSTANCE_PATH": str(tmp_path)})


def test_missing_csrf_token_is_a_400(client, db_session):
    response = client.post("/login", data={"email": "a@example.org", "password": "whatever x"})
    assert response.status_code == 400
    # The friendly page (issue 18) says it in plain words; the code names the cause.
    assert 'data-error-code="csrf_failed"' in response.text
    assert "The form was open too long" in response.text


def test_token_from_another_session_is_refused(app, client, db_session):
    other = app.test_client()
    foreign = csrf_token_from(other.get("/login").text)
    client.get("/login")
    response = client.post(
        "/login", data={"email": "a@example.org", "password": "whatever x", "csrf_token": foreign}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("target", "ok"),
    [
        ("/profile", True),
        ("/verify/abc?x=1", True),
        ("//evil.example", False),
        ("https://evil.example/", False),
        ("https:evil.example", False),
        ("/\\/evil.example", False),
        ("\\/\\/evil.example", False),
        ("javascript:alert(1)", False),
        ("/\t/evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_is_safe_next(target, ok):
    assert is_safe_next(target) is ok


def test_html_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'href="#main"' in response.text


def test_pages_have_landmarks_and_a_skip_link(client):
    html = client.get("/register").text
    for fragment in [
        "<header",
        '<nav aria-label="Main"',
        '<main id="main"',
        "<footer",
        'class="skip-link"',
    ]:
        assert fragment in html
    assert '<label for="email">' in html


def test_role_required_allows_listed_roles_only(app, db_session):
    from flask_login import login_user
    from werkzeug.exceptions import Forbidden

    from app.auth.decorators import role_required
    from tests.factories import make_user

    view = role_required("admin", "instructor")(lambda: "ok")
    with app.test_request_context("/studio"):
        anonymous = view()
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.test_request_context("/studio"):
        login_user(make_user("instructor"))
        assert view() == "ok"
    with app.test_request_context("/studio"):
        login_user(make_user("trainee"))
        with pytest.raises(Forbidden):
            view()


def test_forwarded_headers_are_trusted_only_with_trust_proxy(tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import create_app

    base = {"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)}
    assert not isinstance(create_app(base).wsgi_app, ProxyFix)
    assert isinstance(create_app({**base, "TRUST_PROXY": True}).wsgi_app, ProxyFix)


def test_public_personal_pages_are_never_stored_and_static_files_are(client, db_session):
    """Issue 12: the public verify page (a person's name) sends ``Cache-Control: no-store``;
    static files stay cacheable."""
    assert client.get("/verify?code=").headers.get("Cache-Control") == "no-store"
    assert client.get("/verify/ABCDEF").headers.get("Cache-Control") == "no-store"
    static = client.get("/static/favicon.svg")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("trainee", ("/home", "/modules", "/certificates", "/dashboard", "/practice", "/profile")),
        ("admin", ("/admin/", "/admin/users", "/admin/audit")),
    ],
)
def test_pages_served_to_a_logged_in_user_are_never_stored(client, login_as, role, paths):
    login_as(role)
    for path in paths:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "no-store", path


def test_start_up_says_when_limits_are_per_worker(tmp_path, caplog, monkeypatch):
    """Issue 12: ``make run`` (gunicorn, two workers) with the memory store says so at start-up."""
    import sys
    import types

    from app import create_app

    monkeypatch.setitem(sys.modules, "gunicorn", types.ModuleType("gunicorn"))
    config = {
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}",
        "INSTANCE_PATH": str(tmp_path),
    }
    with caplog.at_level("WARNING"):
        create_app({**config, "RATELIMIT_STORAGE_URI": "memory://"})
    assert any("per worker process" in r.getMessage() for r in caplog.records)
    caplog.clear()
    try:
        with caplog.at_level("WARNING"):
            create_app({**config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
        assert not any("per worker process" in r.getMessage() for r in caplog.records)
    finally:
        # The limiter is one shared object: put it back on memory storage, or every later test
        # of this session would count its logins in Redis.
        create_app({**config, "RATELIMIT_STORAGE_URI": "memory://"})
