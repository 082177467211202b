"""Practical competence pages: my requirements, my logbook and hours (trainee); sign-off and
activity review (instructors, admins); sessions with attendance; supervisors' experience and
the adverse-event summary (admins). Thin: parse, call services, commit once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.auth.services import find_user_by_email
from app.enrolment.queries import cohorts_visible_to, may_see_trainee, visible_cohort
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import local_number, ngettext
from app.practical import forms, hours, logbook, queries, services
from app.practical.models import HoursEntry
from app.settings import get_settings
from app.web import done, form_errors, html_action

bp = Blueprint("practical", __name__)
STAFF = (Role.INSTRUCTOR, Role.ADMIN)


def _viewer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _checked(form: Any) -> None:
    if not form.validate_on_submit():
        abort(400)


# ---------------------------------------------------------------- trainee


@bp.get("/requirements")
@login_required
@role_required(Role.TRAINEE)
def requirements():  # type: ignore[no-untyped-def]
    """Every requirement of my program: progress, what is missing, what to do next."""
    program, verdict = services.requirements_of(db.session, _viewer())
    return render_template("practical/requirements.html", program=program, verdict=verdict)


@bp.route("/logbook", methods=["GET", "POST"])
@login_required
@role_required(Role.TRAINEE)
def logbook_page():  # type: ignore[no-untyped-def]
    """My supervised sessions, and the form to log one."""
    user, form = _viewer(), forms.LogbookForm()
    status = 200
    if form.validate_on_submit():
        program = services.trainee_program(db.session, user)
        with form_errors(form, catch=ValidationFailed, flash=True) as outcome:
            if program is None:
                raise ValidationFailed(_("There is no program to log sessions for."))
            logbook.log_session(db.session, user, program, _logbook_input(form))
        if outcome.ok:
            return done_redirect(url_for("practical.logbook_page"), _("Session logged."))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    entries = queries.logbook(db.session, user.id)
    return render_template("practical/logbook.html", form=form, entries=entries), status


def _logbook_input(form: forms.LogbookForm) -> logbook.LogbookInput:
    return logbook.LogbookInput(
        performed_on=form.performed_on.data,  # type: ignore[arg-type]
        patient_code=form.patient_code.data or "",
        region=form.region.data or "",
        muscles=(form.muscles.data or "").split(","),
        needles_in=form.needles_in.data or 0,
        needles_out=form.needles_out.data or 0,
        adverse_event=form.adverse_event.data or "none",
        supervisor_email=form.supervisor_email.data or "",
        reflection=form.reflection.data or "",
    )


def done_redirect(location: str, message: str) -> Any:
    """After a form's commit: say so and show the page again (post/redirect/get)."""
    flash(message, "success")
    return redirect(location)


@bp.route("/hours", methods=["GET", "POST"])
@login_required
@role_required(Role.TRAINEE)
def hours_page():  # type: ignore[no-untyped-def]
    """My hours ledger, and the form to record an activity with its evidence."""
    user, form = _viewer(), forms.ActivityForm()
    status = 200
    if form.validate_on_submit():
        upload = form.evidence.data
        data = upload.read(hours.MAX_EVIDENCE_BYTES + 1)
        with form_errors(form, catch=ValidationFailed, flash=True) as outcome:
            hours.record_activity(db.session, user, _activity(form), data, upload.filename or "")
        if outcome.ok:
            return done_redirect(
                url_for("practical.hours_page"), _("Activity recorded for review.")
            )
        status = outcome.status
    elif request.method == "POST":
        status = 400
    entries = queries.ledger(db.session, user.id)
    return render_template("practical/hours.html", form=form, entries=entries), status


def _activity(form: Any) -> hours.Activity:
    return hours.Activity(
        title=form.title.data or "",
        mode=form.mode.data or "",
        content_area=form.content_area.data or None,
        hours=float(form.hours.data or 0),
        held_on=form.held_on.data,
    )


