"""Enrolment pages: a trainee's programs (enrol, withdraw); the admin's cohorts, rosters,
enrolment of one trainee or a CSV, withdrawals. Thin: parse, call services, commit once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user, login_required

from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.auth.services import find_user_by_email
from app.enrolment import queries, services
from app.enrolment.csv_import import CsvInvalid
from app.enrolment.forms import ActionForm, CohortForm, CsvForm, EnrolForm, InstructorForm
from app.enrolment.models import Cohort
from app.errors import NotFound
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import ngettext
from app.web import done, html_action

bp = Blueprint("enrolment", __name__)


def _viewer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _checked(form: Any) -> None:
    if not form.validate_on_submit():
        abort(400)


# ---------------------------------------------------------------- trainees


@bp.get("/enrolment")
@login_required
@role_required(Role.TRAINEE)
def mine():  # type: ignore[no-untyped-def]
    """The programs, with enrol buttons, and my enrolments (history included)."""
    viewer = _viewer()
    history = queries.history(db.session, viewer)
    active = {e.program_id for e in history if e.is_active}
    return render_template(
        "enrolment/mine.html",
        programs=queries.programs(db.session),
        active=active,
        history=history,
        form=ActionForm(),
    )


@bp.post("/enrolment/programs/<int:program_id>")
@login_required
@role_required(Role.TRAINEE)
@html_action("enrolment.mine")
def enrol_myself(program_id: int):  # type: ignore[no-untyped-def]
    _checked(ActionForm())
    program = next((p for p in queries.programs(db.session) if p.id == program_id), None)
    if program is None:
        raise NotFound(_("No such program."))
    services.enrol(db.session, _viewer(), _viewer(), program)
    return done(
        url_for("enrolment.mine"), _("You are enrolled in %(program)s.", program=program.title)
    )


@bp.post("/enrolment/<int:enrolment_id>/withdraw")
@login_required
@role_required(Role.TRAINEE)
@html_action("enrolment.mine")
def withdraw_myself(enrolment_id: int):  # type: ignore[no-untyped-def]
    _checked(ActionForm())
    enrolment = services.enrolment_of(db.session, enrolment_id, user=_viewer())
    services.withdraw(db.session, _viewer(), enrolment)
    return done(
        url_for("enrolment.mine"),
        _("You withdrew from %(program)s.", program=enrolment.program.title),
    )


# ---------------------------------------------------------------- administrators


def _program_choices() -> list[tuple[str, str]]:
    return [(p.slug, p.title) for p in queries.programs(db.session)]


def _forms() -> dict[str, Any]:
    cohort_form, enrol_form = CohortForm(), EnrolForm()
    cohort_form.program.choices = _program_choices()
    enrol_form.program.choices = [("", "(the cohort's program)")] + _program_choices()
    enrol_form.cohort.choices = [("", "No cohort")] + [
        (c.name, c.name) for c in queries.all_cohorts(db.session)
    ]
    return {"cohort_form": cohort_form, "enrol_form": enrol_form, "csv_form": CsvForm()}


def _cohorts_page(status: int = 200, problems: list | None = None, **forms: Any) -> Any:
    context = {**_forms(), **forms}
    return (
        render_template(
            "enrolment/cohorts.html",
            cohorts=queries.all_cohorts(db.session),
            problems=problems or [],
            **context,
        ),
        status,
    )


@bp.get("/admin/cohorts")
@login_required
@role_required(Role.ADMIN)
def cohorts():  # type: ignore[no-untyped-def]
    return _cohorts_page()


@bp.post("/admin/cohorts")
@login_required
@role_required(Role.ADMIN)
@html_action("enrolment.cohorts")
def create_cohort():  # type: ignore[no-untyped-def]
    form = _forms()["cohort_form"]
    if not form.validate_on_submit():
        return _cohorts_page(400, cohort_form=form)
    cohort = services.create_cohort(
        db.session,
        _viewer(),
        name=form.name.data or "",
        program_slug=form.program.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
    )
    return done(
        url_for("enrolment.cohort", cohort_id=cohort.id),
        _("Cohort %(name)s created.", name=cohort.name),
    )


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(_("No such cohort."))
    return cohort


@bp.get("/admin/cohorts/<int:cohort_id>")
@login_required
@role_required(Role.ADMIN)
def cohort(cohort_id: int):  # type: ignore[no-untyped-def]
    return render_template(
        "enrolment/cohort.html",
        roster=queries.roster(db.session, _cohort_or_404(cohort_id)),
        instructor_form=InstructorForm(),
        form=ActionForm(),
    )


def _cohort_page(cohort_id: int) -> str:
    return url_for("enrolment.cohort", cohort_id=cohort_id)


@bp.post("/admin/cohorts/<int:cohort_id>/instructors")
@login_required
@role_required(Role.ADMIN)
@html_action(_cohort_page)
def add_instructor(cohort_id: int):  # type: ignore[no-untyped-def]
    _checked(InstructorForm())
    cohort = _cohort_or_404(cohort_id)
    form = InstructorForm()
    user = find_user_by_email(db.session, form.email.data or "")
    if user is None:
        return done(_cohort_page(cohort_id), _("No account with that e-mail address."), "error")
    services.add_instructor(db.session, _viewer(), cohort, user)
    return done(
        _cohort_page(cohort_id),
        _("%(email)s teaches %(cohort)s.", email=user.email, cohort=cohort.name),
    )


@bp.post("/admin/cohorts/<int:cohort_id>/instructors/<int:user_id>/remove")
@login_required
@role_required(Role.ADMIN)
@html_action(_cohort_page)
def remove_instructor(cohort_id: int, user_id: int):  # type: ignore[no-untyped-def]
    _checked(ActionForm())
    cohort = _cohort_or_404(cohort_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    services.remove_instructor(db.session, _viewer(), cohort, user)
    return done(
        _cohort_page(cohort_id),
        _("%(email)s no longer teaches %(cohort)s.", email=user.email, cohort=cohort.name),
    )


@bp.post("/admin/enrolments")
@login_required
@role_required(Role.ADMIN)
@html_action("enrolment.cohorts")
def enrol():  # type: ignore[no-untyped-def]
    form = _forms()["enrol_form"]
    if not form.validate_on_submit():
        return _cohorts_page(400, enrol_form=form)
    user = find_user_by_email(db.session, form.email.data or "")
    if user is None:
        return done(
            url_for("enrolment.cohorts"), _("No account with that e-mail address."), "error"
        )
    row = services.enrol_by_name(
        db.session, _viewer(), user, program=form.program.data or "", cohort=form.cohort.data or ""
    )
    return done(
        url_for("enrolment.cohorts"),
        _("%(email)s is enrolled in %(program)s.", email=user.email, program=row.program.title),
    )


@bp.post("/admin/enrolments/csv")
@login_required
@role_required(Role.ADMIN)
@html_action("enrolment.cohorts")
def enrol_csv():  # type: ignore[no-untyped-def]
    """Every line or none: the problems are listed by line and column, nothing is written."""
    form = CsvForm()
    if not form.validate_on_submit():
        return _cohorts_page(400, csv_form=form)
    try:
        rows = services.enrol_csv(db.session, _viewer(), form.file.data.read())
    except CsvInvalid as exc:
        db.session.rollback()
        return _cohorts_page(400, problems=exc.problems)
    return done(
        url_for("enrolment.cohorts"),
        ngettext("%(num)s trainee enrolled.", "%(num)s trainees enrolled.", len(rows)),
    )


@bp.post("/admin/enrolments/<int:enrolment_id>/withdraw")
@login_required
@role_required(Role.ADMIN)
@html_action("enrolment.cohorts")
def withdraw(enrolment_id: int):  # type: ignore[no-untyped-def]
    _checked(ActionForm())
    enrolment = services.enrolment_of(db.session, enrolment_id)
    services.withdraw(db.session, _viewer(), enrolment)
    back = (
        _cohort_page(enrolment.cohort_id) if enrolment.cohort_id else url_for("enrolment.cohorts")
    )
    return done(
        back,
        _(
            "%(email)s withdrew from %(program)s.",
            email=enrolment.user.email,
            program=enrolment.program.title,
        ),
    )
