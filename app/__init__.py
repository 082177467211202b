"""Dry Needling Academy: the application factory."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import sqlalchemy.orm as sa_orm
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

    from app.settings import init_settings, set_overrides

    init_settings(app)  # the typed settings the routes, CLI and hooks pass into the domains
    set_overrides(app, _site_overrides)  # what administrators keep in the database wins

    if app.config.get("TRUST_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from app.input_guard import BoundedIntConverter, init_input_guard

    # Before any route or extension: ids are bounded in every URL rule, and hostile input is
    # refused before CSRF, the limiter or the session loader look at the request.
    app.url_map.converters["int"] = BoundedIntConverter
    init_input_guard(app)
    _init_extensions(app)
    _import_models()
    _register_blueprints(app)

    from app.bench import init_bench
    from app.errors import register_error_handlers
    from app.navigation import init_navigation
    from app.security import init_security_headers

    # After api.init_app, so our envelope replaces flask-smorest's default handler.
    register_error_handlers(app)
    init_security_headers(app)
    init_bench(app)  # baseline endpoints, only when BENCH_MODE=1
    init_navigation(app)
    _init_templates(app)

    from app.mail.hooks import init_mail

    init_mail(app)  # what a request queued is sent after its response (or by `flask mail send`)
    from app.xapi.hooks import init_xapi

    init_xapi(app)  # the same for xAPI statements (or `flask xapi send`)
    from app.lti.scores import init_lti

    init_lti(app)  # and for LTI score posts (or `flask lti scores send`)
    from app.lti.framing import init_framing

    init_framing(app)  # an LTI session's pages may be framed by its platform only
    _register_cli(app)
    _register_hooks()
    return app


def _init_templates(app: Flask) -> None:
    from app.questions.templating import TEMPLATE_GLOBALS

    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    from app.jurisdictions.professions import label as profession_label

    app.add_template_filter(profession_label, "profession_label")
    from app.public.landing import init_public

    init_public(app)  # the landing page's programs and sample question (issue 18)


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

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from app.sqlite_writers import QueuedWritersConnection

        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        connect_args = options.setdefault("connect_args", {})
        connect_args.setdefault("factory", QueuedWritersConnection)  # request writers queue
    db.init_app(app)
    from app.i18n import init_i18n

    init_i18n(app)  # the interface's language and time zone (docs/i18n.md)
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
    # Said when a server starts (gunicorn imports the app), not before every CLI command.
    served = "gunicorn" in sys.modules
    memory = str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://")
    if memory and served and not app.testing:
        app.logger.warning(
            "Rate limits (logins, registration, verification) are counted per worker process "
            "(RATELIMIT_STORAGE_URI=memory://): with N workers an address gets N times the "
            "budget. Set RATELIMIT_STORAGE_URI=redis://… to share them (docs/operations.md)."
        )
    if (
        served
        and app.config.get("APP_ENV") == "production"
        and not app.config.get("PUBLIC_BASE_URL")
    ):
        app.logger.warning(
            "PUBLIC_BASE_URL is not set: links and certificates use the address each request "
            "came to (its Host header), and the CLI uses "
            "http://127.0.0.1:5000. Set it to the public address before issuing certificates "
            "(it is signed into them; docs/operations.md)."
        )
    from app.api.error_docs import ErrorResponsesPlugin

    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin(app)]})


# Every domain's models module: add yours so metadata (and Alembic autogenerate) sees it.
MODEL_MODULES = [
    "app.auth.models",
    "app.audit.models",
    "app.banks.models",
    "app.quiz.models",
    "app.progress.models",
    "app.certificates.models",
    "app.studio.models",
    "app.mail.models",
    "app.siteconfig.models",
    "app.notify.models",
    "app.rules.models",
    "app.enrolment.models",
    "app.practical.models",
    "app.licensing.models",
    "app.xapi.models",
    "app.lti.models",
    "app.derived.models",
]


def _import_models() -> None:
    """Import every domain's models so metadata (and Alembic) sees all tables, and configure
    their mappers now, at boot, rather than at the first query of each worker: about 0.2 s
    of a worker's first request, which a spike of first requests waits for (issue 19)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    sa_orm.configure_mappers()


