"""Admin pages: completions review queue, certificates (revoke, re-issue), CSV export, users
(role, deactivate, invite), the mail outbox, site settings and the audit log. Every route is
admin-only; every change is a POST."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock, csv_export
from app.admin import evidence, evidence_queries
from app.admin import queries as admin_queries
from app.admin.forms import (
    AccommodationForm,
    ActionForm,
    ApplyRuleChangeForm,
    ApproveForm,
    AuditFilterForm,
    BrandingImageForm,
    BulkApproveForm,
    CertificateSettingsForm,
    ConfirmForm,
    ExamSettingsForm,
    ExtendForm,
    InviteForm,
    MailSettingsForm,
    RejectForm,
    RejectRuleChangeForm,
    RemoveImageForm,
    RevokeForm,
    RoleForm,
    SiteSettingsForm,
)
from app.auth import accommodations, accounts
from app.auth import services as auth_services
from app.auth.decorators import role_required
from app.auth.models import User
from app.auth.reauth import recent_auth_required
from app.auth.routes import link_context
from app.certificates import queries as cert_queries
from app.certificates import services as cert_services
from app.certificates.models import Certificate, Completion, CompletionStatus
from app.derived import store
from app.enrolment import queries as enrolment_queries
from app.errors import DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import local_datetime
from app.licensing import queries as licensing_queries
from app.mail import outbox as mail_outbox
from app.mail.models import OutboxMessage, OutboxStatus
from app.quiz import deadlines
from app.quiz.models import Attempt
from app.rules import queries as rule_queries
from app.rules import services as rule_services
from app.settings import effective_settings, get_settings, issuer_settings
from app.siteconfig import services as siteconfig
from app.siteconfig.images import ImageRejected
from app.web import done, form_errors, html_action

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


NOT_CONFIRMED = _l("Tick the confirmation box to go ahead; nothing has changed.")


def _confirmed(form: Any, message: Any = NOT_CONFIRMED) -> None:
    """Raise ValidationFailed (nothing changes) unless ``form`` validates, box ticked."""
    if not form.validate_on_submit():
        if "confirm" in form.errors:
            raise ValidationFailed(str(message))
        first = next(iter(form.errors.values()), [_("The form is not valid.")])
        raise ValidationFailed(_("%(error)s Nothing has changed.", error=first[0]))


def _thresholds() -> evidence.Thresholds:
    review = get_settings().review
    return evidence.Thresholds(
        min_seconds_per_question=review.min_seconds_per_question,
        identical_min_items=review.identical_min_items,
        burst_attempts=review.burst_attempts,
        burst_minutes=review.burst_minutes,
    )


@bp.get("/")
@login_required
@role_required("admin")
def index():  # type: ignore[no-untyped-def]
    return render_template(
        "admin/index.html",
        pending=admin_queries.pending_count(db.session),
        flagged=admin_queries.regrade_flagged_count(db.session),
        rule_changes=rule_queries.pending_count(db.session),
        past_review=licensing_queries.past_review(db.session),
        rule_proposals=len(licensing_queries.pending_proposals(db.session)),
    )


# ---------------------------------------------------------------- completions


@bp.get("/completions")
@login_required
@role_required("admin")
def completions():  # type: ignore[no-untyped-def]
    raw = request.args.get("status", "pending")
    status = (
        None
        if raw == "all"
        else CompletionStatus(raw)
        if raw in set(CompletionStatus)
        else (CompletionStatus.PENDING)
    )
    cohorts = enrolment_queries.all_cohorts(db.session)
    cohort = _cohort_filter(cohorts)
    scope = enrolment_queries.trainee_ids_in([cohort.id]) if cohort else None
    page = cert_queries.completions_by_status(db.session, status, _page(), user_ids=scope)
    html = render_template(
        "admin/completions.html",
        page=page,
        cohorts=cohorts,
        cohort=cohort,
        status=raw if status is None else status.value,
        approve_form=ApproveForm(),
        reject_form=RejectForm(),
        bulk_form=BulkApproveForm(),
        evidence=evidence_queries.evidence_for(db.session, page.items, _thresholds()),
    )
    store.keep(db.session)  # identical-answers flags computed for this page (app/derived)
    return html


def _cohort_filter(cohorts: list) -> Any:
    """The cohort of ``?cohort=<id>`` among ``cohorts`` (none given: None; unknown: 404)."""
    raw = request.args.get("cohort", "")
    if not raw:
        return None
    found = next((c for c in cohorts if str(c.id) == raw), None)
    if found is None:
        raise NotFound(_("No such cohort."))
    return found


@bp.post("/completions/<int:completion_id>/approve")
@login_required
@role_required("admin")
@html_action("admin.completions")
def approve(completion_id: int):  # type: ignore[no-untyped-def]
    if db.session.get(Completion, completion_id) is None:
        abort(404)
    form = ApproveForm()
    _confirmed(form)
    certificate = cert_services.approve_completion(
        db.session,
        _actor(),
        completion_id,
        note=form.note.data or "",
        settings=issuer_settings(),
    )
    return done(
        url_for("admin.completions"),
        _("Approved; certificate %(serial)s issued.", serial=certificate.serial),
    )


@bp.post("/completions/<int:completion_id>/reject")
@login_required
@role_required("admin")
@html_action("admin.completions")
def reject(completion_id: int):  # type: ignore[no-untyped-def]
    form = RejectForm()
    if not form.validate_on_submit():
        if "note" in form.errors:
            flash(_("Say why the completion is rejected: the trainee will see it."), "error")
        else:
            flash(str(NOT_CONFIRMED), "error")
        return redirect(url_for("admin.completions"))
    cert_services.reject_completion(db.session, _actor(), completion_id, form.note.data or "")
    return done(url_for("admin.completions"), _("Completion rejected; the trainee sees your note."))


@bp.get("/completions.csv")
@login_required
@role_required("admin")
def completions_csv() -> Response:
    """Every completion with its latest certificate; formula-like cells are escaped."""
    now = clock.utcnow()
    header = [
        "completion_id", "name", "email", "licence_number", "program", "cycle", "status",
        "completed_at", "reviewed_at", "note", "serial", "issued_at", "valid_until",
        "certificate_status",
    ]  # fmt: skip
    rows = []
    for c, cert in cert_queries.completions_export_rows(db.session):
        rows.append(
            [
                c.id,
                c.user.name,
                c.user.email,
                c.user.licence_number,
                c.program.title,
                c.cycle,
                c.status.value,
                c.completed_at.isoformat(),
                c.reviewed_at.isoformat() if c.reviewed_at else "",
                c.note,
                cert.serial if cert else "",
                cert.issued_at.isoformat() if cert else "",
                cert.valid_until.isoformat() if cert else "",
                cert_queries.status_of(cert, now).value if cert else "",
            ]
        )
    response = Response(csv_export.to_csv(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="completions-{now:%Y%m%d}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- certificates


@bp.get("/certificates")
@login_required
@role_required("admin")
def certificates():  # type: ignore[no-untyped-def]
    search = request.args.get("q", "")[:100]
    page = cert_queries.all_certificates(db.session, search, _page())
    now = clock.utcnow()
    return render_template(
        "admin/certificates.html",
        page=page,
        q=search,
        statuses={c.id: cert_queries.status_of(c, now).value for c in page.items},
        revoke_form=RevokeForm(),
        action_form=ConfirmForm(),
    )


def _certificate_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)


@bp.post("/certificates/<string:certificate_id>/revoke")
@login_required
@role_required("admin")
@recent_auth_required
@html_action("admin.certificates")
def revoke(certificate_id: str):  # type: ignore[no-untyped-def]
    form = RevokeForm()
    if not form.validate_on_submit():
        if "reason" in form.errors:
            flash(_("A reason is required to revoke a certificate."), "error")
        else:
            flash(str(NOT_CONFIRMED), "error")
        return redirect(url_for("admin.certificates"))
    certificate = cert_services.revoke_certificate(
        db.session,
        _actor(),
        _certificate_id(certificate_id),
        form.reason.data or "",
        settings=issuer_settings(),
    )
    return done(
        url_for("admin.certificates"),
        _("Certificate %(serial)s revoked.", serial=certificate.serial),
    )


@bp.post("/certificates/<string:certificate_id>/reissue")
@login_required
@role_required("admin")
@html_action("admin.certificates")
def reissue(certificate_id: str):  # type: ignore[no-untyped-def]
    if db.session.get(Certificate, _certificate_id(certificate_id)) is None:
        abort(404)
    _confirmed(ConfirmForm())
    certificate = cert_services.reissue_certificate(
        db.session, _actor(), _certificate_id(certificate_id), settings=issuer_settings()
    )
    return done(
        url_for("admin.certificates"),
        _("Re-issued as %(serial)s; the old certificate is revoked.", serial=certificate.serial),
    )


# ---------------------------------------------------------------- rule changes (four eyes)


@bp.get("/rule-changes")
@login_required
@role_required("admin")
def rule_changes():  # type: ignore[no-untyped-def]
    return render_template(
        "admin/rule_changes.html",
        pending=rule_queries.pending(db.session),
        decided=rule_queries.recent_decided(db.session),
        apply_form=ApplyRuleChangeForm(),
        reject_form=RejectRuleChangeForm(),
    )


@bp.post("/rule-changes/<int:change_id>/apply")
@login_required
@role_required("admin")
@html_action()
def apply_rule_change(change_id: int):  # type: ignore[no-untyped-def]
    """Apply a pending change proposed by someone else; errors are pages with their status
    (403 own proposal, 409 stale or decided, 400 not confirmed)."""
    form = ApplyRuleChangeForm()
    if not form.validate_on_submit():
        raise ValidationFailed(
            _("Tick the box to confirm you checked the change; nothing changed.")
        )
    change = rule_services.apply(db.session, _actor(), change_id)
    return done(
        url_for("admin.rule_changes"),
        _("Applied to the %(kind)s %(slug)s.", kind=change.target_kind, slug=change.target_slug),
    )


@bp.post("/rule-changes/<int:change_id>/reject")
@login_required
@role_required("admin")
@html_action()
def reject_rule_change(change_id: int):  # type: ignore[no-untyped-def]
    form = RejectRuleChangeForm()
    if not form.validate_on_submit():
        raise ValidationFailed(_("Say why the change is rejected: the proposer sees it."))
    change = rule_services.reject(db.session, _actor(), change_id, form.reason.data or "")
    return done(
        url_for("admin.rule_changes"),
        _("Rejected the change to %(slug)s.", slug=change.target_slug),
    )


# ---------------------------------------------------------------- users and audit


@bp.get("/users")
@login_required
@role_required("admin")
def users():  # type: ignore[no-untyped-def]
    search = request.args.get("q", "")[:100]
    return render_template(
        "admin/users.html",
        page=admin_queries.users(db.session, search, _page()),
        q=search,
        role_form=RoleForm(),
        action_form=ConfirmForm(),
    )


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/role")
@login_required
@role_required("admin")
@recent_auth_required
@html_action("admin.users")
def set_role(user_id: int):  # type: ignore[no-untyped-def]
    form = RoleForm()
    if not form.validate_on_submit() and set(form.errors) - {"confirm"}:
        abort(400)  # no valid role: the form is read before the user
    user = _user_or_404(user_id)
    _confirmed(form)
    if user.id == current_user.id:
        flash(_("You cannot change your own role."), "error")
        return redirect(url_for("admin.users"))
    auth_services.set_role(db.session, _actor(), user, form.role.data or "")
    return done(
        url_for("admin.users"),
        _("%(email)s is now %(role)s.", email=user.email, role=user.role.value),
    )


@bp.post("/users/<int:user_id>/deactivate")
@login_required
@role_required("admin")
@recent_auth_required
@html_action("admin.users")
def deactivate(user_id: int):  # type: ignore[no-untyped-def]
    user = _user_or_404(user_id)
    _confirmed(ConfirmForm())
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.users"))
    auth_services.deactivate(db.session, _actor(), user)
    return done(
        url_for("admin.users"),
        _("%(email)s is deactivated and signed out everywhere.", email=user.email),
    )


@bp.post("/users/<int:user_id>/reactivate")
@login_required
@role_required("admin")
@html_action("admin.users")
def reactivate(user_id: int):  # type: ignore[no-untyped-def]
    """Let a deactivated account log in again (confirmed, audited)."""
    user = _user_or_404(user_id)
    _confirmed(ConfirmForm())
    auth_services.reactivate(db.session, _actor(), user)
    return done(
        url_for("admin.users"), _("%(email)s is active again and can log in.", email=user.email)
    )


def _audit_filters() -> tuple[AuditFilterForm, admin_queries.AuditFilter | None]:
    """The filter form read from the query string, and its filter (None when invalid)."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return form, None
    return form, admin_queries.AuditFilter(
        actor=form.actor.data or "",
        action=form.action.data or "",
        subject_type=form.subject_type.data or "",
        subject_id=form.subject_id.data or "",
        since=form.since.data,
        until=form.until.data,
    )


