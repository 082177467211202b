"""Progress over JSON: ``/api/v1/me/progress`` and ``/api/v1/me/practice`` (next items, answer).

Only the authenticated trainee's own data; a served practice item carries no key, the answer
response carries the feedback.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth.decorators import role_required
from app.auth.models import Role
from app.extensions import ErrorEnvelope, db
from app.i18n import force_locale
from app.progress import queries, services
from app.progress.presenters import answered_view, served_view
from app.quiz.services import ensure_no_open_exam
from app.settings import effective_settings, get_settings

blp = Blueprint(
    "api_progress",
    __name__,
    url_prefix="/api/v1/me",
    description="The trainee's progress, mastery and spaced-repetition practice.",
)


class ModuleStateOut(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={
            "description": "locked | not_started | in_progress | passed | failed | exhausted"
        },
    )
    detail = fields.String(required=True)
    attempts_used = fields.Integer(required=True)
    attempts_left = fields.Integer(allow_none=True)
    best_percent = fields.Float(allow_none=True)
    next_allowed_at = fields.DateTime(allow_none=True)
    locked_reason = fields.String(allow_none=True)


class MasteryOut(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    topic = fields.String()
    mastery = fields.Float(required=True, metadata={"description": "Smoothed, 0..1."})
    answered = fields.Integer(required=True)


class MasteryGroupOut(Schema):
    topics = fields.List(fields.Nested(MasteryOut), required=True)
    objectives = fields.List(fields.Nested(MasteryOut), required=True)
    weak_topics = fields.List(fields.String(), required=True)
    weak_objectives = fields.List(fields.String(), required=True)


class HistoryOut(Schema):
    attempt_id = fields.Integer(required=True)
    module = fields.String(required=True)
    mode = fields.String(required=True)
    attempt_no = fields.Integer(required=True)
    submitted_at = fields.DateTime(required=True)
    percent = fields.Float(required=True)
    passed = fields.Boolean(required=True)


class CertificateOut(Schema):
    serial = fields.String(required=True)
    program = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    valid_until = fields.DateTime(required=True)
    status = fields.String(required=True)


class ReminderOut(Schema):
    serial = fields.String(required=True)
    program = fields.String(required=True)
    valid_until = fields.DateTime(required=True)
    days_left = fields.Integer(required=True, metadata={"description": "0 once expired."})
    expired = fields.Boolean(required=True)
    renewal_module = fields.String(
        allow_none=True,
        metadata={"description": "Slug of the module whose pass renews the certificate."},
    )


class PracticeSummaryOut(Schema):
    due = fields.Integer(required=True)
    new_available = fields.Integer(required=True)
    new_today = fields.Integer(required=True)
    new_per_day = fields.Integer(required=True)


class ProgressOut(Schema):
    program = fields.String(allow_none=True)
    modules = fields.List(fields.Nested(ModuleStateOut), required=True)
    modules_passed = fields.Integer(required=True)
    next_step = fields.String(required=True)
    certificates = fields.List(
        fields.Nested(CertificateOut),
        allow_none=True,
        metadata={"description": "Newest first; null while certificates are not installed."},
    )
    reminders = fields.List(
        fields.Nested(ReminderOut),
        required=True,
        metadata={
            "description": "Certificates that expired or expire within 60 days (renew them)."
        },
    )
    mastery = fields.Nested(MasteryGroupOut, required=True)
    history = fields.List(fields.Nested(HistoryOut), required=True)
    practice = fields.Nested(PracticeSummaryOut, required=True)


class PracticeQuery(Schema):
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class PracticeItemOut(Schema):
    token = fields.String(
        required=True, metadata={"description": "Send it back with the answer; valid 24 h."}
    )
    objective = fields.String(required=True)
    objective_text = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "due | new"})
    retrievability = fields.Float(allow_none=True)
    question = fields.Dict(
        required=True,
        metadata={"description": "The answerable view (opaque option ids); never the key."},
    )


class PracticeItemsOut(Schema):
    items = fields.List(fields.Nested(PracticeItemOut), required=True)
    summary = fields.Nested(PracticeSummaryOut, required=True)


class PracticeAnswerIn(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    response = fields.Dict(required=True, metadata={"description": "In the item's opaque ids."})


class PracticeFeedbackOut(Schema):
    objective = fields.String(required=True)
    correct = fields.Boolean(required=True)
    score = fields.Float(required=True)
    max_score = fields.Float(required=True)
    next_due = fields.DateTime(required=True)
    replayed = fields.Boolean(
        required=True, metadata={"description": "This item was answered before: no change."}
    )
    question = fields.Dict(required=True, metadata={"description": "With `feedback`."})


def _new_per_day() -> int:
    return get_settings().practice_new_per_day


def _secret() -> str:
    return get_settings().practice_secret


def _mastery_row(r: queries.MasteryRow) -> dict[str, Any]:
    return {
        "key": r.key,
        "label": r.label,
        "topic": r.topic,
        "mastery": round(r.value, 4),
        "answered": r.answered,
    }


@blp.route("/progress", methods=["GET"])
@login_required
@role_required(Role.TRAINEE)
@blp.response(200, ProgressOut)
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not a trainee.")
def progress() -> Any:
    """Your modules' states, next step, certificates, mastery, attempt history, practice due."""
    user = current_user._get_current_object()
    with force_locale("en"):  # the JSON API's texts stay English (docs/i18n.md)
        data = queries.dashboard(db.session, user, _new_per_day())
    return {
        "program": data.program.title if data.program else None,
        "modules": [
            {
                "slug": m.module.slug,
                "title": m.module.title,
                "status": m.status,
                "detail": m.detail,
                "attempts_used": m.state.attempts_used,
                "attempts_left": m.state.attempts_left,
                "best_percent": m.state.best_percent,
                "next_allowed_at": m.state.next_allowed_at,
                "locked_reason": m.state.locked_reason,
            }
            for m in data.modules
        ],
        "modules_passed": data.modules_passed,
        "next_step": data.next_step,
        "certificates": (
            None if data.certificates is None else [c.__dict__ for c in data.certificates]
        ),
        "reminders": [
            {
                "serial": r.serial,
                "program": r.program,
                "valid_until": r.valid_until,
                "days_left": r.days_left,
                "expired": r.expired,
                "renewal_module": r.renewal_module_slug,
            }
            for r in data.reminders
        ],
        "mastery": {
            "topics": [_mastery_row(r) for r in data.mastery.topics],
            "objectives": [_mastery_row(r) for r in data.mastery.objectives],
            "weak_topics": [r.key for r in data.mastery.weak_topics],
            "weak_objectives": [r.key for r in data.mastery.weak_objectives],
        },
        "history": [
            {
                "attempt_id": h.attempt_id,
                "module": h.module_title,
                "mode": h.mode,
                "attempt_no": h.attempt_no,
                "submitted_at": h.submitted_at,
                "percent": h.percent,
                "passed": h.passed,
            }
            for h in data.history
        ],
        "practice": data.practice.__dict__,
    }