@bp.get("/hours/<int:entry_id>/evidence")
@login_required
def evidence(entry_id: int):  # type: ignore[no-untyped-def]
    """The evidence file of an activity: its trainee, or an instructor or admin."""
    viewer = _viewer()
    entry = db.session.get(HoursEntry, entry_id)
    if entry is None or entry.evidence_data is None:
        raise NotFound()
    if entry.user_id != viewer.id and (
        viewer.role not in STAFF or not may_see_trainee(db.session, viewer, entry.user_id)
    ):
        raise NotFound()
    return Response(
        entry.evidence_data,
        mimetype=entry.evidence_type,
        headers={
            "Content-Disposition": f'attachment; filename="{entry.evidence_name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# ---------------------------------------------------------------- supervisors and reviewers


@bp.get("/logbook/sign")
@login_required
@role_required(*STAFF)
def to_sign():  # type: ignore[no-untyped-def]
    """The entries that name me as supervisor and wait for my decision."""
    entries = queries.to_sign(db.session, _viewer().id)
    return render_template("practical/sign.html", entries=entries, form=forms.DecisionForm())


@bp.post("/logbook/<int:entry_id>/decide")
@login_required
@role_required(*STAFF)
@html_action(on_error="practical.to_sign")
def decide(entry_id: int):  # type: ignore[no-untyped-def]
    form = forms.DecisionForm()
    _checked(form)
    settings = get_settings()
    entry = logbook.decide(
        db.session,
        _viewer(),
        entry_id,
        form.decision.data or "",
        form.comment.data or "",
        logbook.MailContext(
            settings.issuer.name, url_for("practical.logbook_page", _external=True)
        ),
    )
    if entry.status.value == "approved":
        services.recheck(db.session, entry.trainee, settings.issuer)
    approved = entry.status.value == "approved"
    return done(
        url_for("practical.to_sign"), _("Entry approved.") if approved else _("Entry returned.")
    )


@bp.get("/hours/review")
@login_required
@role_required(*STAFF)
def review_queue():  # type: ignore[no-untyped-def]
    entries = queries.activities_to_review(db.session, _viewer())
    return render_template("practical/review.html", entries=entries, form=forms.ReviewForm())


@bp.post("/hours/<int:entry_id>/review")
@login_required
@role_required(*STAFF)
@html_action(on_error="practical.review_queue")
def review(entry_id: int):  # type: ignore[no-untyped-def]
    form = forms.ReviewForm()
    _checked(form)
    verify = form.verdict.data == "verify"
    entry = hours.review_activity(db.session, _viewer(), entry_id, verify, form.note.data or "")
    if verify:
        trainee = db.session.get(User, entry.user_id)
        if trainee is not None:
            services.recheck(db.session, trainee, get_settings().issuer)
    said = _("Activity verified.") if entry.status.value == "verified" else _("Activity rejected.")
    return done(url_for("practical.review_queue"), said)


@bp.route("/hours/sessions/new", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def new_session():  # type: ignore[no-untyped-def]
    """Record a session I ran and who attended: each attendee is credited its hours."""
    viewer, form = _viewer(), forms.SessionForm()
    cohorts = cohorts_visible_to(db.session, viewer)
    form.cohort.choices = [SelectChoice("", "(no cohort)")] + [
        SelectChoice(str(c.id), c.name) for c in cohorts
    ]
    status = 200
    if form.validate_on_submit():
        with form_errors(form, catch=ValidationFailed, flash=True) as outcome:
            cohort = _cohort(viewer, form.cohort.data or "")
            ids = _attendee_ids(form.attendees.data or "")
            row = hours.run_session(db.session, viewer, _activity(form), ids, cohort)
            for user_id in ids:
                trainee = db.session.get(User, user_id)
                if trainee is not None:
                    services.recheck(db.session, trainee, get_settings().issuer)
        if outcome.ok:
            return done_redirect(
                url_for("practical.new_session"),
                ngettext(
                    "Session recorded: %(hours)s h to %(num)s trainee.",
                    "Session recorded: %(hours)s h to %(num)s trainees.",
                    len(ids),
                    hours=local_number(row.hours),
                ),
            )
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return render_template("practical/session.html", form=form), status


def _cohort(viewer: User, value: str) -> Any:
    if not value:
        return None
    cohort = visible_cohort(db.session, viewer, int(value)) if value.isdigit() else None
    if cohort is None:
        raise ValidationFailed(_("cohort: not one of your cohorts."))
    return cohort


def _attendee_ids(text: str) -> list[int]:
    ids = []
    for line in text.replace(",", "\n").split("\n"):
        email = line.strip()
        if not email:
            continue
        user = find_user_by_email(db.session, email)
        if user is None:
            raise ValidationFailed(
                _("attendees: no account has the e-mail %(email)s.", email=email[:80])
            )
        ids.append(user.id)
    return ids


# ---------------------------------------------------------------- administrators


@bp.route("/admin/supervisors", methods=["GET", "POST"])
@login_required
@role_required(Role.ADMIN)
def supervisors():  # type: ignore[no-untyped-def]
    """Record instructors' dry-needling experience (who may supervise)."""
    form = forms.ExperienceForm()
    status = 200
    if form.validate_on_submit():
        with form_errors(form, catch=ValidationFailed, flash=True) as outcome:
            user = find_user_by_email(db.session, form.email.data or "")
            if user is None:
                raise ValidationFailed(_("No account has this e-mail address."))
            logbook.record_experience(
                db.session,
                _viewer(),
                user,
                form.needling_since.data,
                form.sessions.data or 0,  # type: ignore[arg-type]
            )
        if outcome.ok:
            return done_redirect(url_for("practical.supervisors"), _("Experience recorded."))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    rows = queries.supervisors(db.session)
    return render_template("practical/supervisors.html", form=form, rows=rows), status


@bp.get("/admin/adverse-events")
@login_required
@role_required(Role.ADMIN)
def adverse_events():  # type: ignore[no-untyped-def]
    """The adverse events logged in supervised sessions, and their rate per region."""
    return render_template(
        "practical/adverse.html",
        events=queries.adverse_events(db.session),
        summary=queries.adverse_summary(db.session),
    )
