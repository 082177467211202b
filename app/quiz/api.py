"""The quiz engine over JSON (``/api/v1``): modules, starting, saving, submitting, reviewing.

Thin like every route: parse with marshmallow, call the services shared with the pages,
present with ``app.quiz.presenters`` (the one place that decides what a trainee may see), and
commit once. Works with a bearer token (scripts) or the session cookie plus ``X-CSRFToken``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from app.auth.decorators import role_required
from app.auth.models import Role
from app.extensions import ErrorEnvelope, db, writes_done
from app.i18n import force_locale
from app.input_guard import INT32_MAX
from app.questions import registry
from app.quiz import presenters, queries, services
from app.quiz.errors import AttemptNotFound, DeadlinePassed, ModuleNotFound
from app.serialise import json_response
from app.settings import effective_settings
from app.transactions import commit_with_retry

blp = Blueprint(
    "api_quiz",
    __name__,
    url_prefix="/api/v1",
    description="Modules and attempts: start, save answers, submit, review.",
)


# ---------------------------------------------------------------- schemas


class _Out(Schema):
    class Meta:
        ordered = True


class ModuleSummary(_Out):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    mode = fields.String(required=True, metadata={"enum": ["practice", "exam"]})
    length = fields.Integer(required=True, metadata={"description": "Questions per attempt."})
    time_limit_minutes = fields.Integer(allow_none=True)
    pass_mark = fields.Float(required=True)
    attempt_limit = fields.Integer(
        allow_none=True, metadata={"description": "Exams: yours, with any extra attempts granted."}
    )
    attempts_used = fields.Integer(required=True)
    attempts_left = fields.Integer(allow_none=True, metadata={"description": "null: unlimited"})
    cooldown_until = fields.DateTime(allow_none=True)
    locked_reason = fields.String(allow_none=True, metadata={"description": "Unmet prerequisites."})
    best_percent = fields.Float(allow_none=True)
    has_passed = fields.Boolean(required=True)
    open_attempt_id = fields.Integer(allow_none=True)
    review_policy = fields.String(required=True)
    ce_hours = fields.Float(required=True)


class CaseContext(_Out):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    vignette_html = fields.String(required=True)
    step = fields.Integer(required=True)
    step_count = fields.Integer(required=True)
    disclosure_html = fields.String(metadata={"description": "Only once this step is open."})


class ItemResult(_Out):
    score = fields.Float(required=True)
    max_score = fields.Float(required=True)
    correct = fields.Boolean(required=True)


class _AttemptItemCommon(_Out):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    type = fields.String(required=True)
    seq = fields.Integer(required=True, metadata={"description": "Send it back with a save."})
    flagged = fields.Boolean(required=True)
    answered = fields.Boolean(required=True)
    locked = fields.Boolean(required=True)
    hidden = fields.Boolean(metadata={"description": "A case step not yet disclosed."})
    response = fields.Raw(allow_none=True, metadata={"description": "Your saved answer."})
    stem_html = fields.String()


def _type_fields() -> dict[str, Any]:
    """The fields the registered types' item views add (each name once)."""
    out: dict[str, Any] = {}
    for spec in registry.all_types():
        for name, field in (spec.quiz.api_fields if spec.quiz else {}).items():
            out.setdefault(name, field)
    return out


AttemptItemOut = _AttemptItemCommon.from_dict(
    {
        **_type_fields(),
        "case": fields.Nested(CaseContext),
        "result": fields.Nested(ItemResult, metadata={"description": "When the policy allows."}),
        "feedback": fields.Dict(
            metadata={"description": "Key, feedback, explanation, references: when allowed."}
        ),
    },
    name="AttemptItemOut",
)


class TopicResult(_Out):
    topic = fields.String(required=True)
    title = fields.String(required=True)
    score = fields.Float(required=True)
    max_score = fields.Float(required=True)


class ObjectiveResult(_Out):
    objective = fields.String(required=True)
    text = fields.String(required=True)
    score = fields.Float(required=True)
    max_score = fields.Float(required=True)


class Result(_Out):
    score = fields.Float(required=True)
    max_score = fields.Float(required=True)
    percent = fields.Float(required=True)
    passed = fields.Boolean(required=True)
    by_topic = fields.List(
        fields.Nested(TopicResult),
        metadata={"description": "A secure exam's review: score/total per topic."},
    )
    by_objective = fields.List(
        fields.Nested(ObjectiveResult),
        metadata={"description": "A secure exam's review: score/total per objective."},
    )


