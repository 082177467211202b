"""Send claimed statements to the LRS (``PUT /statements?statementId=…``, HTTP Basic).

A worker, not a service: it commits after the claim and after each statement, like
``app/mail/sender.py``. ``PUT`` with the statement's id is idempotent in xAPI 1.0.3: the LRS
stores it (204) or already has it (204, or 409 when it refuses a second write of the id). Both
mean delivered. Anything else (connection refused, timeout, 4xx/5xx) is a failed try, retried
with backoff; the first connection failure stops the batch (the store is down).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from sqlalchemy.orm import Session

from app import clock
from app.settings import XapiSettings
from app.xapi import outbox
from app.xapi.models import XapiOutboxStatement

XAPI_VERSION_HEADER = "1.0.3"
DELIVERED = {200, 204, 409}


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


class LrsError(Exception):
    """The LRS answered but did not store the statement."""


def put_statement(http: requests.Session, settings: XapiSettings, row: XapiOutboxStatement) -> None:
    response = http.put(
        f"{settings.endpoint}/statements",
        params={"statementId": row.statement_id},
        json=row.body,
        headers={"X-Experience-API-Version": XAPI_VERSION_HEADER},
        auth=(settings.username or "", settings.password or ""),
        timeout=settings.timeout,
    )
    if response.status_code not in DELIVERED:
        raise LrsError(f"HTTP {response.status_code}: {response.text[:300]}")


def send_batch(
    session: Session, settings: XapiSettings, ids: list[int] | None = None
) -> SendReport:
    """Claim ``ids`` (default: every due statement, oldest first), send them, record each."""
    report = SendReport()
    if not settings.configured:
        return report
    now = clock.utcnow()
    candidates = outbox.due_ids(session, now) if ids is None else ids
    token, owned = outbox.claim(session, candidates, now)
    session.commit()
    rows = [row for i in owned if (row := session.get(XapiOutboxStatement, i)) is not None]
    with requests.Session() as http:
        for position, row in enumerate(rows):
            try:
                put_statement(http, settings, row)
            except requests.ConnectionError as exc:
                for rest in rows[position:]:
                    _fail(session, rest, token, exc, report)
                break
            except (requests.RequestException, LrsError) as exc:
                _fail(session, row, token, exc, report)
                continue
            outbox.mark_sent(session, row.id, token, clock.utcnow())
            session.commit()
            report.sent.append(row.id)
    return report


def _fail(
    session: Session,
    row: XapiOutboxStatement,
    token: str,
    exc: BaseException,
    report: SendReport,
) -> None:
    outbox.mark_failed(session, row, token, f"{type(exc).__name__}: {exc}")
    session.commit()
    report.failed.append(row.id)
