"""Writes for the banks: importing a loaded bank into the database, all or nothing.

Services take the session and the acting user, flush and never commit; the caller (a route or a
CLI command) commits once, or rolls back on a dry run.

One importer, two policies (``ImportPolicy``). The operator's (``OPERATOR``: the command line,
``make run``'s load of ``question_banks/``) writes what the files say, statuses and module and
program rules included. The studio's (``app.studio.imports.StudioImport``) only creates and
updates its user's own drafts. Either way one audit event lists every row created, updated or
skipped, with its changes (the row-level diff).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.banks import models as m
from app.banks import queries
from app.banks.loader import (
    Bank,
    BankFileInvalid,
    BankProblem,
    LoadedQuestion,
    collector_paused,
    load_bank,
)
from app.banks.schema import (
    Case,
    CaseStep,
    QuestionBase,
    Status,
    case_hash,
    content_hash,
    question_image,
    version_content,
)
from app.i18n import gettext as _

IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
MAX_SHOWN_CHARS = 120  # longer values are shown in the audit log by their hash and first chars
MAX_AUDIT_ROWS = 2000  # rows listed in one import's audit event; the rest are counted
CHUNK = 1000  # values in one ``IN (...)`` when new questions' ids are read back


def shown(value: Any) -> Any:
    """``value`` as the audit log shows it: as is when short, else its SHA-256, length and
    first characters (lists and mappings are measured as sorted JSON)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    if len(text) <= MAX_SHOWN_CHARS:
        return value if isinstance(value, str | list | dict) else text
    return {
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "length": len(text),
        "start": text[:60],
    }


def change(before: Any, after: Any) -> dict[str, Any]:
    return {"before": shown(before), "after": shown(after)}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, reason)
    warnings: list[str] = field(default_factory=list)  # imported, but something was left out
    dry_run: bool = False
    rows: list[dict[str, Any]] = field(default_factory=list)  # the row-level diff (audit)

    def add(self, outcome: str, label: str, **detail: Any) -> dict[str, Any] | None:
        """Count ``label`` as created, updated or unchanged; list the first two in the diff
        (their row is returned, to add to it later)."""
        getattr(self, outcome).append(label)
        if outcome == "unchanged":
            return None
        kept = {k: v for k, v in detail.items() if v != {}}
        row = {"row": label, "change": outcome, **kept}
        self.rows.append(row)
        return row

    def skip(self, label: str, reason: str) -> None:
        self.skipped.append((label, reason))
        self.rows.append({"row": label, "change": "skipped", "reason": reason})

    def annotate(self, label: str, **detail: Any) -> None:
        """Add to the diff row of ``label`` (the last one written)."""
        for row in reversed(self.rows):
            if row["row"] == label:
                row.update(detail)
                return

    def summary(self) -> str:
        counts = {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
        }
        if self.dry_run:
            return _(
                "dry run: nothing was saved. %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(skipped)s skipped",
                **counts,
            )
        return _(
            "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(skipped)s skipped",
            **counts,
        )

    def audit_details(self, policy: str) -> dict[str, Any]:
        """One import's audit event: counts and the rows (bounded by ``MAX_AUDIT_ROWS``)."""
        details: dict[str, Any] = {
            "policy": policy,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
            "rows": self.rows[:MAX_AUDIT_ROWS],
        }
        if len(self.rows) > MAX_AUDIT_ROWS:
            details["rows_omitted"] = len(self.rows) - MAX_AUDIT_ROWS
        return details


@dataclass(frozen=True)
class Decision:
    """What an import policy says of one question or case of the file that may be written."""

    skip: str | None = None  # why it is left alone (None: write it)
    revision: Any = None  # the importer's own draft revision it updates (studio policy)


