"""The command line's import (the operator's policy) writes a row-level diff to the audit log."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.banks import models as m
from app.banks.services import MAX_AUDIT_ROWS, MAX_SHOWN_CHARS, ImportReport, shown
from tests.banks.test_import import SMALL_BANK, write_bank

PROGRAM = """
programs:
  - slug: mini-program
    title: Mini program
    modules: [mini-exam]
    validity_months: 24
    ce_hours: 10
"""


def import_events(session) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "banks.import").order_by(AuditEvent.id)
        )
    )


def rows_of(event: AuditEvent) -> dict[str, dict]:
    return {row["row"]: row for row in event.details["rows"]}


def test_the_cli_import_records_created_and_updated_rows_with_before_and_after(
    runner, db_session, tmp_path
):
    folder = write_bank(tmp_path / "bank", SMALL_BANK + PROGRAM)
    assert runner.invoke(args=["banks", "import", str(folder)]).exit_code == 0
    first = import_events(db_session)[-1]
    assert first.details["policy"] == "operator" and first.details["created"] == 5
    created = rows_of(first)
    assert created["question q-one"]["change"] == "created"
    assert created["question q-one"]["version"] == 1
    assert created["question q-one"]["status"] == "published"
    assert created["module mini-exam"]["values"]["pass_mark"] == 70.0
    assert created["program mini-program"]["values"]["requires_review"] is True
    old_hash = created["question q-one"]["hash"]

    changed = (
        (SMALL_BANK + PROGRAM)
        .replace("stem: Original stem", "stem: A changed stem")
        .replace(
            "blueprint: [{topic: safety, count: 2}]",
            "blueprint: [{topic: safety, count: 2}]\n    pass_mark: 55\n    attempt_limit: 3",
        )
        .replace("ce_hours: 10", "ce_hours: 12\n    requires_review: false")
    )
    write_bank(folder, changed)
    result = runner.invoke(args=["banks", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "updated: module mini-exam (pass_mark: 70.0 → 55.0; attempt_limit: None → 3)" in (
        result.output
    )
    second = import_events(db_session)[-1]
    assert second.id != first.id
    rows = rows_of(second)
    assert set(rows) == {"question q-one", "module mini-exam", "program mini-program"}
    assert rows["module mini-exam"]["fields"] == {
        "pass_mark": {"before": 70.0, "after": 55.0},
        "attempt_limit": {"before": None, "after": 3},
    }
    assert rows["program mini-program"]["fields"] == {
        "ce_hours": {"before": 10.0, "after": 12.0},
        "requires_review": {"before": True, "after": False},
    }
    question = rows["question q-one"]
    assert question["version"] == {"before": 1, "after": 2}
    new_version = db_session.scalar(
        sa.select(m.QuestionVersion)
        .join(m.Question, m.Question.current_version_id == m.QuestionVersion.id)
        .where(m.Question.key == "q-one")
    )
    assert question["hash"] == {"before": old_hash, "after": new_version.content_hash}
    assert second.details["unchanged"] == 2  # the topic and q-two: counted, not listed

    assert runner.invoke(args=["banks", "import", str(folder)]).exit_code == 0
    assert import_events(db_session)[-1].id == second.id  # nothing changed: no event


def test_a_long_value_is_shown_by_its_hash():
    text = "x" * (MAX_SHOWN_CHARS + 1)
    assert shown(text) == {
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "length": len(text),
        "start": "x" * 60,
    }
    assert shown("short") == "short"
    assert shown([{"topic": "safety", "count": 2}]) == [{"topic": "safety", "count": 2}]


def test_an_import_event_lists_a_bounded_number_of_rows():
    report = ImportReport()
    for i in range(MAX_AUDIT_ROWS + 3):
        report.add("created", f"question q{i}", version=1)
    report.add("unchanged", "topic t")
    details = report.audit_details("operator")
    assert len(details["rows"]) == MAX_AUDIT_ROWS and details["rows_omitted"] == 3
    assert details["created"] == MAX_AUDIT_ROWS + 3 and details["unchanged"] == 1
