"""Dry Needling Academy: the application factory."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides settings read from the environment.

    Never changes the database schema: run ``flask --app wsgi db upgrade``.
    """
    from app.config import load_settings

    settings = load_settings(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.from_mapping(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config.get("TRUST_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    _init_extensions(app)
    _import_models()
    _register_blueprints(app)

    from app.errors import register_error_handlers
    from app.navigation import init_navigation
    from app.security import init_security_headers

    # After api.init_app, so our envelope replaces flask-smorest's default handler.
    register_error_handlers(app)
    init_security_headers(app)
    from app.bench import init_bench

    init_bench(app)
    init_navigation(app)

    from app.auth.cli import register_cli
    from app.banks.cli import register_cli as register_banks_cli
    from app.quiz.cli import register_cli as register_quiz_cli

    register_cli(app)
    register_banks_cli(app)
    register_quiz_cli(app)

    from app.certificates.cli import register_cli as register_certs_cli
    from app.certificates.services import register_hooks as register_certificate_hooks

    register_certs_cli(app)
    register_certificate_hooks()  # completion/renewal on a passed attempt (quiz after_grading)
    return app


def _init_extensions(app: Flask) -> None:
    from app.auth.sessions import init_sessions
    from app.extensions import (
        alembic_render_item,
        api,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
    )

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,  # SQLite needs batch mode for ALTER; harmless elsewhere
        compare_type=True,
        render_item=alembic_render_item,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    init_sessions(app)
    limiter.init_app(app)
    api.init_app(app)


# Every domain's models module: add yours so metadata (and Alembic autogenerate) sees it.
MODEL_MODULES = [
    "app.auth.models",
    "app.audit.models",
    "app.banks.models",
    "app.quiz.models",
    "app.progress.models",
    "app.certificates.models",
    "app.studio.models",
]


def _import_models() -> None:
    """Import every domain's models so metadata (and Alembic) sees all tables."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def _register_blueprints(app: Flask) -> None:
    from app.api.routes import blp as auth_api
    from app.auth.routes import bp as auth_bp
    from app.banks.routes import bp as banks_bp
    from app.extensions import api

    # HTML blueprints.
    app.register_blueprint(auth_bp)
    app.register_blueprint(banks_bp)

    from app.quiz.routes import bp as quiz_bp

    app.register_blueprint(quiz_bp)

    from app.admin.routes import bp as admin_bp
    from app.certificates.routes import bp as certificates_bp

    app.register_blueprint(certificates_bp)
    app.register_blueprint(admin_bp)

    from app.progress import init_progress
    from app.progress.routes import bp as progress_bp

    app.register_blueprint(progress_bp)
    init_progress(app)

    from app.studio.routes import bp as studio_bp

    app.register_blueprint(studio_bp)

    # JSON API blueprints (flask_smorest.Blueprint, url_prefix="/api/v1/..."): register each
    # domain's API here with api.register_blueprint(...) so it appears in /api/v1/openapi.json.
    api.register_blueprint(auth_api)

    from app.quiz.api import blp as quiz_api

    api.register_blueprint(quiz_api)

    from app.certificates.api import blp as certificates_api

    api.register_blueprint(certificates_api)

    from app.progress.api import blp as progress_api

    api.register_blueprint(progress_api)
