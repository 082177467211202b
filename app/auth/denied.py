"""Audit events for denied requests, aggregated so that a scripted prober cannot flood the log.

A logged-in user refused by a route's role rule (``@role_required``) is counted per user and
endpoint in the limiter's storage for an hour. The 1st, 10th, 100th, … refusal in that hour
writes one ``access.denied`` event carrying the count so far, so the log shows who probed what
and how hard, in at most a handful of rows per user and route.
"""

from __future__ import annotations

import math

from flask import request
from sqlalchemy.orm import Session

from app.audit.services import Actor, record
from app.extensions import limiter

WINDOW_SECONDS = 3600


def is_sampled(count: int) -> bool:
    """True for the counts that write an event: 1, 10, 100, … (pure)."""
    if count < 1:
        return False
    power = round(math.log10(count))
    return 10**power == count


def note_denied(session: Session, user: Actor) -> None:
    """Count this refusal of ``user``'s request; write (and commit) an event when sampled."""
    endpoint = request.endpoint or request.path
    count = 1
    if limiter.enabled:
        count = limiter.storage.incr(f"denied/{user.id}/{endpoint}", WINDOW_SECONDS)
    if not is_sampled(count):
        return
    record(
        session,
        user,
        "access.denied",
        "endpoint",
        endpoint[:64],
        {"method": request.method, "path": request.path[:500], "count_this_hour": count},
    )
    session.commit()
