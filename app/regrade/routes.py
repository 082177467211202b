"""``/admin/regrade``: rescore a corrected question's attempts (dry run, then apply with a
confirmation), and the completions a regrade flagged for review. Admin only."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.services import record
from app.auth.decorators import role_required
from app.certificates.models import Completion
from app.errors import DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import ngettext
from app.regrade import queries, services
from app.regrade.cli import mail_context
from app.regrade.forms import ApplyRegradeForm, ClearFlagForm
from app.settings import issuer_settings
from app.web import done, html_action

bp = Blueprint("regrade", __name__, url_prefix="/admin/regrade")


def _page(**context: object) -> str:
    return render_template(
        "regrade/index.html",
        flagged=queries.flagged_completions(db.session),
        clear_form=ClearFlagForm(),
        **context,
    )


@bp.get("/")
@login_required
@role_required("admin")
def index():  # type: ignore[no-untyped-def]
    """Pick a question; with ``?question=KEY`` the dry run (reads only) and the apply form."""
    raw = request.args.get("question")
    if raw is None:
        return _page(plan=None, key="", error=None)
    try:
        plan = services.plan_regrade(db.session, raw)
    except DomainError as exc:
        db.session.rollback()
        return _page(plan=None, key=raw[:200], error=exc.message), exc.status
    db.session.rollback()  # the dry run writes nothing; end its read transaction
    form = ApplyRegradeForm(data={"question": plan.question, "digest": plan.digest()})
    return _page(plan=plan, key=plan.question, error=None, form=form)


@bp.post("/")
@login_required
@role_required("admin")
@html_action()
def apply():  # type: ignore[no-untyped-def]
    """Apply the dry run the administrator saw (its digest), once they ticked the box;
    errors are pages with their status (400 bad input, 409 the plan changed)."""
    form = ApplyRegradeForm()
    if not form.validate_on_submit():
        raise ValidationFailed(_("Tick the box to confirm the dry run's changes; nothing changed."))
    plan = services.apply_regrade(
        db.session,
        current_user._get_current_object(),
        form.question.data,
        expected_digest=form.digest.data,
        settings=issuer_settings(),
        mail=mail_context(),
    )
    if plan.empty:
        return done(url_for("regrade.index"), _("Nothing to change: the results already stand."))
    return done(
        url_for("regrade.index"),
        ngettext(
            "Regraded %(question)s: %(num)s attempt changed; trainees told.",
            "Regraded %(question)s: %(num)s attempts changed; trainees told.",
            len(plan.attempts),
            question=plan.question,
        ),
    )


@bp.post("/flags/<int:completion_id>/clear")
@login_required
@role_required("admin")
@html_action()
def clear_flag(completion_id: int):  # type: ignore[no-untyped-def]
    """The reviewer keeps a flagged completion (revoking is on the certificates page)."""
    form = ClearFlagForm()
    if not form.validate_on_submit():
        raise ValidationFailed(_("Say why the completion stands; nothing changed."))
    completion = db.session.get(Completion, completion_id)
    if completion is None or completion.regrade_flag is None:
        raise NotFound()
    flag, completion.regrade_flag = completion.regrade_flag, None
    record(
        db.session,
        current_user._get_current_object(),
        "completion.regrade_flag_cleared",
        "completion",
        completion.id,
        {"flag": flag, "note": (form.note.data or "").strip()},
    )
    return done(url_for("regrade.index"), _("Flag cleared; the completion stands."))
