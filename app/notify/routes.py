"""Unsubscribe from the expiry reminders (a link in each reminder; no login needed)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from wtforms import SubmitField

from app.extensions import db
from app.notify import services
from app.settings import get_settings

bp = Blueprint("notify", __name__)


class UnsubscribeForm(FlaskForm):
    submit = SubmitField("Unsubscribe")


@bp.route("/notifications/unsubscribe/<string:token>", methods=["GET", "POST"])
def unsubscribe(token: str):  # type: ignore[no-untyped-def]
    """GET asks (mail scanners follow links); POST unsubscribes."""
    try:
        user, category = services.read_unsubscribe(
            db.session, get_settings().practice_secret, token
        )
    except services.UnsubscribeInvalid as error:
        return render_template("auth/link_invalid.html", message=error.message), error.status
    form = UnsubscribeForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("notify/unsubscribe.html", form=form, done=False), 400
        services.unsubscribe(db.session, user, category)
        db.session.commit()
        return render_template("notify/unsubscribe.html", form=form, done=True)
    return render_template("notify/unsubscribe.html", form=form, done=False)
