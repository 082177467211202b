"""Practical competence over JSON: requirements, hours ledger, logbook and its decisions."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.errors import json_error
from app.extensions import ErrorEnvelope, db
from app.practical import logbook, queries, services
from app.requirements.evidence import REGIONS
from app.settings import get_settings

blp = Blueprint(
    "api_practical",
    __name__,
    url_prefix="/api/v1",
    description="Practical competence: requirements, hours ledger, supervised-session logbook.",
)


class RequirementOut(Schema):
    kind = fields.String(
        required=True, metadata={"description": "module | hours | logbook | practical"}
    )
    id = fields.String(required=True)
    title = fields.String(required=True)
    required = fields.Float(required=True)
    done = fields.Float(required=True)
    met = fields.Boolean(required=True)
    missing = fields.String(required=True, metadata={"description": "Empty once met."})


class RequirementsOut(Schema):
    program = fields.String(allow_none=True, metadata={"description": "The program's slug."})
    eligible = fields.Boolean(required=True)
    next_step = fields.String(required=True)
    requirements = fields.List(fields.Nested(RequirementOut), required=True)


class HoursEntryOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    mode = fields.String(required=True)
    content_area = fields.String(allow_none=True)
    hours = fields.Float(required=True)
    date = fields.Date(required=True)
    status = fields.String(required=True, metadata={"description": "pending | verified | rejected"})
    source = fields.String(required=True, metadata={"description": "session | activity"})
    note = fields.String(required=True)


class LogbookIn(Schema):
    date = fields.Date(required=True)
    patient_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    region = fields.String(required=True, validate=validate.OneOf(REGIONS))
    muscles = fields.List(
        fields.String(validate=validate.Length(min=1, max=80)),
        required=True,
        validate=validate.Length(min=1, max=logbook.MAX_MUSCLES),
    )
    needles_in = fields.Integer(
        required=True, validate=validate.Range(min=0, max=logbook.MAX_NEEDLES)
    )
    needles_out = fields.Integer(
        required=True, validate=validate.Range(min=0, max=logbook.MAX_NEEDLES)
    )
    adverse_event = fields.String(
        load_default="none", validate=validate.Length(max=logbook.MAX_TEXT)
    )
    supervisor_email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    reflection = fields.String(load_default="", validate=validate.Length(max=logbook.MAX_TEXT))


class LogbookCreated(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)


class DecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(logbook.DECISIONS))
    comment = fields.String(load_default="", validate=validate.Length(max=logbook.MAX_COMMENT))


class DecisionOut(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "approved | returned"})
    comment = fields.String(required=True)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@blp.route("/me/requirements", methods=["GET"])
@login_required
@role_required(Role.TRAINEE)
@blp.response(200, RequirementsOut)
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not a trainee.")
def my_requirements() -> Any:
    """Every requirement of your program with its progress and what is missing."""
    program, verdict = services.requirements_of(db.session, _user())
    if program is None or verdict is None:
        return {"program": None, "eligible": False, "next_step": "", "requirements": []}
    return {
        "program": program.slug,
        "eligible": verdict.eligible,
        "next_step": verdict.next_step,
        "requirements": [r.as_dict() for r in verdict.results],
    }


@blp.route("/me/hours", methods=["GET"])
@login_required
@role_required(Role.TRAINEE)
@blp.response(200, HoursEntryOut(many=True))
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not a trainee.")
def my_hours() -> Any:
    """Your hours ledger, newest first (rejected entries included, with the note)."""
    return [
        {
            "id": e.id,
            "title": e.title,
            "mode": e.mode,
            "content_area": e.content_area,
            "hours": e.hours,
            "date": e.held_on,
            "status": e.status.value,
            "source": "session" if e.session_id else "activity",
            "note": e.note,
        }
        for e in queries.ledger(db.session, _user().id)
    ]


@blp.route("/me/logbook", methods=["POST"])
@login_required
@role_required(Role.TRAINEE)
@blp.arguments(LogbookIn())
@blp.response(201, LogbookCreated)
@blp.alt_response(
    400,
    schema=ErrorEnvelope,
    description="A field is invalid or carries an identifier, or the supervisor is not eligible "
    "(the message names the field); nothing is stored.",
)
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not a trainee.")
def log_session(body: dict[str, Any]) -> Any:
    """Log a supervised session; it waits for the named supervisor's sign-off."""
    user = _user()
    program = services.trainee_program(db.session, user)
    if program is None:
        return json_error(400, "validation_error", "There is no program to log sessions for.")
    entry = logbook.log_session(
        db.session,
        user,
        program,
        logbook.LogbookInput(
            performed_on=body["date"],
            patient_code=body["patient_code"],
            region=body["region"],
            muscles=body["muscles"],
            needles_in=body["needles_in"],
            needles_out=body["needles_out"],
            adverse_event=body["adverse_event"],
            supervisor_email=body["supervisor_email"],
            reflection=body["reflection"],
        ),
    )
    db.session.commit()
    return {"id": entry.id, "status": entry.status.value}


@blp.route("/logbook/<int:entry_id>/decision", methods=["POST"])
@login_required
@role_required(Role.INSTRUCTOR, Role.ADMIN)
@blp.arguments(DecisionIn())
@blp.response(200, DecisionOut)
@blp.alt_response(400, schema=ErrorEnvelope, description="Bad decision or comment.")
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not an instructor or administrator.")
@blp.alt_response(
    404, schema=ErrorEnvelope, description="No such entry naming you as its supervisor."
)
@blp.alt_response(409, schema=ErrorEnvelope, description="The entry was already decided.")
def decide(body: dict[str, Any], entry_id: int) -> Any:
    """Sign off (approve) or return (with a comment) an entry that names you as supervisor."""
    settings = get_settings()
    entry = logbook.decide(
        db.session,
        _user(),
        entry_id,
        body["decision"],
        body["comment"],
        logbook.MailContext(
            site_name=settings.issuer.name,
            logbook_url=url_for("practical.logbook_page", _external=True),
        ),
    )
    if entry.status.value == "approved":
        services.recheck(db.session, entry.trainee, settings.issuer)
    db.session.commit()
    return {"id": entry.id, "status": entry.status.value, "comment": entry.comment}
