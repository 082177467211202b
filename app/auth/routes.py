"""Account pages: home, register (by e-mailed link), log in/out, profile, password (change and
reset by e-mail), invitations, personal access tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import ValidationError, validate_csrf

from app.auth import accounts, links, reauth, services
from app.auth.forms import (
    AccountSetupForm,
    EmptyForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    ReauthForm,
    RegisterForm,
    ResetPasswordForm,
    TokenForm,
    jurisdiction_choices,
)
from app.auth.models import ApiToken, User
from app.auth.throttle import (
    account_mail_limit,
    authenticate_throttled,
    login_ip_limit,
    login_pair_limit,
    login_throttle,
)
from app.errors import DomainError
from app.extensions import csrf, db, limiter, rate_limit_key
from app.i18n import LOCALE_COOKIE
from app.i18n import gettext as _
from app.security import safe_next
from app.settings import effective_settings, get_settings
from app.siteconfig import services as siteconfig
from app.web import done, form_errors, html_action

bp = Blueprint("auth", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """Anonymous: links to log in, register, verify. Logged in: the user's home."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    return render_template("index.html")


HOME_BY_ROLE = {
    "trainee": "progress.dashboard",
    "instructor": "studio.index",
    "admin": "admin.index",
}


@bp.get("/home")
@login_required
def home():  # type: ignore[no-untyped-def]
    """Where each role starts: trainees their dashboard, instructors the studio, admins the
    admin dashboard. (A plain welcome page only if that blueprint is not installed.)"""
    endpoint = HOME_BY_ROLE.get(current_user.role.value)
    if endpoint and endpoint in current_app.view_functions:
        return redirect(url_for(endpoint))
    return render_template("auth/home.html")


def link_context() -> accounts.LinkContext:
    """The account flows' context for this request (admin invitations use it too)."""
    settings = effective_settings()
    base = settings.public_base_url
    return accounts.LinkContext(
        secret=settings.practice_secret,  # SECRET_KEY
        settings=settings.accounts,
        url=lambda endpoint, **values: base + url_for(endpoint, **values),
        site_name=settings.issuer.name,
    )


def _profile(form: AccountSetupForm) -> accounts.Profile:
    return accounts.Profile(
        name=form.name.data or "",
        password=form.password.data or "",
        profession=form.profession.data or "",
        licence_number=form.licence_number.data or "",
        jurisdiction=form.jurisdiction.data or "",
        accepted_terms=bool(form.accept_terms.data),
        licensed_since=form.licensed_since.data,
    )


def _link_refused(error: DomainError):  # type: ignore[no-untyped-def]
    return render_template("auth/link_invalid.html", message=error.message), error.status


def _registration_closed():  # type: ignore[no-untyped-def]
    status = 403 if request.method == "POST" else 200
    return render_template("auth/register_closed.html"), status