class ImportPolicy:
    """The operator's policy: the files are the truth (they are reviewed in the repository).

    Statuses are written as the files say (so a file may publish), existing questions, cases,
    topics, modules and programs are updated. A subclass (the studio's) narrows this.
    """

    name = "operator"
    audit_action = "banks.import"
    audit_always = False  # an event even when nothing was written (to show what was skipped)
    publishes = True  # statuses as the files say; otherwise everything is a draft
    rules_skipped: str | None = None  # why modules and programs are left alone (None: written)
    topics_skipped: str | None = None  # why existing topics are left alone (None: updated)
    reads_images = True  # images named by a question are read beside its file
    needs_rows = False  # ``written`` reads the new rows (else they are inserted without ORM rows)

    def decide(self, session: Session, kind: str, row: Any, steps: list[m.Question]) -> Decision:
        """May the question or case ``row`` (None: a new key) be written? ``steps``: the
        existing questions a case's steps name."""
        return Decision()

    def written(
        self, session: Session, kind: str, row: Any, version: Any, decision: Decision
    ) -> dict[str, Any]:
        """Called once ``row`` was created or got a new version; extra details for its row."""
        return {}


OPERATOR = ImportPolicy()


def import_directory(
    session: Session,
    path: str | Path,
    actor: User | None = None,
    dry_run: bool = False,
    policy: ImportPolicy = OPERATOR,
) -> ImportReport:
    """Load and import a folder of native bank files; raises ``BankFileInvalid`` on errors."""
    bank = load_bank(path)
    return import_bank(session, bank, actor, dry_run=dry_run, policy=policy)


@collector_paused()
def import_bank(
    session: Session,
    bank: Bank,
    actor: User | None = None,
    dry_run: bool = False,
    policy: ImportPolicy = OPERATOR,
) -> ImportReport:
    """Create or update everything in ``bank`` keyed by key/slug, as ``policy`` allows; content
    changes make versions. One audit event (unless a dry run) lists the rows and their changes.

    Refuses (``BankFileInvalid``) when the bank has errors, before writing anything. Topics the
    bank refers to must exist in the bank or the database.
    """
    media = _check_importable(session, bank, policy)
    report = ImportReport(dry_run=dry_run)
    said = {} if policy.publishes else _as_drafts(bank)
    topics = _upsert_topics(session, bank, report, policy)
    existing = {
        q.key: q
        for q in session.scalars(
            sa.select(m.Question).where(m.Question.key.in_(list(bank.questions)))
        )
    }
    _import_questions(session, bank, topics, existing, media, actor, report, policy)
    _import_cases(session, bank, topics, existing, media, actor, report, policy)
    _import_rules(session, bank, report, policy)
    session.flush()
    written = {*report.created, *report.updated}
    report.warnings.extend(
        _("%(label)s: the file says '%(status)s': imported as a draft", label=label, status=status)
        for label, status in said.items()
        if label in written
    )
    if not dry_run and (policy.audit_always or report.created or report.updated):
        record(session, actor, policy.audit_action, "bank", None, report.audit_details(policy.name))
    return report


def _as_drafts(bank: Bank) -> dict[str, str]:
    """Make every question and case of ``bank`` a draft (a draft is published by a second
    instructor's approval, never by a file); the status each file said otherwise, by label."""
    said = {}
    for lq in bank.questions.values():
        if lq.case_key is None and lq.question.status != Status.DRAFT:
            said[f"question {lq.question.key}"] = lq.question.status.value
        lq.question.status = Status.DRAFT
    for lc in bank.cases.values():
        if lc.case.status != Status.DRAFT:
            said[f"case {lc.case.key}"] = lc.case.status.value
        lc.case.status = Status.DRAFT
    return said


def _import_questions(
    session: Session,
    bank: Bank,
    topics: dict[str, m.Topic],
    existing: dict[str, m.Question],
    media: dict,
    actor: User | None,
    report: ImportReport,
    policy: ImportPolicy,
) -> None:
    """The standalone questions, as the policy decides (the steps of cases come with them).

    New keys are written together (``_write_new``: a few multi-row statements rather than
    three statements each); existing ones one by one, as they may get a new version."""
    new: list[_NewQuestion] = []
    for lq in bank.questions.values():
        if lq.case_key is not None:
            continue
        label = f"question {lq.question.key}"
        row = existing.get(lq.question.key)
        decision = policy.decide(session, "question", row, [])
        if decision.skip is not None:
            report.skip(label, decision.skip)
            continue
        if row is None:
            new.append(_stage_new(session, lq, topics[lq.topic], media, report, decision))
            continue
        before = row.current_version_id
        version = _upsert_question(session, lq, topics[lq.topic], row, media, actor, report, None)
        if version.id != before:
            report.annotate(label, **policy.written(session, "question", row, version, decision))
    _write_new(session, new, actor, policy)


