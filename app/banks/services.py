"""Writes for the banks: importing a loaded bank into the database, all or nothing.

Services take the session and the acting user, flush and never commit; the caller (a route or a
CLI command) commits once, or rolls back on a dry run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.banks import models as m
from app.banks import queries
from app.banks.loader import Bank, BankFileInvalid, BankProblem, LoadedQuestion, load_bank
from app.banks.schema import (
    Case,
    CaseStep,
    QuestionBase,
    case_hash,
    content_hash,
    question_image,
    version_content,
)

IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, reason)
    warnings: list[str] = field(default_factory=list)  # imported, but something was left out
    dry_run: bool = False

    def summary(self) -> str:
        head = "dry run: nothing was saved. " if self.dry_run else ""
        return (
            f"{head}{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )


def import_directory(
    session: Session, path: str | Path, actor: User | None = None, dry_run: bool = False
) -> ImportReport:
    """Load and import a folder of native bank files; raises ``BankFileInvalid`` on errors."""
    bank = load_bank(path)
    return import_bank(session, bank, actor, dry_run=dry_run)


def import_bank(
    session: Session, bank: Bank, actor: User | None = None, dry_run: bool = False
) -> ImportReport:
    """Create or update everything in ``bank`` keyed by key/slug; content changes make versions.

    Refuses (``BankFileInvalid``) when the bank has errors, before writing anything. Topics the
    bank refers to must exist in the bank or the database.
    """
    media = _check_importable(session, bank)
    report = ImportReport(dry_run=dry_run)
    topics = _upsert_topics(session, bank, report)
    existing = {
        q.key: q
        for q in session.scalars(
            sa.select(m.Question).where(m.Question.key.in_(list(bank.questions)))
        )
    }
    for lq in bank.questions.values():
        if lq.case_key is None:
            _upsert_question(
                session,
                lq,
                topics[lq.topic],
                existing.get(lq.question.key),
                media,
                actor,
                report,
                None,
            )
    for lc in bank.cases.values():
        upsert_case(
            session, lc.case, topics[lc.topic], bank, topics, existing, media, actor, report
        )
    for position, module in enumerate(bank.modules.values()):
        _upsert_module(session, module, position, report)
    for program in bank.programs.values():
        _upsert_program(session, program, report)
    session.flush()
    if not dry_run and (report.created or report.updated):
        record(
            session,
            actor,
            "banks.import",
            "bank",
            None,
            {"created": len(report.created), "updated": len(report.updated)},
        )
    return report


def _check_importable(session: Session, bank: Bank) -> dict[str, tuple[bytes, str, str]]:
    """The questions' images read from disk, keyed by question key, once the bank is known to
    import: raises ``BankFileInvalid`` with its errors, unknown topics and unreadable images."""
    known = set(session.scalars(sa.select(m.Topic.slug)))
    problems = list(bank.errors)
    for lq in bank.questions.values():
        if lq.topic not in known and lq.topic not in bank.topics:
            problems.append(
                BankProblem(
                    lq.path, f"unknown topic '{lq.topic}'", "question", lq.question.key, "topic"
                )
            )
    media = {}
    for lq in bank.questions.values():
        image = question_image(lq.question)
        if image is not None:
            try:
                media[lq.question.key] = _read_image(lq.base_dir / image)
            except (OSError, ValueError) as exc:
                problems.append(
                    BankProblem(lq.path, str(exc), "question", lq.question.key, "image")
                )
    if problems:
        raise BankFileInvalid(problems)
    return media


def _upsert_topics(session: Session, bank: Bank, report: ImportReport) -> dict[str, m.Topic]:
    """Create or update the bank's topics; returns every topic row by slug."""
    topics = {t.slug: t for t in session.scalars(sa.select(m.Topic))}
    for topic in bank.topics.values():
        row = topics.get(topic.id)
        if row is None:
            row = m.Topic(slug=topic.id, title=topic.title, description=topic.description)
            session.add(row)
            topics[topic.id] = row
            report.created.append(f"topic {topic.id}")
        elif (row.title, row.description) != (topic.title, topic.description):
            row.title, row.description = topic.title, topic.description
            report.updated.append(f"topic {topic.id}")
        else:
            report.unchanged.append(f"topic {topic.id}")
    session.flush()
    return topics


def _read_image(path: Path) -> tuple[bytes, str, str]:
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise ValueError(f"image '{path.name}': only SVG, PNG and JPEG images are accepted")
    if not path.is_file():
        raise ValueError(f"image '{path.name}' not found beside the bank file")
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


