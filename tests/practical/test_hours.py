"""The hours ledger: sessions with attendance, activities with evidence, their review."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.errors import Forbidden, NotFound, ValidationFailed
from app.practical import hours
from app.practical.models import EntryStatus, HoursEntry
from tests import factories
from tests.conftest import csrf_token_from
from tests.practical.helpers import practical_program

PDF = b"%PDF-1.4\n%%EOF\n"
LAB = hours.Activity("Lab day", "in_person", "psychomotor", 6.0, date(2026, 1, 10))


def test_a_session_credits_each_attendee_verified_hours(db_session):
    instructor = factories.make_user("instructor")
    trainees = [factories.make_user("trainee") for _ in range(3)]
    row = hours.run_session(db_session, instructor, LAB, [t.id for t in trainees])
    credits = db_session.scalars(sa.select(HoursEntry).where(HoursEntry.session_id == row.id)).all()
    assert sorted(c.user_id for c in credits) == sorted(t.id for t in trainees)
    assert all(c.status == EntryStatus.VERIFIED and c.hours == 6.0 for c in credits)
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "hours.session"))


def test_a_session_refuses_someone_who_is_not_a_trainee(db_session):
    instructor = factories.make_user("instructor")
    with pytest.raises(ValidationFailed, match="attendees"):
        hours.run_session(db_session, instructor, LAB, [instructor.id])
    with pytest.raises(Forbidden):
        hours.run_session(db_session, factories.make_user("trainee"), LAB, [1])


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00 an executable", "PDF, PNG or JPEG"),
        (b"<svg onload=alert(1)>", "PDF, PNG or JPEG"),
        (b"%PDF-" + b"x" * hours.MAX_EVIDENCE_BYTES, "MB"),
    ],
)
def test_evidence_is_type_checked_and_size_limited(db_session, data, why):
    trainee = factories.make_user("trainee")
    with pytest.raises(ValidationFailed, match=why):
        hours.record_activity(db_session, trainee, LAB, data, "x.pdf")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(HoursEntry)) == 0


def test_an_activity_waits_for_review_and_the_trainee_cannot_verify_it(db_session):
    practical_program(db_session)  # its default cohort: the trainee's, taught by the reviewer
    trainee = factories.make_user("trainee")
    entry = hours.record_activity(db_session, trainee, LAB, PDF, "../../etc/cert ificate.pdf")
    assert entry.status == EntryStatus.PENDING and entry.evidence_name == "cert_ificate.pdf"
    with pytest.raises(Forbidden):
        hours.review_activity(db_session, trainee, entry.id, True, "")
    outsider = factories.make_user("instructor", enrol=False)  # teaches no cohort of theirs
    with pytest.raises(NotFound):
        hours.review_activity(db_session, outsider, entry.id, True, "")
    reviewer = factories.make_user("instructor")
    with pytest.raises(ValidationFailed, match="note"):
        hours.review_activity(db_session, reviewer, entry.id, False, "")
    hours.review_activity(db_session, reviewer, entry.id, False, "Not a dry-needling course.")
    assert entry.status == EntryStatus.REJECTED and entry.note == "Not a dry-needling course."


def test_a_reviewer_cannot_review_their_own_entry(db_session):
    instructor = factories.make_user("instructor")
    entry = HoursEntry(user_id=instructor.id, title="x", mode="self_study", hours=1.0,
                       held_on=date(2026, 1, 1), status=EntryStatus.PENDING)  # fmt: skip
    db_session.add(entry)
    db_session.flush()
    with pytest.raises(NotFound):
        hours.review_activity(db_session, instructor, entry.id, True, "")


def test_the_hours_page_records_an_activity_with_an_upload(client, login_as, db_session):
    trainee = login_as("trainee")
    page = client.get("/hours")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/hours",
        data={
            "csrf_token": token,
            "title": "Course certificate",
            "mode": "self_study",
            "content_area": "theory",
            "hours": "3",
            "held_on": "2026-01-05",
            "evidence": (io.BytesIO(PDF), "certificate.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (entry,) = db_session.scalars(sa.select(HoursEntry).where(HoursEntry.user_id == trainee.id))
    assert entry.status == EntryStatus.PENDING and entry.evidence_type == "application/pdf"
    download = client.get(f"/hours/{entry.id}/evidence")
    assert download.data == PDF and download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]
    api = client.get("/api/v1/me/hours").json
    assert api[0]["status"] == "pending" and api[0]["source"] == "activity"