@dataclass
class _NewQuestion:
    """A standalone question of a new key, to be inserted with the others."""

    question: QuestionBase
    topic: m.Topic
    content: dict[str, Any]  # its version's content
    digest: str
    media_sha: str | None
    decision: Decision
    shown: dict[str, Any] | None  # its row of the report's diff


def _stage_new(
    session: Session,
    lq: LoadedQuestion,
    topic: m.Topic,
    media: dict,
    report: ImportReport,
    decision: Decision,
) -> _NewQuestion:
    """A new standalone question, reported created (its media row added if new)."""
    q = lq.question
    media_sha = _media(session, media[q.key]) if q.key in media else None
    content = version_content(q)
    digest = _version_hash(q, media_sha, content)
    shown_row = report.add(
        "created", f"question {q.key}", version=1, hash=digest, status=q.status.value
    )
    return _NewQuestion(q, topic, content, digest, media_sha, decision, shown_row)


def _write_new(
    session: Session, new: list[_NewQuestion], actor: User | None, policy: ImportPolicy
) -> None:
    """Insert the new questions, then their versions 1 (each an executemany; the ids read
    back by key, a statement per thousand), make each version current (one executemany), then
    tell the policy of each.

    The rows are those ``_upsert_question`` writes one by one (the same columns, defaults and
    version 1); only the number of statements differs. (Ids are read back rather than returned
    by the inserts: SQLite would insert one row per statement to return them in order.)"""
    if not new:
        return
    session.execute(
        sa.insert(m.Question),
        [{"key": n.question.key, "topic_id": n.topic.id, "status": n.question.status} for n in new],
    )
    by_key = _column_by(session, m.Question.id, m.Question.key, [n.question.key for n in new])
    ids = [by_key[n.question.key] for n in new]
    session.execute(
        sa.insert(m.QuestionVersion),
        [
            _version_values(qid, n.question, 1, n.digest, n.media_sha, actor, n.content)
            for qid, n in zip(ids, new, strict=True)
        ],
    )
    by_question = _column_by(session, m.QuestionVersion.id, m.QuestionVersion.question_id, ids)
    version_ids = [by_question[i] for i in ids]
    session.execute(
        sa.update(m.Question),
        [{"id": i, "current_version_id": v} for i, v in zip(ids, version_ids, strict=True)],
    )
    if not policy.needs_rows:
        return
    rows = _by_id(session, m.Question, ids)
    versions = _by_id(session, m.QuestionVersion, version_ids)
    for n, qid, vid in zip(new, ids, version_ids, strict=True):
        extra = policy.written(session, "question", rows[qid], versions[vid], n.decision)
        if extra and n.shown is not None:
            n.shown.update(extra)


def _column_by(session: Session, column: Any, by: Any, values: list[Any]) -> dict[Any, Any]:
    """``column`` of the rows whose ``by`` (unique among them) is in ``values``, by ``by``."""
    found: dict[Any, Any] = {}
    for start in range(0, len(values), CHUNK):
        part = values[start : start + CHUNK]
        found.update(session.execute(sa.select(by, column).where(by.in_(part))).tuples().all())
    return found


def _by_id(session: Session, model: type, ids: list[int]) -> dict[int, Any]:
    """The rows of ``model`` with these ids, by id (a statement per ``CHUNK`` ids)."""
    found: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found.update((r.id, r) for r in session.scalars(sa.select(model).where(model.id.in_(part))))
    return found


