"""Reports: the roster (rows, formula escaping), the attestation PDF's text, adverse events,
and bad arguments that write nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app import clock
from app.audit.models import AuditEvent
from app.certificates import services as certificates
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.licensing.helpers import add_hours, import_shipped

FL = "us-fl-physical-therapist"


@pytest.fixture
def completed(app, db_session):
    """A trainee with a hostile name and licence who completed a program today."""
    program, modules, _ = make_program(db_session, requires_review=False)
    trainee = factories.make_user(
        "trainee", name='=HYPERLINK("http://x") Smith', licence_number="+PT-1234",
        jurisdiction="Florida", email="done@example.org",
    )  # fmt: skip
    add_hours(db_session, trainee, "in_person", 12, date(2026, 2, 1))
    add_hours(db_session, trainee, "self_paced_online", 5.5, date(2026, 2, 2))
    for module in modules:
        make_attempt(db_session, trainee, module)
    with app.app_context():
        settings = get_settings().issuer
    certificates.record_completion(db_session, trainee, program, settings=settings)
    db_session.flush()
    return program, trainee


def _today() -> str:
    return clock.utcnow().date().isoformat()


def test_the_roster_lists_a_completed_trainee_with_formulas_defused(
    runner, db_session, completed, tmp_path
):
    program, trainee = completed
    out = tmp_path / "roster.csv"
    result = runner.invoke(
        args=["reports", "roster", "--program", program.slug, "--from", "2026-01-01",
              "--to", _today(), "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 1
    row = rows[0]
    assert row["licence_number"] == "'+PT-1234" and row["licence_state"] == "Florida"
    assert row["first_name"].startswith("'=HYPERLINK") and row["last_name"] == "Smith"
    assert (row["program_id"], row["completion_date"]) == (program.slug, _today())
    assert row["hours_in_person"] == "12" and row["hours_self_paced_online"] == "5.5"
    assert row["certificate_serial"].startswith("DNF") and row["ce_hours"] == "17.5"
    event = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report.roster"))
    assert event.one().details["rows"] == 1


def test_a_range_without_completions_gives_the_header_only(runner, completed, tmp_path):
    program, _ = completed
    out = tmp_path / "roster.csv"
    result = runner.invoke(
        args=["reports", "roster", "--program", program.slug, "--from", "2020-01-01",
              "--to", "2020-12-31", "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0
    assert out.read_text().splitlines()[0].startswith("licence_number,licence_state")
    assert len(out.read_text().splitlines()) == 1


def test_the_admin_downloads_the_roster(client, login_as, completed):
    program, _ = completed
    login_as("admin")
    response = client.get(
        f"/admin/reports/roster.csv?program={program.slug}&start=2026-01-01&end={_today()}"
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "'+PT-1234" in response.get_data(as_text=True)
    bad = client.get(f"/admin/reports/roster.csv?program={program.slug}&start=x&end=y")
    assert bad.status_code == 400


def test_the_attestation_pdf_lists_the_evidence(runner, db_session, completed, tmp_path):
    import_shipped(db_session)
    _, trainee = completed
    out = tmp_path / "packet.pdf"
    result = runner.invoke(
        args=["reports", "attestation", "--email", trainee.email, "--jurisdiction", FL,
              "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    text = " ".join(text.split())
    assert "Florida (us-fl-physical-therapist)" in text
    assert "In person: 12 h" in text and "Self-paced online: 5.5 h" in text
    assert "Supervised sessions signed off: 0" in text
    assert "Examinations passed: 2" in text
    assert "Status on" in text and "not_met" in text
    assert "Hours: 12 of 50" in text
    assert "verify at http" in text and "Serial DNF" in text
    assert (
        db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report.attestation"))
        .one()
        .details["jurisdiction"]
        == FL
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["roster", "--program", "no-such", "--from", "2026-01-01", "--to", "2026-02-01"],
         "no program"),
        (["roster", "--program", "{slug}", "--from", "2026-03-01", "--to", "2026-02-01"],
         "--to comes before --from"),
        (["roster", "--program", "{slug}", "--from", "2026-13-01", "--to", "2026-02-01"],
         "2026-13-01"),
        (["adverse-events", "--program", "{slug}", "--from", "2026-01-01", "--to", "2026-02-01",
          "--out-is-txt"], "must end in .csv"),
        (["attestation", "--email", "nobody@example.org", "--jurisdiction", FL], "no account"),
        (["attestation", "--email", "done@example.org", "--jurisdiction", "xx-nowhere"],
         "no jurisdiction"),
    ],
)  # fmt: skip
def test_bad_arguments_give_a_clear_error_and_write_nothing(
    runner, db_session, completed, tmp_path, args, message
):
    import_shipped(db_session)
    program, _ = completed
    suffix = ".pdf" if args[0] == "attestation" else ".csv"
    if "--out-is-txt" in args:
        args, suffix = [a for a in args if a != "--out-is-txt"], ".txt"
    out = tmp_path / f"out{suffix}"
    args = [a.replace("{slug}", program.slug) for a in args]
    result = runner.invoke(args=["reports", *args, "--out", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
    assert not db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("report.%"))
    ).all()


def test_an_output_folder_that_does_not_exist_is_refused(runner, completed, tmp_path):
    program, _ = completed
    out = tmp_path / "missing" / "roster.csv"
    result = runner.invoke(
        args=["reports", "roster", "--program", program.slug, "--from", "2026-01-01",
              "--to", "2026-02-01", "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not out.parent.exists()


def test_the_adverse_event_summary_lists_the_programs_events(runner, db_session, tmp_path):
    from app.practical import logbook
    from tests.practical.helpers import eligible_supervisor, practical_program

    program, _ = practical_program(db_session)
    trainee = factories.make_user("trainee")
    supervisor = eligible_supervisor(db_session)
    for day, event in ((10, "=cmd|' /C calc'!A0 syncope"), (11, "none")):
        logbook.log_session(
            db_session, trainee, program,
            logbook.LogbookInput(
                date(2026, 1, day), f"P-00{day}", "lumbar", ["multifidus"], 2, 2, event,
                supervisor.email, "",
            ),
        )  # fmt: skip
    out = tmp_path / "adverse.csv"
    result = runner.invoke(
        args=["reports", "adverse-events", "--program", program.slug, "--from", "2026-01-01",
              "--to", "2026-01-31", "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[1][1:4] == [trainee.email, "lumbar", "'=cmd|' /C calc'!A0 syncope"]
    assert rows[-1] == ["summary", "", "lumbar", "1 of 2 sessions", ""]