class AttemptOut(_Out):
    id = fields.Integer(required=True)
    module = fields.String(required=True)
    module_title = fields.String(required=True)
    mode = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["in_progress", "submitted", "expired"]}
    )
    attempt_no = fields.Integer(required=True)
    started_at = fields.DateTime(required=True)
    deadline = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "Timed exams: the server's deadline, with your accommodation's time "
            "factor and any extension an administrator granted (it can move while open)."
        },
    )
    grace_seconds = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    review_policy = fields.String(required=True)
    result = fields.Nested(Result, allow_none=True)
    items = fields.List(fields.Nested(AttemptItemOut), required=True)


class SaveIn(Schema):
    class Meta:
        unknown = EXCLUDE  # score, passed, is_correct, ... are ignored (SECURITY.md A3)

    response = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "The answer in this item's shape; null clears it."},
    )
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(0, INT32_MAX))
    check = fields.Boolean(
        load_default=False, metadata={"description": "Practice: lock and get feedback."}
    )
    flagged = fields.Boolean(load_default=None, allow_none=True)


class SaveOut(_Out):
    seq = fields.Integer(required=True)
    saved_at = fields.DateTime(allow_none=True)
    locked = fields.Boolean(required=True)
    feedback = fields.Dict(metadata={"description": "Practice with check: true only."})


class SubmitOut(Result):
    status = fields.String(required=True)
    submitted_at = fields.DateTime(required=True)


# ---------------------------------------------------------------- helpers


def _user() -> Any:
    return current_user._get_current_object()


def _grace() -> int:
    return effective_settings().attempt_grace_seconds


def _media_url(sha256: str) -> str:
    return url_for("banks.media", sha256=sha256)


def _breakdown(attempt: Any) -> dict[str, Any] | None:
    """The result by topic and objective of a closed attempt with exam items (their review)."""
    if attempt.is_open or not presenters.has_secure_items(attempt):
        return None
    rows = queries.breakdown_rows(db.session, attempt.id)
    return presenters.breakdown_view(rows, presenters.objective_texts(attempt.module))


def _attempt_payload(attempt_id: int, owner_id: int | None = None) -> Response:
    owner_id = _user().id if owner_id is None else owner_id
    attempt = queries.attempt_for(db.session, owner_id, attempt_id)
    if attempt is None:
        raise AttemptNotFound()
    return _attempt_response(attempt)


def _attempt_response(attempt: Any) -> Response:
    """The attempt as ``AttemptOut``, dumped by the compiled schema (app/serialise.py)."""
    view = presenters.attempt_view(attempt, _media_url, _grace(), _breakdown(attempt))
    return json_response(AttemptOut, view)


# ---------------------------------------------------------------- routes


@blp.route("/modules", methods=["GET"])
@login_required
@role_required(Role.TRAINEE)
@blp.alt_response(403, schema=ErrorEnvelope, description="Only trainees take assessments.")
@blp.response(200, ModuleSummary(many=True))
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
def list_modules() -> Any:
    """The modules of your enrolled programs (with their practice modules, and the renewal
    module once you hold a certificate), with what you may do now: attempts left, cooldown,
    locks, best score. Enrolled nowhere: an empty list."""
    modules = queries.visible_modules(db.session, _user())
    with force_locale("en"):  # the JSON API's texts (locked_reason) stay English
        states = queries.module_states(db.session, _user(), modules)
    out = []
    for module in modules:
        state = states[module.slug]
        out.append(
            {
                "slug": module.slug,
                "title": module.title,
                "mode": module.mode.value,
                "length": module.length,
                "time_limit_minutes": module.time_limit_minutes,
                "pass_mark": module.pass_mark,
                "attempt_limit": (
                    module.attempt_limit if state.attempt_limit is None else state.attempt_limit
                ),
                "attempts_used": state.attempts_used,
                "attempts_left": state.attempts_left,
                "cooldown_until": state.next_allowed_at,
                "locked_reason": state.locked_reason,
                "best_percent": state.best_percent,
                "has_passed": state.has_passed,
                "open_attempt_id": state.open_attempt_id,
                "review_policy": module.review_policy.value,
                "ce_hours": module.ce_hours,
            }
        )
    return out