def _import_cases(
    session: Session,
    bank: Bank,
    topics: dict[str, m.Topic],
    existing: dict[str, m.Question],
    media: dict,
    actor: User | None,
    report: ImportReport,
    policy: ImportPolicy,
) -> None:
    for lc in bank.cases.values():
        case = lc.case
        label = f"case {case.key}"
        row = session.scalar(sa.select(m.Case).where(m.Case.key == case.key))
        steps = [existing[s.question.key] for s in case.steps if s.question.key in existing]
        decision = policy.decide(session, "case", row, steps)
        if decision.skip is not None:
            report.skip(label, decision.skip)
            continue
        before = row.current_version_id if row is not None else None
        row = upsert_case(
            session, case, topics[lc.topic], bank, topics, existing, media, actor, report
        )
        if row.current_version_id != before:
            version = session.get(m.CaseVersion, row.current_version_id)
            report.annotate(label, **policy.written(session, "case", row, version, decision))


def _import_rules(session: Session, bank: Bank, report: ImportReport, policy: ImportPolicy) -> None:
    """Modules and programs: upserted, or all skipped when the policy says why."""
    if policy.rules_skipped is not None:
        for slug in bank.modules:
            report.skip(f"module {slug}", policy.rules_skipped)
        for slug in bank.programs:
            report.skip(f"program {slug}", policy.rules_skipped)
        return
    for position, module in enumerate(bank.modules.values()):
        _upsert_module(session, module, position, report)
    for program in bank.programs.values():
        _upsert_program(session, program, report)


def _check_importable(
    session: Session, bank: Bank, policy: ImportPolicy = OPERATOR
) -> dict[str, tuple[bytes, str, str]]:
    """The questions' images read from disk, keyed by question key, once the bank is known to
    import: raises ``BankFileInvalid`` with its errors, unknown topics and unreadable images."""
    known = set(session.scalars(sa.select(m.Topic.slug)))
    problems = list(bank.errors)
    for lq in bank.questions.values():
        if lq.topic not in known and lq.topic not in bank.topics:
            problems.append(
                BankProblem(
                    lq.path,
                    _("unknown topic '%(topic)s'", topic=lq.topic),
                    "question",
                    lq.question.key,
                    "topic",
                )
            )
    media = {}
    for lq in bank.questions.values():
        image = question_image(lq.question)
        if image is None:
            continue
        if not policy.reads_images:
            message = _(
                "image '%(name)s': upload images in the studio, then choose them",
                name=Path(image).name,
            )
            problems.append(BankProblem(lq.path, message, "question", lq.question.key, "image"))
            continue
        try:
            media[lq.question.key] = _read_image(lq.base_dir / image)
        except (OSError, ValueError) as exc:
            problems.append(BankProblem(lq.path, str(exc), "question", lq.question.key, "image"))
    if problems:
        raise BankFileInvalid(problems)
    return media


def _upsert_topics(
    session: Session, bank: Bank, report: ImportReport, policy: ImportPolicy = OPERATOR
) -> dict[str, m.Topic]:
    """Create or update the bank's topics; returns every topic row by slug."""
    topics = {t.slug: t for t in session.scalars(sa.select(m.Topic))}
    for topic in bank.topics.values():
        label = f"topic {topic.id}"
        row = topics.get(topic.id)
        if row is None:
            row = m.Topic(slug=topic.id, title=topic.title, description=topic.description)
            session.add(row)
            topics[topic.id] = row
            report.add("created", label, title=shown(topic.title))
            continue
        fields = {
            name: change(getattr(row, name), getattr(topic, name))
            for name in ("title", "description")
            if getattr(row, name) != getattr(topic, name)
        }
        if not fields:
            report.add("unchanged", label)
        elif policy.topics_skipped is not None:
            report.skip(label, policy.topics_skipped)
        else:
            row.title, row.description = topic.title, topic.description
            report.add("updated", label, fields=fields)
    session.flush()
    return topics


def _read_image(path: Path) -> tuple[bytes, str, str]:
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise ValueError(
            _("image '%(name)s': only SVG, PNG and JPEG images are accepted", name=path.name)
        )
    if not path.is_file():
        raise ValueError(_("image '%(name)s' not found beside the bank file", name=path.name))
    data = path.read_bytes()
    return data, IMAGE_TYPES[suffix], path.name


