"""LTI pages. Administrators: platform registrations (register, edit, disable, re-enable),
the tool's key rotation, failed score posts (resend). Instructors of a platform course (and
administrators): pull that course's roster (NRPS) into a cohort. Every change is a POST with a
CSRF token, audited by the service it calls."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.auth.decorators import role_required
from app.auth.models import User
from app.enrolment import queries as enrolment_queries
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.lti import keys, roster, scores, services
from app.lti.forms import ActionForm, ConfirmForm, PlatformForm, RosterForm
from app.lti.models import LtiContext, LtiPlatform, LtiScorePost, LtiToolKey
from app.web import done, form_errors, html_action

bp = Blueprint("lti_pages", __name__)
SKIP_REASONS = {
    "inactive": _l("inactive in the course"),
    "not_learner": _l("not a learner (instructors and others are not enrolled)"),
    "no_user_id": _l("the platform gave no user id"),
    "not_trainee": _l("their account here is not an active trainee"),
    "other_cohort": _l("enrolled in this program in another cohort"),
}


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _platform_or_404(platform_id: int) -> LtiPlatform:
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        abort(404)
    return platform


@bp.get("/admin/lti/platforms")
@login_required
@role_required("admin")
def platforms():  # type: ignore[no-untyped-def]
    """Every registration, its state, and the tool's signing key."""
    rows = db.session.scalars(sa.select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id))
    key = db.session.scalar(
        sa.select(LtiToolKey)
        .where(LtiToolKey.retired_at.is_(None))
        .order_by(LtiToolKey.created_at.desc(), LtiToolKey.id.desc())
        .limit(1)
    )
    failed = db.session.scalar(
        sa.select(sa.func.count(LtiScorePost.id)).where(LtiScorePost.status == "failed")
    )
    return render_template(
        "lti/platforms.html",
        platforms=list(rows),
        key=key,
        failed=failed or 0,
        held=scores.held_count(db.session),
        confirm_form=ConfirmForm(),
    )


@bp.route("/admin/lti/platforms/new", methods=["GET", "POST"])
@login_required
@role_required("admin")
def new_platform():  # type: ignore[no-untyped-def]
    form = PlatformForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("lti/platform_form.html", form=form, platform=None), status
    with form_errors(form, catch=ValidationFailed, client_id=Conflict) as outcome:
        platform = services.register_platform(db.session, _actor(), form.fields())
    if outcome.ok:
        return _saved(_("Platform %(name)s registered.", name=platform.name))
    return render_template("lti/platform_form.html", form=form, platform=None), outcome.status


def _saved(message: str) -> Any:
    flash(message, "success")
    return redirect(url_for("lti_pages.platforms"))


@bp.route("/admin/lti/platforms/<int:platform_id>", methods=["GET", "POST"])
@login_required
@role_required("admin")
def edit_platform(platform_id: int):  # type: ignore[no-untyped-def]
    platform = _platform_or_404(platform_id)
    form = PlatformForm()
    if not form.is_submitted():
        form.fill(platform)
    elif form.validate():
        with form_errors(form, catch=ValidationFailed, client_id=Conflict) as outcome:
            services.update_platform(db.session, _actor(), platform, form.fields())
        if outcome.ok:
            return _saved(_("Platform %(name)s saved.", name=platform.name))
        db.session.refresh(platform)
        return _form_page(form, platform, outcome.status)
    else:
        return _form_page(form, platform, 400)
    return _form_page(form, platform, 200)


def _form_page(form: PlatformForm, platform: LtiPlatform, status: int) -> Any:
    return render_template("lti/platform_form.html", form=form, platform=platform), status


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        raise ValidationFailed(_("Tick the confirmation box to go ahead; nothing has changed."))


@bp.post("/admin/lti/platforms/<int:platform_id>/disable")
@login_required
@role_required("admin")
@html_action("lti_pages.platforms")
def disable_platform(platform_id: int):  # type: ignore[no-untyped-def]
    """Launches refused, framing withdrawn, score posts held (kept pending)."""
    platform = _platform_or_404(platform_id)
    _confirmed()
    services.set_disabled(db.session, _actor(), platform, True)
    return done(url_for("lti_pages.platforms"), _("%(name)s is disabled.", name=platform.name))


