"""Unsubscribe from the expiry reminders (a link in each reminder; no login needed).

The token in the URL is the authentication (signed, for one user and category). ``GET`` asks
(mail scanners follow links) and the page's form POSTs with a CSRF token. A mail client's
one-click unsubscribe (RFC 8058: ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``) POSTs
``List-Unsubscribe=One-Click`` to the same URL from outside any session, so this one route is
exempt from the global CSRF check: such a POST unsubscribes on the token alone, and any other
POST still needs the form's CSRF token (checked by the form itself).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from wtforms import SubmitField

from app.extensions import csrf, db
from app.i18n import lazy_gettext as _l
from app.notify import services
from app.settings import get_settings

bp = Blueprint("notify", __name__)

ONE_CLICK = ("List-Unsubscribe", "One-Click")


class UnsubscribeForm(FlaskForm):
    submit = SubmitField(_l("Unsubscribe"))


def _is_one_click() -> bool:
    return request.method == "POST" and request.form.get(ONE_CLICK[0]) == ONE_CLICK[1]


@bp.route("/notifications/unsubscribe/<string:token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):  # type: ignore[no-untyped-def]
    """GET asks; POST unsubscribes (the page's form with its CSRF token, or one click)."""
    try:
        user, category = services.read_unsubscribe(
            db.session, get_settings().practice_secret, token
        )
    except services.UnsubscribeInvalid as error:
        return render_template("auth/link_invalid.html", message=error.message), error.status
    form = UnsubscribeForm()
    if request.method == "POST":
        if not _is_one_click() and not form.validate_on_submit():
            return render_template("notify/unsubscribe.html", form=form, done=False), 400
        services.unsubscribe(db.session, user, category)
        db.session.commit()
        return render_template("notify/unsubscribe.html", form=form, done=True)
    return render_template("notify/unsubscribe.html", form=form, done=False)