def _media(session: Session, image: tuple[bytes, str, str]) -> str:
    data, content_type, name = image
    digest = hashlib.sha256(data).hexdigest()
    if session.get(m.Media, digest) is None:
        session.add(
            m.Media(sha256=digest, content_type=content_type, data=data, original_name=name)
        )
    return digest


def _version_hash(
    question: QuestionBase, media_sha: str | None, content: dict[str, Any] | None = None
) -> str:
    base = content_hash(question, content)
    if media_sha is None:
        return base
    return hashlib.sha256(f"{base}:{media_sha}".encode()).hexdigest()


def _upsert_question(
    session: Session,
    lq: LoadedQuestion,
    topic: m.Topic,
    row: m.Question | None,
    media: dict,
    actor: User | None,
    report: ImportReport,
    case: m.Case | None,
) -> m.QuestionVersion:
    """Write one question; standalone ones go in the report with their changes (a case's steps
    are reported as part of their case)."""
    q = lq.question
    media_sha = _media(session, media[q.key]) if q.key in media else None
    digest = _version_hash(q, media_sha)
    # A case's steps are reported with their case, so they go to a report nobody reads.
    shown_in = report if case is None else ImportReport()
    label = f"question {q.key}"
    if row is None:
        row = m.Question(key=q.key, topic=topic, status=q.status, case_id=case.id if case else None)
        session.add(row)
        session.flush()
        version = _new_version(session, row, q, 1, digest, media_sha, actor)
        shown_in.add("created", label, version=1, hash=digest, status=q.status.value)
        return version
    current = row.current_version
    fields = _meta_changes(row, q.status, topic)
    row.status, row.topic_id = q.status, topic.id
    if current is not None and current.content_hash == digest:
        shown_in.add("updated" if fields else "unchanged", label, fields=fields)
        return current
    number = queries.next_question_version_no(session, row.id)
    version = _new_version(session, row, q, number, digest, media_sha, actor)
    shown_in.add(
        "updated",
        label,
        version=change(current.version_no if current else None, number),
        hash=change(current.content_hash if current else None, digest),
        fields=fields,
    )
    return version


def _meta_changes(row: m.Question | m.Case, status: Status, topic: m.Topic) -> dict[str, Any]:
    """The status and topic changes of a question or case row, before → after."""
    fields = {}
    if row.status != status:
        fields["status"] = change(_value(row.status), status.value)
    if row.topic_id != topic.id:
        fields["topic"] = change(row.topic.slug if row.topic else None, topic.slug)
    return fields


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def _new_version(
    session: Session,
    row: m.Question,
    q: QuestionBase,
    number: int,
    digest: str,
    media_sha: str | None,
    actor: User | None,
) -> m.QuestionVersion:
    version = _version_row(row, q, number, digest, media_sha, actor)
    session.add(version)
    session.flush()
    row.current_version_id = version.id
    row.current_version = version
    return version


def _version_row(
    row: m.Question,
    q: QuestionBase,
    number: int,
    digest: str,
    media_sha: str | None,
    actor: User | None,
) -> m.QuestionVersion:
    """Version ``number`` of the (flushed) question ``row``, not added to the session."""
    return m.QuestionVersion(**_version_values(row.id, q, number, digest, media_sha, actor))