@bp.post("/admin/lti/platforms/<int:platform_id>/enable")
@login_required
@role_required("admin")
@html_action("lti_pages.platforms")
def enable_platform(platform_id: int):  # type: ignore[no-untyped-def]
    platform = _platform_or_404(platform_id)
    _confirmed()
    services.set_disabled(db.session, _actor(), platform, False)
    return done(url_for("lti_pages.platforms"), _("%(name)s is enabled.", name=platform.name))


@bp.post("/admin/lti/keys/rotate")
@login_required
@role_required("admin")
@html_action("lti_pages.platforms")
def rotate_key():  # type: ignore[no-untyped-def]
    """A new signing key; the retired one stays published for 7 days."""
    _confirmed()
    key = keys.rotate(db.session, _actor())
    return done(url_for("lti_pages.platforms"), _("New signing key %(kid)s.", kid=key.kid))


@bp.get("/admin/lti/scores")
@login_required
@role_required("admin")
def failed_scores():  # type: ignore[no-untyped-def]
    """Score posts given up on, with the platform's answer; each can be resent."""
    return render_template(
        "lti/scores.html",
        rows=scores.failed_posts(db.session),
        held=scores.held_count(db.session),
        action_form=ActionForm(),
    )


def _send_after_response(ids: list[int]) -> None:
    db.session.info.setdefault(scores.QUEUED_KEY, []).extend(ids)


@bp.post("/admin/lti/scores/<int:post_id>/resend")
@login_required
@role_required("admin")
@html_action("lti_pages.failed_scores")
def resend_score(post_id: int):  # type: ignore[no-untyped-def]
    """Requeue one post (refused when the platform accepted that score already)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if scores.resend(db.session, _actor(), post_id) is None:
        abort(404)
    _send_after_response([post_id])
    return done(url_for("lti_pages.failed_scores"), _("Score post %(id)s queued.", id=post_id))


@bp.post("/admin/lti/scores/resend-failed")
@login_required
@role_required("admin")
@html_action("lti_pages.failed_scores")
def resend_failed():  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = scores.resend_failed(db.session, _actor())
    _send_after_response(ids)
    return done(url_for("lti_pages.failed_scores"), _("%(n)s score post(s) queued.", n=len(ids)))


@bp.get("/lti/courses")
@login_required
@role_required("instructor", "admin")
def courses():  # type: ignore[no-untyped-def]
    """The platform courses the viewer launched from as instructor (every one for admins)."""
    contexts = roster.contexts_of(db.session, _actor())
    platforms = {p.id: p for p in db.session.scalars(sa.select(LtiPlatform))}
    return render_template("lti/courses.html", contexts=contexts, platforms=platforms)


def _context_or_404(context_id: int) -> LtiContext:
    """The course, if the viewer may pull it (else 404: its existence is not disclosed)."""
    context = db.session.get(LtiContext, context_id)
    if context is None or not roster.may_pull(db.session, _actor(), context):
        abort(404)
    return context


def _roster_form() -> RosterForm:
    form = RosterForm()
    cohorts = enrolment_queries.cohorts_visible_to(db.session, _actor())
    form.cohort.choices = [("", _("Choose a cohort"))] + [
        (str(c.id), f"{c.name} ({c.program.title})") for c in cohorts
    ]
    return form


@bp.route("/lti/courses/<int:context_id>", methods=["GET", "POST"])
@login_required
@role_required("instructor", "admin")
def course(context_id: int):  # type: ignore[no-untyped-def]
    """The course's page: pull its roster into a cohort the viewer teaches (admins: any)."""
    context = _context_or_404(context_id)
    platform = db.session.get(LtiPlatform, context.platform_id)
    form, result, status = _roster_form(), None, 200
    if form.is_submitted():
        result, status = _pull(form, context)
    return render_template(
        "lti/course.html",
        context=context,
        platform=platform,
        form=form,
        result=result,
        reasons=SKIP_REASONS,
    ), status


def _pull(form: RosterForm, context: LtiContext) -> tuple[Any, int]:
    if not form.validate():
        return None, 400
    cohort = enrolment_queries.visible_cohort(db.session, _actor(), int(form.cohort.data))
    if cohort is None:
        form.cohort.errors = [_("Choose one of your cohorts.")]
        return None, 400
    result = None
    with form_errors(form, catch=roster.RosterUnavailable) as outcome:
        result = roster.pull_roster(db.session, _actor(), context, cohort)
    return (result if outcome.ok else None), outcome.status