@blp.route("/modules/<string:slug>/attempts", methods=["POST"])
@login_required
@role_required(Role.TRAINEE)
@blp.alt_response(403, schema=ErrorEnvelope, description="Only trainees take assessments.")
@blp.response(201, AttemptOut, description="A new attempt was started.")
@blp.alt_response(200, schema=AttemptOut, description="Your open attempt, resumed.")
@blp.alt_response(403, schema=ErrorEnvelope, description="module_locked: prerequisites.")
@blp.alt_response(
    404, schema=ErrorEnvelope, description="module_not_found (also one you are not enrolled for)."
)
@blp.alt_response(
    409,
    schema=ErrorEnvelope,
    description="attempt_limit_reached, cooldown_active or module_empty.",
)
def start(slug: str) -> Any:
    """Start an attempt, or resume your open one (201 when created, 200 when resumed)."""

    def work() -> tuple[int, bool, Any]:
        module = queries.visible_module(db.session, _user(), slug)
        if module is None:
            raise ModuleNotFound()
        with force_locale("en"):  # its refusal (module_locked) stays English
            started = services.begin_attempt(db.session, _user(), module, grace_seconds=_grace())
        # A new attempt is shown as written, not read back (services.detach_started).
        shown = services.detach_started(db.session, started, module)
        return started.attempt.id, started.created, shown

    owner_id = _user().id  # read before the commit expires the account
    attempt_id, created, shown = commit_with_retry(work)
    writes_done()  # the response only reads: on SQLite, without the writer lock
    if shown is not None:
        return _attempt_response(shown), 201
    return _attempt_payload(attempt_id, owner_id), 201 if created else 200


@blp.route("/attempts/<int:attempt_id>", methods=["GET"])
@login_required
@role_required(Role.TRAINEE)
@blp.alt_response(403, schema=ErrorEnvelope, description="Only trainees take assessments.")
@blp.response(200, AttemptOut)
@blp.alt_response(404, schema=ErrorEnvelope, description="attempt_not_found (also others').")
def get_attempt(attempt_id: int) -> Any:
    """Your attempt: its state, items and, once submitted, what the review policy allows.

    An attempt past its deadline + grace is graded here on what was saved (submitted_at =
    deadline) before it is shown.
    """
    attempt = queries.attempt_for(db.session, _user().id, attempt_id)
    if attempt is None:
        raise AttemptNotFound()
    if (
        attempt.is_open
        and attempt.deadline is not None
        and services.close_if_expired(db.session, attempt, grace_seconds=_grace()) is not None
    ):
        db.session.commit()
        attempt = queries.attempt_for(db.session, _user().id, attempt_id)
    return _attempt_response(attempt)


@blp.route("/attempts/<int:attempt_id>/items/<int:item_id>", methods=["PUT"])
@login_required
@role_required(Role.TRAINEE)
@blp.arguments(SaveIn())
@blp.alt_response(403, schema=ErrorEnvelope, description="Only trainees take assessments.")
@blp.response(200, SaveOut)
@blp.alt_response(400, schema=ErrorEnvelope, description="Malformed response (names the field).")
@blp.alt_response(404, schema=ErrorEnvelope, description="attempt_not_found (also others').")
@blp.alt_response(
    409,
    schema=ErrorEnvelope,
    description="stale_save, attempt_closed, deadline_passed, item_locked or step_locked.",
)
def save(body: dict[str, Any], attempt_id: int, item_id: int) -> Any:
    """Save your answer to one item, naming the ``seq`` it was based on; returns the new seq.

    A replay of the save just acknowledged returns the same seq and changes nothing.
    In practice mode ``check: true`` locks the answer and returns its feedback.
    """
    user = _user()

    def work() -> services.SaveResult:
        return services.save_response(
            db.session,
            user,
            attempt_id,
            item_id,
            body["response"],
            body["seq"],
            grace_seconds=_grace(),
            lock=bool(body.get("check")),
            flagged=body.get("flagged"),
        )

    try:
        result = commit_with_retry(work)
    except DeadlinePassed:
        # Refused; the attempt is now graded on what was saved, with submitted_at = deadline.
        db.session.rollback()
        commit_with_retry(lambda: services.submit_attempt(db.session, user, attempt_id, _grace()))
        raise
    out: dict[str, Any] = {"seq": result.seq, "saved_at": result.saved_at, "locked": result.locked}
    if body.get("check") and result.locked and result.item is not None:
        item = result.item
        if presenters.may_show_feedback(item.attempt, item):
            out["feedback"] = presenters.feedback_view(item, item.version.as_question())
    return out


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
@role_required(Role.TRAINEE)
@blp.alt_response(403, schema=ErrorEnvelope, description="Only trainees take assessments.")
@blp.response(200, SubmitOut)
@blp.alt_response(404, schema=ErrorEnvelope, description="attempt_not_found (also others').")
def submit(attempt_id: int) -> Any:
    """Submit and grade your attempt, exactly once; a repeated submit returns the same result.

    Anything in the body (a score, passed, ...) is ignored: the grade is computed here.
    """
    user = _user()

    def graded() -> dict[str, Any]:
        # The answer is the attempt as graded, built before the commit expires it: no read
        # back (what the transaction wrote is what the commit keeps, or it is run again).
        attempt = services.submit_attempt(db.session, user, attempt_id, _grace())
        return {
            **(presenters.result_view(attempt) or {}),
            "status": attempt.status.value,
            "submitted_at": attempt.submitted_at,
        }

    return commit_with_retry(graded)