def _version_values(
    question_id: int,
    q: QuestionBase,
    number: int,
    digest: str,
    media_sha: str | None,
    actor: User | None,
    content: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of version ``number`` of the question ``question_id`` (``content``: its
    ``version_content`` when already made)."""
    return {
        "question_id": question_id,
        "version_no": number,
        "type": q.type,
        "difficulty": q.difficulty,
        "use": q.use,
        "objective": q.objective,
        "content": version_content(q) if content is None else content,
        "content_hash": digest,
        "media_sha256": media_sha,
        "author_id": actor.id if actor else None,
    }


def upsert_case(
    session: Session,
    case: Case,
    topic: m.Topic,
    bank: Bank,
    topics: dict[str, m.Topic],
    existing: dict[str, m.Question],
    media: dict,
    actor: User | None,
    report: ImportReport,
) -> m.Case:
    """Write a case and its steps' questions as the import does; a new version only on change.

    Also the studio's way to save a case, so a case saved there has the same rows and content
    hash as its YAML twin. Returns the case row.
    """
    row = session.scalar(sa.select(m.Case).where(m.Case.key == case.key))
    label = f"case {case.key}"
    if row is None:
        row = m.Case(key=case.key, topic=topic, status=case.status)
        session.add(row)
        session.flush()
        is_new = True
    else:
        is_new = False
    step_versions = [
        _upsert_case_step(session, case, step, row, bank, topics, existing, media, actor, report)
        for step in case.steps
    ]
    digest = hashlib.sha256(
        (case_hash(case) + ":" + ",".join(v.content_hash for v in step_versions)).encode()
    ).hexdigest()
    fields = {} if is_new else _meta_changes(row, case.status, topic)
    row.status, row.topic_id = case.status, topic.id
    current = row.current_version
    if current is not None and current.content_hash == digest:
        report.add("updated" if fields else "unchanged", label, fields=fields)
        return row
    number = _add_case_version(session, row, case, digest, step_versions)
    if is_new:
        report.add("created", label, version=number, hash=digest, status=case.status.value)
    else:
        report.add(
            "updated",
            label,
            version=change(current.version_no if current else None, number),
            hash=change(current.content_hash if current else None, digest),
            fields=fields,
        )
    return row


def _upsert_case_step(
    session: Session,
    case: Case,
    step: CaseStep,
    row: m.Case,
    bank: Bank,
    topics: dict[str, m.Topic],
    existing: dict[str, m.Question],
    media: dict,
    actor: User | None,
    report: ImportReport,
) -> m.QuestionVersion:
    """Write one step's question (with the case's status) and return its current version."""
    lq = bank.questions[step.question.key]
    # Steps share the case's status and use: a published case draws all its steps.
    lq.question.status = case.status
    lq.question.use = case.use
    return _upsert_question(
        session,
        lq,
        topics[lq.topic],
        existing.get(lq.question.key),
        media,
        actor,
        report,
        row,
    )


def _add_case_version(
    session: Session,
    row: m.Case,
    case: Case,
    digest: str,
    step_versions: list[m.QuestionVersion],
) -> int:
    """Add the case's next version with its steps, make it the current one; its number."""
    number = queries.next_case_version_no(session, row.id)
    version = m.CaseVersion(
        case_id=row.id,
        version_no=number,
        title=case.title,
        vignette=case.vignette,
        difficulty=case.difficulty,
        use=case.use,
        tags=list(case.tags),
        reviewer_notes=case.reviewer_notes,
        content_hash=digest,
    )
    version.steps = [
        m.CaseStep(
            position=i + 1,
            disclosure=step.disclosure,
            reviewer_notes=step.reviewer_notes,
            question_version_id=v.id,
        )
        for i, (step, v) in enumerate(zip(case.steps, step_versions, strict=True))
    ]
    session.add(version)
    session.flush()
    row.current_version_id = version.id
    return number


def _upsert_module(session: Session, module, position: int, report: ImportReport) -> None:
    values = {
        "title": module.title,
        "description": module.description,
        "mode": module.mode,
        "objectives": [o.model_dump(mode="json") for o in module.objectives],
        "blueprint": [r.model_dump(mode="json") for r in module.blueprint],
        "case_draws": [c.model_dump(mode="json") for c in module.cases],
        "pass_mark": module.pass_mark,
        "time_limit_minutes": module.time_limit_minutes,
        "attempt_limit": module.attempt_limit,
        "cooldown_hours": module.cooldown_hours,
        "prerequisites": list(module.prerequisites),
        "review_policy": module.review_policy,
        "ce_hours": module.ce_hours,
        "language": module.language,
        "position": position,
    }
    _upsert_row(session, m.Module, module.slug, values, f"module {module.slug}", report)


