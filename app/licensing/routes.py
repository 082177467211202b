"""Pages: "Where can I practise?" (trainees choose their jurisdictions); the jurisdiction rules
for administrators (review status, history, proposals with their diff, four eyes) and the
roster download. Thin: parse, call services, commit once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock
from app.audit.services import record
from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.banks.models import Program
from app.errors import NotFound
from app.extensions import db
from app.i18n import gettext as _
from app.jurisdictions.professions import label as profession_label
from app.licensing import forms, queries, reports, services
from app.licensing.models import ProposalState, RuleProposal, RuleVersion
from app.web import done, html_action

bp = Blueprint("licensing", __name__)


def _viewer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _checked(form: Any) -> None:
    if not form.validate_on_submit():
        abort(400)


def _choose_form(user: User, formdata: Any = None) -> forms.ChooseForm:
    form = forms.ChooseForm(formdata=formdata) if formdata is not None else forms.ChooseForm()
    form.chosen.choices = [
        (r.rule_id, r.name) for r in queries.stored_rules(db.session, user.profession)
    ]
    return form


@bp.get("/jurisdictions")
@login_required
@role_required(Role.TRAINEE)
def where():  # type: ignore[no-untyped-def]
    """Every jurisdiction for my profession: status and what is missing."""
    user = _viewer()
    standings = queries.standings(db.session, user)
    form = _choose_form(user)
    form.chosen.data = [s.rule.id for s in standings if s.chosen]
    return render_template(
        "licensing/where.html",
        standings=standings,
        form=form,
        profession=profession_label(user.profession) if user.profession else "",
    )


@bp.post("/jurisdictions")
@login_required
@role_required(Role.TRAINEE)
@html_action(on_error="licensing.where")
def choose():  # type: ignore[no-untyped-def]
    user = _viewer()
    form = _choose_form(user, request.form)
    _checked(form)
    chosen = services.set_chosen(db.session, user, list(form.chosen.data or []))
    return done(url_for("licensing.where"), f"{len(chosen)} jurisdiction(s) on your dashboard.")


# ---------------------------------------------------------------- administrators


@bp.get("/admin/jurisdictions")
@login_required
@role_required(Role.ADMIN)
def admin_rules():  # type: ignore[no-untyped-def]
    pending = {p.rule_id for p in queries.pending_proposals(db.session)}
    return render_template(
        "licensing/admin_rules.html",
        rules=queries.stored_rules(db.session),
        pending=pending,
        today=clock.utcnow().date(),
        programs=db.session.scalars(sa.select(Program).order_by(Program.slug)).all(),
    )


@bp.get("/admin/jurisdictions/<rule_id>")
@login_required
@role_required(Role.ADMIN)
def admin_rule(rule_id: str):  # type: ignore[no-untyped-def]
    stored = services.stored_rule(db.session, rule_id)
    history = db.session.scalars(
        sa.select(RuleVersion)
        .where(RuleVersion.rule_id == rule_id)
        .order_by(RuleVersion.version.desc())
    ).all()
    proposals = queries.pending_proposals(db.session, rule_id)
    form = forms.ProposeForm(data={"text": stored.text})
    return render_template(
        "licensing/admin_rule.html",
        rule=stored,
        history=history,
        proposals=[(p, services.diff(stored.text, p.text, rule_id)) for p in proposals],
        form=form,
        decide=forms.DecideForm(),
        me=_viewer(),
        today=clock.utcnow().date(),
    )


@bp.post("/admin/jurisdictions/<rule_id>/propose")
@login_required
@role_required(Role.ADMIN)
@html_action(on_error=lambda rule_id: url_for("licensing.admin_rule", rule_id=rule_id))
def propose(rule_id: str):  # type: ignore[no-untyped-def]
    form = forms.ProposeForm()
    _checked(form)
    services.propose(db.session, _viewer(), rule_id, form.text.data or "", form.reason.data or "")
    return done(
        url_for("licensing.admin_rule", rule_id=rule_id),
        _("Change proposed: another administrator must approve it."),
    )


def _proposal_rule(proposal_id: int) -> str:
    proposal = db.session.get(RuleProposal, proposal_id)
    if proposal is None:
        raise NotFound()
    return proposal.rule_id


def _back(proposal_id: int) -> str:
    proposal = db.session.get(RuleProposal, proposal_id)
    if proposal is None:
        return url_for("licensing.admin_rules")
    return url_for("licensing.admin_rule", rule_id=proposal.rule_id)


@bp.post("/admin/jurisdiction-proposals/<int:proposal_id>/apply")
@login_required
@role_required(Role.ADMIN)
@html_action(on_error=_back)
def apply(proposal_id: int):  # type: ignore[no-untyped-def]
    form = forms.DecideForm()
    _checked(form)
    rule_id = _proposal_rule(proposal_id)
    stored = services.apply(db.session, _viewer(), proposal_id, form.note.data or "")
    return done(
        url_for("licensing.admin_rule", rule_id=rule_id),
        _("Applied: version %(version)s.", version=stored.version),
    )


@bp.post("/admin/jurisdiction-proposals/<int:proposal_id>/reject")
@login_required
@role_required(Role.ADMIN)
@html_action(on_error=_back)
def reject(proposal_id: int):  # type: ignore[no-untyped-def]
    form = forms.DecideForm()
    _checked(form)
    rule_id = _proposal_rule(proposal_id)
    proposal = services.reject(db.session, _viewer(), proposal_id, form.note.data or "")
    withdrawn = proposal.state == ProposalState.WITHDRAWN
    message = _("Proposal withdrawn.") if withdrawn else _("Proposal rejected.")
    return done(url_for("licensing.admin_rule", rule_id=rule_id), message)


@bp.get("/admin/reports/roster.csv")
@login_required
@role_required(Role.ADMIN)
def roster():  # type: ignore[no-untyped-def]
    """The CE-tracker roster of a program's completions in a date range (audited)."""
    form = forms.RosterForm(request.args)
    if not form.validate() or form.end.data < form.start.data:
        abort(400)
    program = db.session.scalar(sa.select(Program).where(Program.slug == form.program.data))
    if program is None:
        abort(404)
    text, count = reports.roster_csv(db.session, program, form.start.data, form.end.data)
    record(
        db.session, _viewer(), "report.roster", "program", program.slug,
        {"from": form.start.data.isoformat(), "to": form.end.data.isoformat(), "rows": count},
    )  # fmt: skip
    db.session.commit()
    response = Response(text, mimetype="text/csv")
    name = f"roster-{program.slug}-{form.start.data}-{form.end.data}.csv"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response