def _register_blueprints(app: Flask) -> None:
    """Every domain's pages and JSON API (the API ones appear in /api/v1/openapi.json)."""
    from app.admin.routes import bp as admin_bp
    from app.api.routes import blp as auth_api
    from app.auth.routes import bp as auth_bp
    from app.banks.routes import bp as banks_bp
    from app.certificates.api import blp as certificates_api
    from app.certificates.routes import bp as certificates_bp
    from app.enrolment.routes import bp as enrolment_bp
    from app.extensions import api
    from app.licensing.api import blp as licensing_api
    from app.licensing.routes import bp as licensing_bp
    from app.lti.pages import bp as lti_pages_bp
    from app.lti.routes import bp as lti_bp
    from app.notify.routes import bp as notify_bp
    from app.ops.routes import bp as ops_bp
    from app.practical.api import blp as practical_api
    from app.practical.osce_routes import bp as osce_bp
    from app.practical.routes import bp as practical_bp
    from app.progress.api import blp as progress_api
    from app.progress.routes import bp as progress_bp
    from app.quiz.api import blp as quiz_api
    from app.quiz.routes import bp as quiz_bp
    from app.regrade.routes import bp as regrade_bp
    from app.siteconfig.routes import bp as siteconfig_bp
    from app.studio.routes import bp as studio_bp

    for blueprint in (
        auth_bp,
        banks_bp,
        quiz_bp,
        certificates_bp,
        admin_bp,
        progress_bp,
        studio_bp,
        ops_bp,
        enrolment_bp,
        notify_bp,
        regrade_bp,
        practical_bp,
        licensing_bp,
        osce_bp,
        siteconfig_bp,
        lti_bp,
        lti_pages_bp,
    ):
        app.register_blueprint(blueprint)
    # JSON API blueprints (flask_smorest.Blueprint, url_prefix="/api/v1/...").
    for api_blueprint in (
        auth_api,
        quiz_api,
        certificates_api,
        progress_api,
        practical_api,
        licensing_api,
    ):
        api.register_blueprint(api_blueprint)


def _register_cli(app: Flask) -> None:
    """``flask --app wsgi users|demo|banks|stats|attempts|certs|audit|backup|cohorts|mail|…``."""
    from app.analysis.stats_cli import register_cli as register_stats_cli
    from app.audit.cli import register_cli as register_audit_cli
    from app.auth.cli import register_cli as register_auth_cli
    from app.banks.cli import register_cli as register_banks_cli
    from app.benchseed.cli import register_cli as register_bench_cli
    from app.certificates.cli import register_cli as register_certs_cli
    from app.demo.cli import register_cli as register_demo_cli
    from app.enrolment.cli import register_cli as register_enrolment_cli
    from app.licensing.cli import register_cli as register_licensing_cli
    from app.lti.cli import register_cli as register_lti_cli
    from app.mail.cli import register_cli as register_mail_cli
    from app.notify.cli import register_cli as register_notify_cli
    from app.ops.cli import register_cli as register_ops_cli
    from app.quiz.cli import register_cli as register_quiz_cli
    from app.regrade.cli import register_cli as register_regrade_cli
    from app.siteconfig.cli import register_cli as register_siteconfig_cli
    from app.xapi.cli import register_cli as register_xapi_cli

    for register in (
        register_auth_cli,
        register_demo_cli,
        register_banks_cli,
        register_bench_cli,
        register_stats_cli,
        register_quiz_cli,
        register_certs_cli,
        register_audit_cli,
        register_ops_cli,
        register_enrolment_cli,
        register_licensing_cli,
        register_mail_cli,
        register_notify_cli,
        register_regrade_cli,
        register_siteconfig_cli,
        register_xapi_cli,
        register_lti_cli,
    ):
        register(app)


def _register_hooks() -> None:
    """Work that runs inside the quiz's grading transaction (``after_grading``), in order:
    mastery and spaced repetition first, then completions and renewals; the notes of a
    result page (``result_notes``: a renewal waiting for its CPD hours); and the enrolment
    scope of the quiz's module lists and starts (``module_scope``)."""
    from app.certificates.services import register_hooks as register_certificate_hooks
    from app.enrolment.queries import register_hooks as register_enrolment_hooks
    from app.practical.services import register_hooks as register_practical_hooks
    from app.progress.services import register_hooks as register_progress_hooks
    from app.xapi.hooks import running_context
    from app.xapi.services import register_hooks as register_xapi_hooks

    register_progress_hooks()
    register_certificate_hooks(_running_issuer)
    register_enrolment_hooks()  # which modules a trainee may see and start
    register_practical_hooks()  # hours, logbook and stations as evidence for eligibility
    register_xapi_hooks(running_context)  # statements for the LRS, last: after the grade is final
    from app.lti.scores import register_hooks as register_lti_hooks

    register_lti_hooks()  # scores for the LMS line items of launched trainees


def _running_issuer(session):  # type: ignore[no-untyped-def]
    """The effective issuer settings of the app that is grading, read through the grading
    ``session`` (None outside an app context): the certificates' grading hook asks for them
    when a completion is approved at once."""
    from flask import has_app_context

    from app.settings import at_request_address, get_settings
    from app.siteconfig.services import apply_overrides

    if not has_app_context():
        return None
    return at_request_address(apply_overrides(session, get_settings()).issuer)


def _site_overrides(settings):  # type: ignore[no-untyped-def]
    """The settings with the values administrators stored (``app/siteconfig``) put in."""
    from app.extensions import db
    from app.siteconfig.services import apply_overrides

    return apply_overrides(db.session, settings)
