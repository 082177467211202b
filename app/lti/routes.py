"""LTI endpoints, all public: ``/lti/jwks.json`` serves public keys only; ``/lti/login`` and
``/lti/launch`` are public-but-signed (the platform's signed id_token, checked against its
registered keyset, is the credential; CSRF tokens cannot apply to a platform's form post)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_user
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException

from app.banks.models import Module
from app.errors import DomainError
from app.extensions import csrf, db
from app.i18n import gettext as _
from app.lti import keys, scores
from app.lti.framing import allow_framing_by
from app.lti.launch import DbLaunchDataStorage, LaunchRefused, ToolConf, check_audience, use_nonce
from app.lti.models import LtiPlatform
from app.lti.refusals import refusal_message
from app.lti.roster import remember_context
from app.lti.services import check_url, enrol_for_module, instructor_of_launch, link_account
from app.security import CSP_TEMPLATE, csp_nonce
from app.settings import get_settings

bp = Blueprint("lti", __name__, url_prefix="/lti")
CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


@bp.get("/jwks.json")
def jwks() -> Response:
    keyset = keys.published(db.session)
    db.session.commit()  # the first request of a fresh install made the key
    response = jsonify(keyset)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _refused(message: str | BaseException, disabled: bool = False) -> Any:
    """The refusal page; an exception is worded after the rollback (wording it reads the
    viewer's language, and the rollback would make the page load the viewer again)."""
    db.session.rollback()
    if isinstance(message, BaseException):
        message = refusal_message(message)
    return render_template("lti/refused.html", message=message, disabled=disabled), 403


def _disabled(iss: Any, client_id: Any) -> bool:
    """The named platform is registered but disabled by an administrator."""
    query = sa.select(LtiPlatform.id).where(
        LtiPlatform.issuer == str(iss or "")[:500], LtiPlatform.disabled_at.is_not(None)
    )
    if client_id:
        query = query.where(LtiPlatform.client_id == str(client_id)[:200])
    return db.session.scalar(query.limit(1)) is not None


def _disabled_page() -> Any:
    return _refused(_("An administrator of this site has disabled this platform's registration."),
                    disabled=True)  # fmt: skip


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login() -> Any:
    """OIDC login initiation: the platform names itself; we answer with the redirect to its
    authentication endpoint, carrying a fresh state (cookie) and nonce (stored)."""
    launch_url = get_settings().public_base_url.rstrip("/") + url_for("lti.launch")
    params = request.values
    if _disabled(params.get("iss"), params.get("client_id")):
        return _disabled_page()
    oidc = FlaskOIDCLogin(
        FlaskRequest(), ToolConf(db.session), launch_data_storage=DbLaunchDataStorage(db.session)
    )
    try:
        response = oidc.redirect(launch_url)
    except (OIDCException, LtiException) as exc:
        return _refused(exc)
    db.session.commit()
    return response


@bp.post("/launch")
@csrf.exempt
def launch() -> Any:
    """The resource-link launch: every check of the id_token (pylti1p3next: state, signature,
    nonce issued by us, registration, deployment, message; here: audience and a nonce used
    once), then the person's account, logged in, lands on the module the link names."""
    tool_conf = ToolConf(db.session)
    message = FlaskMessageLaunch(
        FlaskRequest(), tool_conf, launch_data_storage=DbLaunchDataStorage(db.session)
    )
    if _disabled(_unverified_iss(), None):
        return _disabled_page()
    try:
        claims = message.get_launch_data()
        platform = tool_conf.platform_for(claims["iss"], message.get_client_id())
        if platform is None:
            raise LaunchRefused(_("Unknown platform."))
        check_audience(claims, platform.client_id)
        use_nonce(db.session, platform.issuer, str(claims["nonce"]))
        user, _created = link_account(db.session, platform, claims)
        context = None
        if user.role.value == "instructor":
            context = remember_context(db.session, platform, claims, user)
        if message.is_deep_link_launch():
            return _deep_link_picker(message, user, platform)
        slug = str((claims.get(CUSTOM_CLAIM) or {}).get("module") or "")
        if slug:
            enrol_for_module(db.session, user, slug)
            scores.remember_line_item(db.session, platform, user.id, claims, slug)
    except (LtiException, DomainError, KeyError) as exc:
        return _refused(exc)
    db.session.commit()
    login_user(user)
    allow_framing_by(platform)
    if user.role.value == "instructor":  # the course's page: its roster, pulled from there
        return redirect(url_for("lti_pages.course", context_id=context.id) if context else
                        url_for("lti_pages.courses"))  # fmt: skip
    if not slug:
        abort(404)
    return redirect(url_for("quiz.module", slug=slug))


def _unverified_iss() -> str:
    """The issuer the id_token names (unverified: only to say a disabled registration)."""
    parts = str(request.form.get("id_token", ""))[:20000].split(".")
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return str(payload.get("iss", ""))
    except (IndexError, ValueError, AttributeError, TypeError):
        return ""


def _framed(html: str, platform: LtiPlatform, form_to: str | None = None) -> Response:
    """A Deep Linking page, shown inside the platform's frame outside any session of ours:
    framed by the registration's origins only, and (the return page) allowed to post its form
    to the platform's return URL (the site's CSP says ``form-action 'self'``)."""
    policy = CSP_TEMPLATE.format(nonce=csp_nonce()).replace(
        "frame-ancestors 'none'", "frame-ancestors " + " ".join(platform.frame_ancestors)
    )
    if form_to:
        parts = urlsplit(form_to)
        policy = policy.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
        )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = policy
    return response