def _upsert_program(session: Session, program, report: ImportReport) -> None:
    values = {
        "title": program.title,
        "description": program.description,
        "module_slugs": list(program.modules),
        "final_exam_slug": program.final_exam,
        "validity_months": program.validity_months,
        "ce_hours": program.ce_hours,
        "requires_review": program.requires_review,
        "renewal_module_slug": program.renewal_module,
        "renewal_cpd_hours": program.renewal_cpd_hours,
        "serial_prefix": program.serial_prefix,
        "requirements": [dict(r) for r in program.requirements],
        "supervisor_min_months": program.supervisor_min_months,
        "supervisor_min_sessions": program.supervisor_min_sessions,
        "scope_regions": list(program.scope_regions),
    }
    _upsert_row(session, m.Program, program.slug, values, f"program {program.slug}", report)


def _upsert_row(
    session: Session, model: type, slug: str, values: dict, label: str, report: ImportReport
) -> None:
    """Create or update a module or program; the diff lists each field before → after."""
    row = session.scalar(sa.select(model).where(model.slug == slug))
    if row is None:
        session.add(model(slug=slug, **values))
        shown_values = {k: shown(_value(v)) for k, v in values.items() if k != "position"}
        report.add("created", label, values=shown_values)
        return
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed or set(changed) == {"position"}:
        if changed:
            row.position = values["position"]
        report.add("unchanged", label)
        return
    fields = {
        k: change(_value(getattr(row, k)), _value(v)) for k, v in changed.items() if k != "position"
    }
    for k, v in changed.items():
        setattr(row, k, v)
    row.updated_at = clock.utcnow()
    report.add("updated", label, fields=fields)


def bank_from_questions(questions: list[QuestionBase], topic: str, source: str) -> Bank:
    """A Bank of imported questions (GIFT, Moodle XML, QTI), all in ``topic``."""
    bank = Bank(files=[source])
    for q in questions:
        if q.key in bank.questions:
            problem = BankProblem(source, _("duplicate question key"), "question", q.key)
            bank.problems.append(problem)
            continue
        bank.questions[q.key] = LoadedQuestion(q, source, q.topic or topic, Path(source).parent)
    return bank


def ensure_topic(session: Session, slug: str, title: str | None = None) -> m.Topic:
    row = session.scalar(sa.select(m.Topic).where(m.Topic.slug == slug))
    if row is None:
        row = m.Topic(slug=slug, title=title or slug.replace("-", " ").capitalize())
        session.add(row)
        session.flush()
    return row


def import_foreign(
    session: Session,
    path: str | Path,
    fmt: str | None,
    topic: str,
    actor: User | None = None,
    dry_run: bool = False,
    policy: ImportPolicy = OPERATOR,
    name: str | None = None,
) -> ImportReport:
    """Import a GIFT, Moodle XML or QTI file; what does not map is reported as skipped.

    ``name`` is what messages and "Imported from" references call the file (default: the path
    given; the studio gives the uploader's file name, never the server's temporary path).
    """
    from app.banks.formats import FORMATS, detect_format

    file = Path(path)
    source = name or str(file)
    raw = file.read_bytes()
    fmt_name = fmt or detect_format(Path(source).name, raw)
    if fmt_name is None or fmt_name not in FORMATS:
        raise BankFileInvalid([BankProblem(source, _("unknown format: give --format"))])
    result = FORMATS[fmt_name].parse(raw, source)
    if result.errors:
        raise BankFileInvalid([BankProblem(source, p) for p in result.errors])
    ensure_topic(session, topic)
    bank = bank_from_questions(result.questions, topic, source)
    report = import_bank(session, bank, actor, dry_run=dry_run, policy=policy)
    report.skipped.extend((f"{s.source_id} {s.title}".strip(), s.reason) for s in result.skipped)
    report.warnings.extend(result.warnings)
    return report


def export_bank(
    session: Session, fmt: str, topic: str | None = None
) -> tuple[str | bytes, list[tuple[str, str]]]:
    """The current version of every standalone question in ``fmt``, and what could not go."""
    from app.banks.formats import FORMATS

    questions = []
    for slug, version in queries.current_questions(session, topic):
        q = version.as_question()
        q.topic = slug
        q.status = version.question.status
        questions.append(q)
    result = FORMATS[fmt].export(questions)
    return result.data, [(s.source_id, s.reason) for s in result.skipped]
