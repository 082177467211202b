"""Settings come from one place (app/settings.py) and are passed into the domains.

The domain modules (services, queries, pure modules) never read ``current_app`` or
``os.environ``: routes, API handlers, CLI commands and the wiring in create_app read the
settings and pass them in. The check parses the source with ``ast``.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from app.config import load_settings
from app.settings import IssuerSettings, Settings, get_settings

APP = Path(__file__).resolve().parents[2] / "app"

# The edges, where reading the running app or the environment is the job: the factory and
# its wiring, the settings themselves, HTTP and CLI entry points, Flask-Login glue.
BOUNDARY_FILES = {
    "__init__.py",
    "config.py",
    "settings.py",
    "web.py",
    "errors.py",
    "extensions.py",
    "security.py",
    "bench.py",
    "navigation.py",
    "auth/sessions.py",
    "auth/decorators.py",
}
BOUNDARY_NAMES = {"routes.py", "api.py", "cli.py"}


def _is_boundary(path: Path) -> bool:
    relative = path.relative_to(APP).as_posix()
    return (
        relative in BOUNDARY_FILES or path.name in BOUNDARY_NAMES or path.name.endswith("_cli.py")
    )


def domain_modules() -> list[Path]:
    return sorted(p for p in APP.rglob("*.py") if not _is_boundary(p))


def ambient_reads(source: str) -> list[str]:
    """``current_app``, ``os.environ``/``os.getenv`` (and their imports) in ``source``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if node.module == "flask" and "current_app" in names:
                found.append(f"line {node.lineno}: from flask import current_app")
            if node.module == "os" and names & {"environ", "getenv", "getenvb", "environb"}:
                found.append(f"line {node.lineno}: from os import {', '.join(sorted(names))}")
        elif isinstance(node, ast.Name) and node.id == "current_app":
            found.append(f"line {node.lineno}: current_app")
        elif isinstance(node, ast.Attribute):
            if node.attr == "current_app":
                found.append(f"line {node.lineno}: .current_app")
            if (
                isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and node.attr in {"environ", "getenv", "environb", "getenvb", "putenv"}
            ):
                found.append(f"line {node.lineno}: os.{node.attr}")
    return found


def test_domain_modules_do_not_read_the_app_or_the_environment() -> None:
    modules = domain_modules()
    names = {p.relative_to(APP).as_posix() for p in modules}
    # The check looks where it should: services, queries and pure modules of every domain.
    assert {"certificates/services.py", "certificates/pdf.py", "quiz/services.py"} <= names
    assert "progress/__init__.py" in names and "certificates/routes.py" not in names
    offenders = {
        path.relative_to(APP).as_posix(): reads
        for path in modules
        if (reads := ambient_reads(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, (
        f"Domain modules must take settings as arguments (see app/settings.py): {offenders}"
    )


@pytest.mark.parametrize(
    "source",
    [
        "from flask import current_app\n",
        "import flask\nx = flask.current_app.config\n",
        "import os\nx = os.environ.get('X')\n",
        "import os\nx = os.getenv('X')\n",
        "from os import environ\n",
        "def f():\n    from flask import current_app\n    return current_app.config\n",
    ],
)
def test_the_check_sees_each_way_of_reading_them(source: str) -> None:
    assert ambient_reads(source)


def test_settings_are_read_from_the_environment_with_their_defaults(monkeypatch) -> None:
    for name in (
        "ISSUER_NAME",
        "CERT_SIGNATORY",
        "ISSUER_EMAIL",
        "SIGNING_KEY",
        "PUBLIC_BASE_URL",
        "ATTEMPT_GRACE_SECONDS",
        "PRACTICE_NEW_PER_DAY",
        "VERIFY_RATE_LIMIT",
        "STUDIO_MAX_IMAGE_BYTES",
        "CERTIFICATE_FALLBACK_FONTS",
    ):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings.from_config(load_settings({"SECRET_KEY": "k", "INSTANCE_PATH": "/i"}))
    assert defaults.issuer == IssuerSettings(
        base_url="http://127.0.0.1:5000",
        name="Dry Needling Academy",
        signatory="Registrar, Dry Needling Academy",
        instance_path=str(Path("/i").resolve()),
        signing_key=None,
        email=None,
    )
    assert defaults.attempt_grace_seconds == 60
    assert defaults.practice_new_per_day == 10
    assert defaults.verify_rate_limit == "60/minute"
    assert defaults.studio_max_image_bytes == 2 * 1024 * 1024
    assert defaults.certificate_fallback_fonts is None

    monkeypatch.setenv("ISSUER_NAME", "Example Institute")
    monkeypatch.setenv("CERT_SIGNATORY", "Dean")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://example.org/")
    monkeypatch.setenv("ATTEMPT_GRACE_SECONDS", "5")
    monkeypatch.setenv("PRACTICE_NEW_PER_DAY", "3")
    monkeypatch.setenv("CERTIFICATE_FALLBACK_FONTS", os.pathsep.join(["/a.ttf", "/b.ttf"]))
    configured = Settings.from_config(load_settings({"SECRET_KEY": "k"}))
    assert configured.issuer.name == "Example Institute"
    assert configured.issuer.signatory == "Dean"
    assert configured.issuer.verify_url("c") == "https://example.org/verify/c"
    assert configured.attempt_grace_seconds == 5
    assert configured.practice_new_per_day == 3
    assert configured.certificate_fallback_fonts == ("/a.ttf", "/b.ttf")


def test_secrets_stay_out_of_the_repr() -> None:
    config = load_settings({"SECRET_KEY": "very-secret", "SIGNING_KEY": "seed-value"})
    text = repr(Settings.from_config(config))
    assert "very-secret" not in text and "seed-value" not in text


def test_the_app_keeps_one_settings_object_and_follows_its_config(app) -> None:
    first = get_settings(app)
    assert get_settings(app) is first
    assert first.issuer.instance_path == app.config["INSTANCE_PATH"]
    app.config["ATTEMPT_GRACE_SECONDS"] = 7
    try:
        assert get_settings(app).attempt_grace_seconds == 7
    finally:
        app.config["ATTEMPT_GRACE_SECONDS"] = first.attempt_grace_seconds
    assert get_settings(app) == first
