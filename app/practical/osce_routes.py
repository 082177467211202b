"""OSCE pages: the staff hub, station authoring and approval, starting a performance, the
examiner's marking page (a phone or tablet held in one hand) with its JSON saves, and the
station's agreement report. Thin: parse, call services, commit once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.auth.services import find_user_by_email
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.i18n import gettext as _
from app.practical import forms, osce, services
from app.practical.models import OsceMarking, OscePerformance, OsceStation, StationState
from app.settings import get_settings
from app.web import done, form_errors, html_action

bp = Blueprint("osce", __name__)
STAFF = (Role.INSTRUCTOR, Role.ADMIN)


def _viewer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _stations() -> list[OsceStation]:
    return list(db.session.scalars(sa.select(OsceStation).order_by(OsceStation.slug)))


@bp.route("/practical", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def index():  # type: ignore[no-untyped-def]
    """The staff hub: stations, the examinations in progress, starting one."""
    form = forms.PerformanceForm()
    approved = [s for s in _stations() if s.state == StationState.APPROVED]
    form.station.choices = [SelectChoice(str(s.id), s.title) for s in approved]
    status = 200
    if form.validate_on_submit():
        with form_errors(form, catch=ValidationFailed, flash=True) as outcome:
            candidate = find_user_by_email(db.session, form.candidate.data or "")
            station = db.session.get(OsceStation, int(form.station.data or 0))
            if candidate is None or station is None:
                raise ValidationFailed(_("candidate: no trainee has this e-mail address."))
            row = osce.start_performance(
                db.session, _viewer(), station, candidate, int(form.examiners.data or 2)
            )
        if outcome.ok:
            return redirect(url_for("osce.mark", performance_id=row.id))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    performances = db.session.scalars(
        sa.select(OscePerformance).order_by(OscePerformance.id.desc()).limit(50)
    ).all()
    return render_template(
        "practical/osce_index.html",
        stations=_stations(),
        performances=performances,
        form=form,
        action=forms.ActionForm(),
    ), status


@bp.route("/practical/stations/new", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def new_station():  # type: ignore[no-untyped-def]
    form = forms.StationForm()
    status = 200
    if form.validate_on_submit():
        with form_errors(form, catch=ValidationFailed, flash=True) as outcome:
            osce.create_station(db.session, _viewer(), _station_input(form))
        if outcome.ok:
            flash(_("Draft saved: send it for review when ready."), "success")
            return redirect(url_for("osce.index"))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return render_template("practical/station_form.html", form=form), status


def _station_input(form: forms.StationForm) -> osce.StationInput:
    return osce.StationInput(
        slug=(form.slug.data or "").strip(),
        title=form.title.data or "",
        task=form.task.data or "",
        region=form.region.data or None,
        checklist=osce.parse_items(form.checklist.data or "", _("checklist"), True),
        critical_errors=osce.parse_items(
            form.critical_errors.data or "", _("critical errors"), False
        ),
        global_scale=form.global_scale.data or 5,
        pass_percent=float(form.pass_percent.data or 0),
        min_global=form.min_global.data or 1,
    )


@bp.post("/practical/stations/<int:station_id>/submit")
@login_required
@role_required(*STAFF)
@html_action(on_error="osce.index")
def submit_station(station_id: int):  # type: ignore[no-untyped-def]
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    station = osce.submit_station(db.session, _viewer(), station_id)
    return done(url_for("osce.index"), _("%(title)s is in review.", title=station.title))


@bp.post("/practical/stations/<int:station_id>/approve")
@login_required
@role_required(*STAFF)
@html_action(on_error="osce.index")
def approve_station(station_id: int):  # type: ignore[no-untyped-def]
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    station = osce.approve_station(db.session, _viewer(), station_id)
    return done(url_for("osce.index"), _("%(title)s is approved.", title=station.title))


@bp.get("/practical/stations/<int:station_id>")
@login_required
@role_required(*STAFF)
def station(station_id: int):  # type: ignore[no-untyped-def]
    """A station and its examiners' agreement (per item, overall, per examiner, leniency)."""
    row = db.session.get(OsceStation, station_id)
    if row is None:
        raise NotFound()
    report = osce.station_report(db.session, row)
    return render_template("practical/station.html", station=row, report=report)


# ---------------------------------------------------------------- marking


@bp.get("/practical/performances/<int:performance_id>/mark")
@login_required
@role_required(*STAFF)
def mark(performance_id: int):  # type: ignore[no-untyped-def]
    """The marking page: large targets, marks kept on the device and sent with a seq."""
    performance = db.session.get(OscePerformance, performance_id)
    if performance is None or performance.candidate_id == _viewer().id:
        raise NotFound()
    mine = db.session.scalar(
        sa.select(OsceMarking).where(
            OsceMarking.performance_id == performance.id,
            OsceMarking.examiner_id == _viewer().id,
        )
    )
    return render_template(
        "practical/mark.html", performance=performance, marking=mine, form=forms.ActionForm()
    )


@bp.post("/practical/performances/<int:performance_id>/marks")
@login_required
@role_required(*STAFF)
def save_marks(performance_id: int):  # type: ignore[no-untyped-def]
    """JSON ``{"seq", "marks", "critical", "global_rating"}``; a replayed seq changes nothing."""
    row, applied = osce.save_marks(db.session, _viewer(), performance_id, _json())
    db.session.commit()
    return jsonify({"seq": row.seq, "applied": applied, "submitted": row.submitted_at is not None})


@bp.post("/practical/performances/<int:performance_id>/submit")
@login_required
@role_required(*STAFF)
def submit_marks(performance_id: int):  # type: ignore[no-untyped-def]
    """Submit my marks (the latest, in the body); final once every examiner submitted."""
    row = osce.submit_marking(db.session, _viewer(), performance_id, _json())
    performance = db.session.get(OscePerformance, performance_id)
    if performance is not None and performance.passed:
        services.recheck(db.session, performance.candidate, get_settings().issuer)
    db.session.commit()
    final = performance is not None and performance.finalised_at is not None
    return jsonify(
        {
            "seq": row.seq,
            "percent": row.percent,
            "passed": row.passed,
            "final": final,
            "result": (performance.passed if final and performance else None),
        }
    )


def _json() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed(_("body: a JSON object."))
    return data
