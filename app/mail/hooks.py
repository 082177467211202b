"""Send what a request queued once its response has gone out.

The request commits its action and the outbox rows together. ``after_request`` hands the ids
it queued to ``response.call_on_close``: the WSGI server calls that after the last byte of the
response, so the user never waits for SMTP. The send claims the rows like any sender (a row
of a rolled-back action does not exist, so nothing is sent for it), gives up after
``MAIL_TIMEOUT`` seconds, and leaves failures to ``flask mail send`` (cron) with backoff.
"""

from __future__ import annotations

import logging

from flask import Flask, Response

from app.extensions import db
from app.mail import outbox
from app.mail.sender import send_batch
from app.settings import effective_settings, get_settings

log = logging.getLogger(__name__)


def send_after_response(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            report = send_batch(db.session, effective_settings(app).mail, ids)
        except Exception:  # never let mail break the server; cron retries what is left
            log.exception("sending mail %s after the response failed", ids)
            db.session.rollback()
            return
        if report.failed:
            log.warning("mail %s not sent yet; flask mail send will retry", report.failed)


def init_mail(app: Flask) -> None:
    @app.after_request
    def send_queued_mail(response: Response) -> Response:
        ids = outbox.take_queued_ids(db.session)
        if ids and get_settings(app).mail.configured:
            response.call_on_close(lambda: send_after_response(app, ids))
        return response