def _deep_link_picker(message: FlaskMessageLaunch, user: Any, platform: LtiPlatform) -> Any:
    """A Deep Linking request: an instructor picks a module (the launch id, kept with the
    launch data for the next step, is the credential of the pick)."""
    if user.role.value != "instructor":
        raise LaunchRefused(_("Only an instructor can place modules in a course."))
    db.session.commit()
    modules = db.session.scalars(sa.select(Module).order_by(Module.position, Module.title))
    html = render_template(
        "lti/picker.html", launch_id=message.get_launch_id(), modules=list(modules)
    )
    return _framed(html, platform)


@bp.post("/deep-link")
@csrf.exempt
def deep_link() -> Any:
    """The pick: the signed Deep Linking response (an ``ltiResourceLink`` to the module,
    launching ``/lti/launch`` with ``custom.module``) posted back to the platform."""
    tool_conf = ToolConf(db.session)
    try:
        message = FlaskMessageLaunch.from_cache(
            str(request.form.get("launch_id", ""))[:200],
            FlaskRequest(),
            tool_conf,
            launch_data_storage=DbLaunchDataStorage(db.session),
        )
        if not message.is_deep_link_launch():
            raise LaunchRefused(_("This launch is not a Deep Linking request."))
        claims = message.get_launch_data()
        instructor_of_launch(db.session, claims)
        module = db.session.scalar(
            sa.select(Module).where(Module.slug == str(request.form.get("module", ""))[:80])
        )
        if module is None:
            raise LaunchRefused(_("No such module."))
        base = get_settings().public_base_url.rstrip("/")
        resource = (
            DeepLinkResource()
            .set_url(base + url_for("lti.launch"))
            .set_title(module.title)
            .set_custom_params({"module": module.slug})
        )
        link = message.get_deep_link()
        jwt_value = link.get_response_jwt([resource])
        settings = claims[DEEP_LINKING_SETTINGS]
        return_url = check_url("deep_link_return_url", str(settings["deep_link_return_url"]))
        platform = tool_conf.platform_for(claims["iss"], message.get_client_id())
        if platform is None:
            raise LaunchRefused(_("Unknown platform."))
    except (LtiException, DomainError, KeyError) as exc:
        return _refused(exc)
    html = render_template(
        "lti/return.html", return_url=return_url, jwt=jwt_value, title=module.title
    )
    return _framed(html, platform, form_to=return_url)