def _version_hash(question: QuestionBase, media_sha: str | None) -> str:
    base = content_hash(question)
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
    q = lq.question
    media_sha = _media(session, media[q.key]) if q.key in media else None
    digest = _version_hash(q, media_sha)
    label = f"question {q.key}"
    if row is None:
        row = m.Question(key=q.key, topic=topic, status=q.status, case_id=case.id if case else None)
        session.add(row)
        session.flush()
        version = _new_version(session, row, q, 1, digest, media_sha, actor)
        if case is None:
            report.created.append(label)
        return version
    current = row.current_version
    changed_meta = (row.status, row.topic_id) != (q.status, topic.id)
    row.status, row.topic_id = q.status, topic.id
    if current is not None and current.content_hash == digest:
        if case is None:
            (report.updated if changed_meta else report.unchanged).append(label)
        return current
    number = queries.next_question_version_no(session, row.id)
    version = _new_version(session, row, q, number, digest, media_sha, actor)
    if case is None:
        report.updated.append(label)
    return version


def _new_version(
    session: Session,
    row: m.Question,
    q: QuestionBase,
    number: int,
    digest: str,
    media_sha: str | None,
    actor: User | None,
) -> m.QuestionVersion:
    version = m.QuestionVersion(
        question_id=row.id,
        version_no=number,
        type=q.type,
        difficulty=q.difficulty,
        use=q.use,
        objective=q.objective,
        content=version_content(q),
        content_hash=digest,
        media_sha256=media_sha,
        author_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    row.current_version_id = version.id
    row.current_version = version
    return version


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
) -> None:
    """Write a case and its steps' questions as the import does; a new version only on change.

    Also the studio's way to save a case, so a case saved there has the same rows and content
    hash as its YAML twin.
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
    changed_meta = (row.status, row.topic_id) != (case.status, topic.id)
    row.status, row.topic_id = case.status, topic.id
    current = row.current_version
    if current is not None and current.content_hash == digest:
        (report.updated if changed_meta else report.unchanged).append(label)
        return
    _add_case_version(session, row, case, digest, step_versions)
    (report.created if is_new else report.updated).append(label)


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
) -> None:
    """Add the case's next version with its steps and make it the current one."""
    number = queries.next_case_version_no(session, row.id)
    version = m.CaseVersion(
        case_id=row.id,
        version_no=number,
        title=case.title,
        vignette=case.vignette,
        difficulty=case.difficulty,
        use=case.use,
        tags=list(case.tags),
        content_hash=digest,
    )
    version.steps = [
        m.CaseStep(position=i + 1, disclosure=step.disclosure, question_version_id=v.id)
        for i, (step, v) in enumerate(zip(case.steps, step_versions, strict=True))
    ]
    session.add(version)
    session.flush()
    row.current_version_id = version.id


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
        "serial_prefix": program.serial_prefix,
    }
    _upsert_row(session, m.Program, program.slug, values, f"program {program.slug}", report)


def _upsert_row(
    session: Session, model: type, slug: str, values: dict, label: str, report: ImportReport
) -> None:
    row = session.scalar(sa.select(model).where(model.slug == slug))
    if row is None:
        session.add(model(slug=slug, **values))
        report.created.append(label)
        return
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed or set(changed) == {"position"}:
        if changed:
            row.position = values["position"]
        report.unchanged.append(label)
        return
    for k, v in changed.items():
        setattr(row, k, v)
    row.updated_at = clock.utcnow()
    report.updated.append(label)


def bank_from_questions(questions: list[QuestionBase], topic: str, source: str) -> Bank:
    """A Bank of imported questions (GIFT, Moodle XML, QTI), all in ``topic``."""
    bank = Bank(files=[source])
    for q in questions:
        if q.key in bank.questions:
            bank.problems.append(BankProblem(source, "duplicate question key", "question", q.key))
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
) -> ImportReport:
    """Import a GIFT, Moodle XML or QTI file; what does not map is reported as skipped."""
    from app.banks.formats import FORMATS, detect_format

    file = Path(path)
    raw = file.read_bytes()
    name = fmt or detect_format(file.name, raw)
    if name is None or name not in FORMATS:
        raise BankFileInvalid([BankProblem(str(file), "unknown format: give --format")])
    result = FORMATS[name].parse(raw, str(file))
    if result.errors:
        raise BankFileInvalid([BankProblem(str(file), p) for p in result.errors])
    ensure_topic(session, topic)
    bank = bank_from_questions(result.questions, topic, str(file))
    report = import_bank(session, bank, actor, dry_run=dry_run)
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
