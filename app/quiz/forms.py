"""Forms of the quiz pages, and the parsing of an answer form into a response.

The answer fields differ by question type, so they are not WTForms fields: ``parse_response``
reads only the names the item's view declares (opaque option ids, ``value``, ``text``, ...) and
builds the response the service validates. Nothing else in the posted form is ever read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import AnyOf, DataRequired, InputRequired, NumberRange, Optional

from app.input_guard import INT32_MAX

ACTIONS = ("save", "previous", "next", "check", "summary")


class AnswerInvalid(ValueError):
    """The answer form cannot become a response (a message for the trainee)."""


class EmptyForm(FlaskForm):
    """CSRF only: start or resume a module."""


class AnswerForm(FlaskForm):
    """The fields common to every question page (the answer itself: ``parse_response``)."""

    seq = IntegerField(validators=[InputRequired(), NumberRange(0, INT32_MAX)])
    flagged = BooleanField("Flag for review")
    action = HiddenField(validators=[Optional(), AnyOf(ACTIONS)], default="save")


class SubmitForm(FlaskForm):
    confirm = BooleanField(
        "I have reviewed my answers and want to submit this attempt now.",
        validators=[DataRequired("Tick the box to confirm that you want to submit.")],
    )


def _one(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _many(form: Any, name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else [form.get(name)]
    return [v for v in values if isinstance(v, str) and v]


def parse_response(view: dict[str, Any], form: Any) -> dict[str, Any] | None:
    """The response (in the attempt's opaque ids) posted for ``view``; None when left blank.

    Raises AnswerInvalid when the form is filled but not usable (a number that is not a
    number, an ordering with a position given twice, a matching half filled).
    """
    kind = view["type"]
    if kind == "single_choice":
        choice = _one(form, "choice")
        return {"choice": choice} if choice else None
    if kind == "multiple_response":
        choices = _many(form, "choices")
        return {"choices": choices} if choices else None
    if kind == "true_false":
        value = _one(form, "value")
        if value not in {"true", "false"}:
            return None
        return {"value": value == "true"}
    if kind == "matching":
        pairs = {p["id"]: _one(form, f"pair-{p['id']}") for p in view["premises"]}
        if not any(pairs.values()):
            return None
        return {"pairs": {p: a for p, a in pairs.items() if a}}
    if kind == "ordering":
        return _ordering(view, form)
    if kind == "numeric":
        raw = _one(form, "value").replace(",", ".")
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            raise AnswerInvalid("Enter a number, for example 12.5.") from None
        if not math.isfinite(number):
            raise AnswerInvalid("Enter a number, for example 12.5.")
        return {"value": number}
    if kind == "hotspot":
        x, y = _one(form, "point_x"), _one(form, "point_y")
        if x and y:
            try:
                return {"point": {"x": float(x), "y": float(y)}}
            except ValueError:
                raise AnswerInvalid("The marked point is not valid: mark it again.") from None
        region = _one(form, "region")
        return {"region": region} if region else None
    if kind == "short_answer":
        text = _one(form, "text")
        return {"text": text} if text else None
    if kind == "script_concordance":
        value = _one(form, "value")
        if value not in {"-2", "-1", "0", "1", "2"}:
            return None
        return {"value": int(value)}
    raise AnswerInvalid(f"Unknown question type {kind}.")


def _ordering(view: dict[str, Any], form: Any) -> dict[str, Any] | None:
    ids = [o["id"] for o in view["options"]]
    positions: dict[str, int] = {}
    for opaque in ids:
        raw = _one(form, f"pos-{opaque}")
        if raw:
            if not raw.isdigit() or not 1 <= int(raw) <= len(ids):
                raise AnswerInvalid("Give each item a position from the list.")
            positions[opaque] = int(raw)
    if not positions:
        return None
    if len(positions) != len(ids) or len(set(positions.values())) != len(ids):
        raise AnswerInvalid(f"Give every item a different position, from 1 to {len(ids)}.")
    return {"order": sorted(ids, key=positions.__getitem__)}