@blp.route("/practice", methods=["GET"])
@login_required
@role_required(Role.TRAINEE)
@blp.arguments(PracticeQuery(), location="query")
@blp.response(200, PracticeItemsOut)
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not a trainee.")
@blp.alt_response(409, schema=ErrorEnvelope, description="exam_in_progress: an exam is open.")
def practice_items(args: dict[str, Any]) -> Any:
    """The next practice items: due objectives (lowest retrievability first), then new ones.

    Serving items changes nothing; each carries a token to send back with the answer.
    """
    user = current_user._get_current_object()
    ensure_no_open_exam(db.session, user, grace_seconds=effective_settings().attempt_grace_seconds)
    slots = queries.practice_queue(db.session, user, _new_per_day(), limit=args["limit"])
    texts = queries.objective_texts(db.session)
    items = []
    for slot in slots:
        token, nonce = services.serve(user, slot.version.id, slot.objective, secret=_secret())
        items.append(
            {
                "token": token,
                "objective": slot.objective,
                "objective_text": texts.get(slot.objective, ""),
                "reason": slot.reason,
                "retrievability": slot.retrievability,
                "question": served_view(slot.version, slot.version.as_question(), _secret(), nonce),
            }
        )
    summary = queries.practice_summary(db.session, user, _new_per_day())
    return {"items": items, "summary": summary.__dict__}


@blp.route("/practice", methods=["POST"])
@login_required
@role_required(Role.TRAINEE)
@blp.arguments(PracticeAnswerIn())
@blp.response(200, PracticeFeedbackOut)
@blp.alt_response(400, schema=ErrorEnvelope, description="Invalid token or response.")
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not a trainee.")
@blp.alt_response(409, schema=ErrorEnvelope, description="exam_in_progress: an exam is open.")
def answer_practice(body: dict[str, Any]) -> Any:
    """Answer a practice item: scored at once, the feedback returned, the objective rescheduled.

    Answering the same item again returns the first result (``replayed``) and changes nothing.
    """
    user = current_user._get_current_object()
    ensure_no_open_exam(db.session, user, grace_seconds=effective_settings().attempt_grace_seconds)
    result = services.answer_practice(
        db.session, user, body["token"], body["response"], secret=_secret()
    )
    db.session.commit()
    view = answered_view(result)
    return {
        "objective": result.answer.objective,
        "correct": view["feedback"]["correct"],
        "score": result.answer.score,
        "max_score": result.answer.max_score,
        "next_due": result.card.due,
        "replayed": result.replayed,
        "question": view,
    }
