"""Send the statements a request queued once its response has gone out (as mail does).

The request commits its action and the outbox rows together; ``after_request`` hands the ids
to ``response.call_on_close``, so the user never waits for the LRS. A failure is left to
``flask xapi send`` (cron) with backoff.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, has_app_context

from app.extensions import db
from app.settings import get_settings
from app.xapi import outbox
from app.xapi.sender import send_batch
from app.xapi.services import XapiContext

log = logging.getLogger(__name__)


def running_context() -> XapiContext | None:
    """The xAPI context of the app that is running, None outside one or when xAPI is off."""
    if not has_app_context():
        return None
    settings = get_settings()
    if not settings.xapi.configured:
        return None
    return XapiContext(base_url=settings.public_base_url.rstrip("/"))


def send_after_response(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            report = send_batch(db.session, get_settings(app).xapi, ids)
        except Exception:  # never let the LRS break the server; cron retries what is left
            log.exception("sending xAPI statements %s after the response failed", ids)
            db.session.rollback()
            return
        if report.failed:
            log.warning("xAPI statements %s not sent yet; flask xapi send retries", report.failed)


def init_xapi(app: Flask) -> None:
    @app.after_request
    def send_queued_statements(response: Response) -> Response:
        ids = outbox.take_queued_ids(db.session)
        if ids and get_settings(app).xapi.configured:
            response.call_on_close(lambda: send_after_response(app, ids))
        return response