def _audit_args(form: AuditFilterForm) -> dict[str, str]:
    names = ("actor", "action", "subject_type", "subject_id", "since", "until")
    return {n: request.args[n] for n in names if request.args.get(n)}


@bp.get("/audit")
@login_required
@role_required("admin")
def audit():  # type: ignore[no-untyped-def]
    """The audit log, newest first, filtered by actor, action, subject and dates; a bad filter
    (a malformed date) is a 400 with the form's errors and no rows."""
    form, filters = _audit_filters()
    if filters is None:
        return render_template("admin/audit.html", form=form, page=None, args={}), 400
    page = admin_queries.audit_events(db.session, _page(), filters=filters)
    return render_template("admin/audit.html", form=form, page=page, args=_audit_args(form))


@bp.get("/audit.csv")
@login_required
@role_required("admin")
def audit_csv() -> Response:
    """The filtered audit log as CSV, oldest first; formula-like cells are escaped."""
    form, filters = _audit_filters()
    if filters is None:
        raise ValidationFailed(_("A filter is not valid (dates are YYYY-MM-DD)."))
    header = ["id", "at", "actor_email", "action", "subject_type", "subject_id", "details"]
    rows = (
        [
            e.id,
            e.at.isoformat(),
            email or "",
            e.action,
            e.subject_type or "",
            e.subject_id or "",
            json.dumps(e.details, sort_keys=True, default=str),
        ]
        for e, email in admin_queries.audit_rows(db.session, filters)
    )
    now = clock.utcnow()
    response = Response(csv_export.to_csv(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{now:%Y%m%d}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- invitations, mail, settings


@bp.route("/users/invite", methods=["GET", "POST"])
@login_required
@role_required("admin")
def invite():  # type: ignore[no-untyped-def]
    """Invite someone by e-mail with a role: they set their own password through the link."""
    form = InviteForm()
    if form.validate_on_submit():
        with form_errors(
            form, email=(auth_services.EmailTaken, auth_services.InvalidEmail)
        ) as outcome:
            user = accounts.invite_user(
                db.session, _actor(), link_context(), form.email.data or "", form.role.data or ""
            )
        if outcome.ok:
            flash(
                _(
                    "Invitation sent to %(email)s (%(role)s).",
                    email=user.email,
                    role=user.role.value,
                ),
                "success",
            )
            return redirect(url_for("admin.users"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/invite.html", form=form), status


@bp.get("/outbox")
@login_required
@role_required("admin")
def outbox():  # type: ignore[no-untyped-def]
    """Every message the platform wrote, with its delivery state (all of them stay here when
    no MAIL_SERVER is configured)."""
    status = request.args.get("status", "")[:20]
    return render_template(
        "admin/outbox.html",
        page=admin_queries.outbox(db.session, status, _page()),
        status=status,
        statuses=[s.value for s in OutboxStatus],
        mail_configured=get_settings().mail.configured,
        action_form=ActionForm(),
    )


@bp.get("/outbox/<int:message_id>")
@login_required
@role_required("admin")
def outbox_message(message_id: int):  # type: ignore[no-untyped-def]
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("admin/outbox_message.html", message=message, action_form=ActionForm())


@bp.post("/outbox/<int:message_id>/retry")
@login_required
@role_required("admin")
@html_action()
def outbox_retry(message_id: int):  # type: ignore[no-untyped-def]
    """Put a waiting or failed message first in line for the next sender."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if mail_outbox.retry_now(db.session, message_id) is None:
        abort(404)
    return done(url_for("admin.outbox_message", message_id=message_id), _("Queued for sending."))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@role_required("admin")
def site_settings():  # type: ignore[no-untyped-def]
    """Settings kept in the database, a form per group (this one: registration on or off;
    the others post to their own addresses below). Every change is audited."""
    if request.method == "GET":
        return _settings_page()
    form = SiteSettingsForm()
    if form.validate_on_submit():
        with form_errors(form) as outcome:
            siteconfig.set_value(
                db.session,
                _actor(),
                siteconfig.REGISTRATION_OPEN,
                bool(form.registration_open.data),
            )
        if outcome.ok:
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.site_settings"))
    return _settings_page(400, form=form)


def _settings_forms() -> dict[str, Any]:
    """Every form of the settings page, filled with what is stored (not from the request)."""
    stored = siteconfig.stored_values(db.session)
    registration = siteconfig.all_values(db.session)
    forms: dict[str, Any] = {
        "form": SiteSettingsForm(formdata=None, data=registration),
        "certificate_form": CertificateSettingsForm(
            formdata=None,
            prefix="certificate",
            data={
                "organisation": stored.get(siteconfig.ORGANISATION, ""),
                "signatory": stored.get(siteconfig.SIGNATORY, ""),
            },
        ),
        "exam_form": ExamSettingsForm(
            formdata=None,
            prefix="exam",
            data={"grace_seconds": stored.get(siteconfig.ATTEMPT_GRACE_SECONDS)},
        ),
        "mail_form": MailSettingsForm(
            formdata=None, prefix="mail", data={"sender": stored.get(siteconfig.MAIL_SENDER, "")}
        ),
    }
    for kind in siteconfig.IMAGES:
        forms[f"{kind}_form"] = BrandingImageForm(formdata=None, prefix=kind)
        forms[f"{kind}_remove_form"] = RemoveImageForm(formdata=None, prefix=f"{kind}-remove")
    return forms


def _settings_rows() -> list[dict[str, Any]]:
    """Each setting: its label, the value in force and where it comes from."""
    effective = effective_settings()
    stored = siteconfig.stored_values(db.session)
    in_force = {
        siteconfig.REGISTRATION_OPEN: siteconfig.registration_open(db.session),
        siteconfig.ORGANISATION: effective.issuer.name,
        siteconfig.SIGNATORY: effective.issuer.signatory,
        siteconfig.ATTEMPT_GRACE_SECONDS: effective.attempt_grace_seconds,
        siteconfig.MAIL_SENDER: effective.mail.default_sender,
    }
    return [
        {
            "key": key,
            "label": known.label,
            "value": in_force[key],
            "source": "set here" if key in stored else (known.env or "default"),
        }
        for key, known in siteconfig.KNOWN.items()
    ]


def _settings_page(status: int = 200, **posted: Any) -> Any:
    """The settings page; ``posted`` replaces the form that was submitted (with its errors)."""
    forms = _settings_forms() | posted
    hashes = siteconfig.image_hashes(db.session)
    images = [
        {
            "kind": kind,
            "label": label,
            "sha256": hashes.get(kind),
            "form": forms[f"{kind}_form"],
            "remove_form": forms[f"{kind}_remove_form"],
        }
        for kind, label in siteconfig.IMAGES.items()
    ]
    return render_template(
        "admin/settings.html",
        rows=_settings_rows(),
        images=images,
        max_image_kb=get_settings().studio_max_image_bytes // 1024,
        **forms,
    ), status


def _store_settings(form: Any, fields: dict[str, str]) -> bool:
    """Store each ``setting key -> form field`` (empty: back to the environment's value), all
    or nothing: every value is checked first, and a refused one goes on its field."""
    values = {key: getattr(form, name).data for key, name in fields.items()}
    values = {key: None if value in (None, "") else value for key, value in values.items()}
    refused = False
    for key, value in values.items():
        if value is None:
            continue
        try:
            siteconfig.check_value(key, value)
        except siteconfig.InvalidSetting as exc:
            getattr(form, fields[key]).errors = [
                _("%(error)s Nothing has changed.", error=exc.message)
            ]
            refused = True
    if refused:
        return False
    for key, value in values.items():
        if value is None:
            siteconfig.reset_value(db.session, _actor(), key)
        else:
            siteconfig.set_value(db.session, _actor(), key, value)
    db.session.commit()
    return True


def _settings_group(form: Any, name: str, fields: dict[str, str]) -> Any:
    if form.validate_on_submit() and _store_settings(form, fields):
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.site_settings"))
    return _settings_page(400, **{name: form})


@bp.post("/settings/certificates")
@login_required
@role_required("admin")
def settings_certificates():  # type: ignore[no-untyped-def]
    """The organisation and signatory that certificates carry (empty: the environment's)."""
    form = CertificateSettingsForm(prefix="certificate")
    fields = {siteconfig.ORGANISATION: "organisation", siteconfig.SIGNATORY: "signatory"}
    return _settings_group(form, "certificate_form", fields)


@bp.post("/settings/exams")
@login_required
@role_required("admin")
def settings_exams():  # type: ignore[no-untyped-def]
    """The grace after a timed attempt's deadline (empty: the environment's)."""
    form = ExamSettingsForm(prefix="exam")
    fields = {siteconfig.ATTEMPT_GRACE_SECONDS: "grace_seconds"}
    return _settings_group(form, "exam_form", fields)


@bp.post("/settings/mail")
@login_required
@role_required("admin")
def settings_mail():  # type: ignore[no-untyped-def]
    """The From of every mail (empty: the environment's)."""
    form = MailSettingsForm(prefix="mail")
    return _settings_group(form, "mail_form", {siteconfig.MAIL_SENDER: "sender"})


def _image_kind(kind: str) -> str:
    if kind not in siteconfig.IMAGES:
        abort(404)
    return kind


@bp.post("/settings/images/<string:kind>")
@login_required
@role_required("admin")
def settings_image(kind: str):  # type: ignore[no-untyped-def]
    """Upload (or replace) the logo or the signature: PNG or JPEG, checked and re-encoded."""
    form = BrandingImageForm(prefix=_image_kind(kind))
    status = 400
    if form.validate_on_submit():
        limit = get_settings().studio_max_image_bytes
        upload = form.image.data
        try:
            data = upload.read(limit + 1)
        finally:
            upload.close()
        with form_errors(form, image=ImageRejected) as outcome:
            siteconfig.set_image(db.session, _actor(), kind, data, limit)
        if outcome.ok:
            flash(_("The %(kind)s is saved.", kind=kind), "success")
            return redirect(url_for("admin.site_settings"))
        status = outcome.status
    return _settings_page(status, **{f"{kind}_form": form})


@bp.post("/settings/images/<string:kind>/remove")
@login_required
@role_required("admin")
@html_action("admin.site_settings")
def settings_image_remove(kind: str):  # type: ignore[no-untyped-def]
    _confirmed(RemoveImageForm(prefix=f"{_image_kind(kind)}-remove"))
    if not siteconfig.remove_image(db.session, _actor(), kind):
        raise ValidationFailed(_("There is no %(kind)s to remove.", kind=kind))
    return done(url_for("admin.site_settings"), _("The %(kind)s is removed.", kind=kind))


# ---------------------------------------------------------------- accommodations, extensions


def _current_terms_form(user: User) -> AccommodationForm:
    """The grant form, filled with what is in force (not from the request)."""
    terms = accommodations.terms_for(db.session, user.id)
    return AccommodationForm(
        formdata=None,
        data={"time_factor": terms.time_factor, "extra_attempts": terms.extra_attempts},
    )


def _accommodation_page(user: User, form: AccommodationForm, status: int = 200) -> Any:
    open_attempts = deadlines.open_timed_attempts(db.session, user.id)
    return (
        render_template(
            "admin/accommodation.html",
            user=user,
            form=form,
            history=accommodations.history(db.session, user.id),
            open_attempts=open_attempts,
            extensions={a.id: deadlines.for_attempt(db.session, a.id) for a in open_attempts},
            extend_forms={a.id: ExtendForm(prefix=f"a{a.id}") for a in open_attempts},
        ),
        status,
    )


@bp.route("/users/<int:user_id>/accommodation", methods=["GET", "POST"])
@login_required
@role_required("admin")
def accommodation(user_id: int):  # type: ignore[no-untyped-def]
    """A trainee's accommodation (time factor, extra attempts) with its history, and their open
    timed attempts with a form to extend each. Granting needs the confirmation box."""
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _accommodation_page(user, _current_terms_form(user))
    form = AccommodationForm()
    if not form.validate_on_submit():
        return _accommodation_page(user, form, 400)
    settings = effective_settings()
    with form_errors(form) as outcome:
        accommodations.grant(
            db.session,
            _actor(),
            user,
            time_factor=form.time_factor.data,  # type: ignore[arg-type]
            extra_attempts=form.extra_attempts.data,  # type: ignore[arg-type]
            reason=form.reason.data or "",
            mail=accommodations.MailContext(
                site_name=settings.issuer.name,
                modules_url=url_for("quiz.modules", _external=True),
            ),
        )
    if outcome.ok:
        flash(
            _("Accommodation granted to %(email)s; they are mailed.", email=user.email), "success"
        )
        return redirect(url_for("admin.accommodation", user_id=user.id))
    return _accommodation_page(user, form, outcome.status)


@bp.post("/attempts/<int:attempt_id>/extend")
@login_required
@role_required("admin")
def extend_attempt(attempt_id: int):  # type: ignore[no-untyped-def]
    """Move the deadline of one open timed attempt (audited); errors show on the user's page."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    user = _user_or_404(attempt.user_id)
    form = ExtendForm(prefix=f"a{attempt.id}")
    if form.validate_on_submit():
        with form_errors(form, flash=True) as outcome:
            row = deadlines.extend(
                db.session,
                _actor(),
                attempt.id,
                form.minutes.data,  # type: ignore[arg-type]
                form.reason.data or "",
                effective_settings().attempt_grace_seconds,
            )
        if outcome.ok:
            flash(
                _(
                    "Attempt %(id)s: the deadline is now %(deadline)s.",
                    id=attempt_id,
                    deadline=local_datetime(row.deadline_after),
                ),
                "success",
            )
            return redirect(url_for("admin.accommodation", user_id=user.id))
        return _accommodation_page(user, _current_terms_form(user), outcome.status)
    message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    flash(_("Attempt %(id)s not extended: %(message)s", id=attempt_id, message=message), "error")
    return _accommodation_page(user, _current_terms_form(user), 400)


# ---------------------------------------------------------------- evidence for reviewers


@bp.get("/completions/<int:completion_id>")
@login_required
@role_required("admin")
def completion_detail(completion_id: int):  # type: ignore[no-untyped-def]
    """One completion with its evidence: attempts, time per question, flags."""
    completion = db.session.get(Completion, completion_id)
    if completion is None:
        abort(404)
    found = evidence_queries.evidence_for(db.session, [completion], _thresholds())
    html = render_template(
        "admin/completion.html",
        c=completion,
        evidence=found[completion.id],
        thresholds=_thresholds(),
        approve_form=ApproveForm(),
        reject_form=RejectForm(),
    )
    store.keep(db.session)  # identical-answers flags computed for it (app/derived)
    return html


def _selected_ids() -> list[int]:
    raw = request.form.getlist("completion_ids")
    try:
        ids = sorted({int(v) for v in raw})
    except ValueError:
        raise ValidationFailed(
            _("A selected completion is not valid; nothing has changed.")
        ) from None
    if not ids or len(ids) > 500:
        raise ValidationFailed(_("Select between 1 and 500 completions; nothing has changed."))
    return ids


@bp.post("/completions/bulk-approve")
@login_required
@role_required("admin")
@html_action("admin.completions")
def bulk_approve():  # type: ignore[no-untyped-def]
    """Approve the selected pending completions; flagged ones are skipped unless the reviewer
    ticked "approve flagged ones too". All or nothing: one failure approves none."""
    form = BulkApproveForm()
    _confirmed(form)
    ids = _selected_ids()
    pending = list(
        db.session.scalars(
            db.select(Completion)
            .where(Completion.id.in_(ids), Completion.status == CompletionStatus.PENDING)
            .order_by(Completion.id)
        )
    )
    found = evidence_queries.evidence_for(db.session, pending, _thresholds())
    approved, skipped = 0, 0
    for c in pending:
        if found[c.id].flagged and not form.include_flagged.data:
            skipped += 1
            continue
        try:
            cert_services.approve_completion(db.session, _actor(), c.id, settings=issuer_settings())
        except DomainError as error:
            raise DomainError(
                _(
                    "Completion %(id)s: %(message)s Nothing was approved.",
                    id=c.id,
                    message=error.message,
                ),
                status=error.status,
            ) from error
        approved += 1
    message = _(
        "Approved %(approved)s; skipped %(skipped)s flagged.", approved=approved, skipped=skipped
    )
    if skipped:
        message += " " + _('Tick "Approve flagged ones too" to approve them.')
    if len(ids) > len(pending):
        message += " " + _("%(n)s not waiting for review.", n=len(ids) - len(pending))
    return done(url_for("admin.completions"), message)