SETUP_FIELDS = {
    "password": services.WeakPassword,
    "accept_terms": accounts.TermsRequired,
    "jurisdiction": accounts.UnknownJurisdiction,
}


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: get_settings().register_rate_limit, methods=["POST"], scope="register")
@account_mail_limit
def register():  # type: ignore[no-untyped-def]
    """Step 1: an address. The same answer whether or not it has an account (the e-mail says
    which); the link leads to ``register_complete``."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    if not siteconfig.registration_open(db.session):
        return _registration_closed()
    form = RegisterForm()
    if form.validate_on_submit():
        with form_errors(form, email=services.InvalidEmail) as outcome:
            accounts.request_registration(db.session, link_context(), form.email.data or "")
        if outcome.ok:
            return render_template("auth/check_mail.html", purpose="registration")
    status = 400 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


def _account_setup(email: str, *, invitation: bool, create: Callable[[Any], User], welcome: str):  # type: ignore[no-untyped-def]
    """The account setup form of a followed registration or invitation link: ``create`` makes
    the account from the profile; then the person is logged in."""
    form = AccountSetupForm()
    if form.validate_on_submit():
        with form_errors(
            form, catch=DomainError, profession=accounts.ProfileIncomplete, **SETUP_FIELDS
        ) as outcome:
            user = create(_profile(form))
        if outcome.ok:
            session.clear()
            login_user(user)
            reauth.mark_password_entered()  # the password was just chosen
            flash(welcome, "success")
            return redirect(url_for("auth.home"))
    status = 400 if request.method == "POST" else 200
    page = render_template("auth/account_setup.html", form=form, email=email, invitation=invitation)
    return page, status


@bp.route("/register/complete/<string:token>", methods=["GET", "POST"])
@limiter.limit(lambda: get_settings().register_rate_limit, methods=["POST"], scope="register")
def register_complete(token: str):  # type: ignore[no-untyped-def]
    """Step 2, from the mailed link: name, password, profile, terms; then logged in."""
    if not siteconfig.registration_open(db.session):
        return _registration_closed()
    ctx = link_context()
    try:
        email = accounts.registration_email(db.session, ctx, token)
    except links.LinkInvalid as error:
        return _link_refused(error)
    return _account_setup(
        email,
        invitation=False,
        create=lambda profile: accounts.complete_registration(db.session, ctx, token, profile),
        welcome=_("Welcome! Your account has been created."),
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: get_settings().accounts.password_reset_rate_limit,
    methods=["POST"],
    scope="password-reset",
)
@account_mail_limit
def forgot_password():  # type: ignore[no-untyped-def]
    """The same answer for every address; only an active account's owner gets a link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with form_errors(form, email=services.InvalidEmail) as outcome:
            accounts.request_password_reset(db.session, link_context(), form.email.data or "")
        if outcome.ok:
            return render_template("auth/check_mail.html", purpose="reset")
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/reset/<string:token>", methods=["GET", "POST"])
@limiter.limit(
    lambda: get_settings().accounts.password_reset_rate_limit,
    methods=["POST"],
    scope="password-reset-use",
)
def reset_password(token: str):  # type: ignore[no-untyped-def]
    """Set a new password through a reset link (once); every session and token ends."""
    ctx = link_context()
    max_age = ctx.settings.password_reset_max_age
    try:
        accounts.user_for_link(db.session, ctx, links.PASSWORD_RESET, token, max_age)
    except links.LinkInvalid as error:
        return _link_refused(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with form_errors(form, catch=links.LinkInvalid, new=services.WeakPassword) as outcome:
            accounts.reset_password(db.session, ctx, token, form.new.data or "")
        if outcome.ok:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form), status


@bp.route("/invite/<string:token>", methods=["GET", "POST"])
@limiter.limit(lambda: get_settings().register_rate_limit, methods=["POST"], scope="invite")
def accept_invite(token: str):  # type: ignore[no-untyped-def]
    """An invited person sets their name, password and profile (once), then is logged in."""
    ctx = link_context()
    try:
        invited = accounts.invited_user(db.session, ctx, token)
    except links.LinkInvalid as error:
        return _link_refused(error)
    return _account_setup(
        invited.email,
        invitation=True,
        create=lambda profile: accounts.accept_invitation(db.session, ctx, token, profile),
        welcome=_("Welcome! Your account is ready."),
    )


@bp.route("/login", methods=["GET", "POST"])
@login_ip_limit
@login_pair_limit
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("auth.home")))
    if form.validate_on_submit():
        # keep=True: a failed log-in commits too, keeping its audit row.
        with form_errors(form, keep=True, password=services.InvalidCredentials) as outcome:
            user = authenticate_throttled(
                db.session,
                login_throttle(),
                form.email.data or "",
                form.password.data or "",
                rate_limit_key(),
            )
        if outcome.ok:
            session.clear()
            login_user(user)
            reauth.mark_password_entered()
            return redirect(safe_next(form.next.data, url_for("auth.home")))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@html_action()
def logout():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        services.logout(db.session, current_user._get_current_object())
    logout_user()
    session.clear()
    return done(url_for("auth.login"), _("You have been logged out."))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    form = ProfileForm(obj=user) if request.method == "GET" else ProfileForm()
    form.jurisdiction.choices = jurisdiction_choices(user.jurisdiction)
    if form.validate_on_submit():
        services.update_profile(
            db.session,
            user,
            name=form.name.data or "",
            profession=form.profession.data or "",
            licence_number=form.licence_number.data or "",
            jurisdiction=form.jurisdiction.data or "",
            licensed_since=form.licensed_since.data,
        )
        services.set_interface(
            db.session, user, locale=form.locale.data, time_zone=form.time_zone.data
        )
        db.session.commit()
        refresh()  # the language may have just changed: say it in the new one
        flash(_("Profile saved."), "success")
        return redirect(url_for("auth.profile"))
    tokens = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "auth/profile.html",
            form=form,
            token_form=TokenForm(),
            revoke_form=EmptyForm(),
            tokens=tokens,
            new_token=None,
        ),
        status,
    )


@bp.post("/profile/tokens")
@login_required
def create_token():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for("auth.profile"))
    issued = services.create_token(db.session, user, form.name.data or "")
    db.session.commit()
    tokens = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()
    # The secret is shown once, in this response only (never flashed into the cookie session).
    profile_form = ProfileForm(obj=user)
    profile_form.jurisdiction.choices = jurisdiction_choices(user.jurisdiction)
    return render_template(
        "auth/profile.html",
        form=profile_form,
        token_form=TokenForm(formdata=None),
        revoke_form=EmptyForm(),
        tokens=tokens,
        new_token=issued.secret,
    )


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
@html_action()
def revoke_token(token_id: int):  # type: ignore[no-untyped-def]
    form = EmptyForm()
    if form.validate_on_submit():
        services.revoke_token(db.session, current_user._get_current_object(), token_id)
        return done(url_for("auth.profile"), _("Token revoked."))
    return redirect(url_for("auth.profile"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def password():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate_on_submit():
        with form_errors(
            form, current=services.InvalidCredentials, new=services.WeakPassword
        ) as outcome:
            services.change_password(db.session, user, form.current.data or "", form.new.data or "")
        if outcome.ok:
            # Other sessions are now invalid; keep this one by logging in again.
            session.clear()
            login_user(user)
            reauth.mark_password_entered()
            flash(_("Password changed. Other sessions have been logged out."), "success")
            return redirect(url_for("auth.profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/reauth", methods=["GET", "POST"], endpoint="reauth")
@login_required
@login_ip_limit
def reauth_page():  # type: ignore[no-untyped-def]
    """Type the password again before a destructive action; then back to ``next`` (same site)."""
    form = ReauthForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # keep=True: a wrong password commits its audit row too.
        with form_errors(form, keep=True, password=services.InvalidCredentials) as outcome:
            services.confirm_password(db.session, user, form.password.data or "")
        if outcome.ok:
            reauth.mark_password_entered()
            flash(_("Thank you. You can go on for the next few minutes."), "success")
            return redirect(safe_next(form.next.data, url_for("auth.home")))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reauth.html", form=form), status


def _same_site_referrer() -> str | None:
    """The path (and query) of the page the request came from, when it is this site's."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.post("/language")
@csrf.exempt
def language():  # type: ignore[no-untyped-def]
    """The language switcher: a cookie for everyone; logged in, the account keeps it too.
    A visitor's form carries no CSRF token (a token would start a session on every public
    page, the verify page included); a logged-in person's does, and it is checked here."""
    form = LanguageForm(meta={"csrf": False})
    if current_user.is_authenticated:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            raise DomainError(_("The form has expired: try again."), code="csrf") from error
    if not form.validate_on_submit() or not form.locale.data:
        raise DomainError(_("Choose one of the languages offered."), code="unknown_locale")
    chosen = form.locale.data
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        services.set_interface(db.session, user, locale=chosen, time_zone=user.time_zone)
        db.session.commit()
    response = redirect(safe_next(form.next.data or _same_site_referrer(), url_for("auth.index")))
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    response.set_cookie(
        LOCALE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=secure
    )
    return response
