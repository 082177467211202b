"""Writes of the studio: authoring, the review workflow, images, imports, standard setting.

Services take the session and the acting user, flush and never commit.

Ownership rule (SECURITY.md A6): a draft belongs to its author; only the author edits,
submits, withdraws, discards or deletes it. Any instructor may start a revision of a published
question (a new draft version that is theirs). Only an instructor or admin other than the
author may approve a revision or request changes. Retiring a published question is open to any
instructor. Admins follow the same authorship rules. Every change is an audit event.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.banks import models as bm
from app.banks import queries as bank_queries
from app.banks.schema import (
    Case,
    Hotspot,
    Mode,
    QuestionBase,
    Status,
    content_hash,
    version_content,
)
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.quiz.models import AttemptItem
from app.studio.models import (
    OPEN_STATES,
    CaseReviewComment,
    CaseRevision,
    PassMarkDecision,
    ReviewComment,
    Revision,
    RevisionState,
    StandardSettingJudgement,
)

# ---------------------------------------------------------------- authoring


def _version_hash(question: QuestionBase, media_sha: str | None) -> str:
    base = content_hash(question)
    if media_sha is None:
        return base
    return hashlib.sha256(f"{base}:{media_sha}".encode()).hexdigest()


def _media_for(session: Session, question: QuestionBase) -> str | None:
    """The Media row a hotspot question's image names (``<sha256>.<ext>``), or None."""
    if not isinstance(question, Hotspot):
        return None
    sha = question.image.split(".", 1)[0]
    if not re.fullmatch(r"[0-9a-f]{64}", sha) or session.get(bm.Media, sha) is None:
        raise ValidationFailed("image: upload the image in the studio first, then choose it")
    return sha


def _fill_version(
    version: bm.QuestionVersion, question: QuestionBase, media_sha: str | None
) -> None:
    version.type = question.type
    version.difficulty = question.difficulty
    version.objective = question.objective
    version.content = version_content(question)
    version.content_hash = _version_hash(question, media_sha)
    version.media_sha256 = media_sha


def create_question(
    session: Session, user: User, topic_id: int, question: QuestionBase
) -> Revision:
    """A new question in draft, version 1, owned by ``user``."""
    topic = session.get(bm.Topic, topic_id)
    if topic is None:
        raise NotFound("No such topic.")
    if session.scalar(sa.select(bm.Question.id).where(bm.Question.key == question.key)):
        raise Conflict(f"A question with the key '{question.key}' exists already.")
    media_sha = _media_for(session, question)
    row = bm.Question(key=question.key, topic_id=topic.id, status=Status.DRAFT)
    session.add(row)
    session.flush()
    version = bm.QuestionVersion(question_id=row.id, version_no=1, author_id=user.id)
    _fill_version(version, question, media_sha)
    session.add(version)
    session.flush()
    row.current_version_id = version.id
    revision = Revision(question_id=row.id, version_id=version.id, author_id=user.id)
    session.add(revision)
    session.flush()
    record(session, user, "studio.question.create", "question", row.id, {"key": row.key})
    return revision


def own_open_revision(session: Session, user: User, revision_id: int) -> Revision:
    """The user's own open revision (another's, or a missing one → 404)."""
    revision = session.scalar(
        sa.select(Revision).where(Revision.id == revision_id, Revision.author_id == user.id)
    )
    if revision is None:
        raise NotFound()
    if not revision.is_open:
        raise Conflict("This revision is closed.")
    return revision


def save_draft(session: Session, user: User, revision_id: int, question: QuestionBase) -> Revision:
    """Replace the content of the user's draft (a draft version is never drawn or used)."""
    revision = own_open_revision(session, user, revision_id)
    if revision.state != RevisionState.DRAFT:
        raise Conflict("This revision is in review; withdraw it to edit it.")
    row = revision.question
    question.key = row.key  # the key is the question's identity: never changed by a form
    media_sha = _media_for(session, question)
    _fill_version(revision.version, question, media_sha)
    revision.updated_at = clock.utcnow()
    session.flush()
    record(
        session,
        user,
        "studio.draft.save",
        "question",
        row.id,
        {"revision": revision.id, "version_no": revision.version.version_no},
    )
    return revision


def start_revision(session: Session, user: User, question_id: int) -> Revision:
    """A new draft version of a published question; the published one stays the one drawn."""
    row = session.get(bm.Question, question_id)
    if row is None or row.case_id is not None:
        raise NotFound()
    if row.status != Status.PUBLISHED or row.current_version is None:
        raise Conflict("Only a published question can be revised.")
    open_revision = session.scalar(
        sa.select(Revision).where(Revision.question_id == row.id, Revision.state.in_(OPEN_STATES))
    )
    if open_revision is not None:
        if open_revision.author_id == user.id:
            return open_revision
        raise Conflict("Another instructor is revising this question; review their draft.")
    current = row.current_version
    number = bank_queries.next_question_version_no(session, row.id)
    version = bm.QuestionVersion(
        question_id=row.id,
        version_no=number,
        type=current.type,
        difficulty=current.difficulty,
        objective=current.objective,
        content=dict(current.content),
        content_hash=current.content_hash,
        media_sha256=current.media_sha256,
        author_id=user.id,
    )
    session.add(version)
    session.flush()
    revision = Revision(
        question_id=row.id, version_id=version.id, base_version_id=current.id, author_id=user.id
    )
    session.add(revision)
    session.flush()
    record(session, user, "studio.revision.start", "question", row.id, {"version_no": number})
    return revision


def submit_for_review(session: Session, user: User, revision_id: int) -> Revision:
    revision = own_open_revision(session, user, revision_id)
    if revision.state != RevisionState.DRAFT:
        raise Conflict("This revision is already in review.")
    revision.state = RevisionState.IN_REVIEW
    revision.submitted_at = clock.utcnow()
    if revision.question.status == Status.DRAFT:
        revision.question.status = Status.IN_REVIEW
    session.flush()
    record(
        session,
        user,
        "studio.review.submit",
        "question",
        revision.question_id,
        {"revision": revision.id},
    )
    return revision


def withdraw(session: Session, user: User, revision_id: int) -> Revision:
    revision = own_open_revision(session, user, revision_id)
    if revision.state != RevisionState.IN_REVIEW:
        raise Conflict("This revision is not in review.")
    revision.state = RevisionState.DRAFT
    if revision.question.status == Status.IN_REVIEW:
        revision.question.status = Status.DRAFT
    session.flush()
    record(
        session,
        user,
        "studio.review.withdraw",
        "question",
        revision.question_id,
        {"revision": revision.id},
    )
    return revision


def _in_review(session: Session, revision_id: int) -> Revision:
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise NotFound()
    if revision.state != RevisionState.IN_REVIEW:
        raise Conflict("This revision is not waiting for review.")
    return revision


def approve(session: Session, user: User, revision_id: int, comment: str = "") -> Revision:
    """Publish a revision reviewed by a second instructor: it becomes the version drawn."""
    revision = _in_review(session, revision_id)
    if revision.author_id == user.id:
        raise Forbidden("You cannot approve your own question: a second instructor must.")
    now = clock.utcnow()
    revision.state = RevisionState.PUBLISHED
    revision.reviewer_id = user.id
    revision.decided_at = now
    revision.version.reviewer_id = user.id
    row = revision.question
    row.current_version_id = revision.version_id
    row.status = Status.PUBLISHED
    revision.comments.append(ReviewComment(author_id=user.id, kind="approve", body=comment))
    session.flush()
    record(
        session,
        user,
        "studio.review.approve",
        "question",
        row.id,
        {"revision": revision.id, "version_no": revision.version.version_no},
    )
    return revision


def request_changes(session: Session, user: User, revision_id: int, comment: str) -> Revision:
    revision = _in_review(session, revision_id)
    if revision.author_id == user.id:
        raise Forbidden("Withdraw your own revision instead of reviewing it.")
    if not comment.strip():
        raise ValidationFailed("Say what should change.")
    revision.state = RevisionState.DRAFT
    revision.reviewer_id = user.id
    if revision.question.status == Status.IN_REVIEW:
        revision.question.status = Status.DRAFT
    revision.comments.append(
        ReviewComment(author_id=user.id, kind="request_changes", body=comment.strip())
    )
    session.flush()
    record(
        session,
        user,
        "studio.review.request_changes",
        "question",
        revision.question_id,
        {"revision": revision.id},
    )
    return revision


def is_used(session: Session, question_id: int) -> bool:
    """Whether any attempt or case step refers to a version of the question."""
    versions = sa.select(bm.QuestionVersion.id).where(bm.QuestionVersion.question_id == question_id)
    used = session.scalar(
        sa.select(AttemptItem.id).where(AttemptItem.question_version_id.in_(versions)).limit(1)
    )
    step = session.scalar(
        sa.select(bm.CaseStep.id).where(bm.CaseStep.question_version_id.in_(versions)).limit(1)
    )
    return used is not None or step is not None


def retire(session: Session, user: User, question_id: int) -> bm.Question:
    row = session.get(bm.Question, question_id)
    if row is None or row.case_id is not None:
        raise NotFound()
    if row.status != Status.PUBLISHED:
        raise Conflict("Only a published question can be retired.")
    row.status = Status.RETIRED
    session.flush()
    record(session, user, "studio.question.retire", "question", row.id, {"key": row.key})
    return row


def discard(session: Session, user: User, revision_id: int) -> None:
    """Discard the user's open revision of a published question (the version stays in history).

    A never-published question is deleted instead (``delete_question``).
    """
    revision = own_open_revision(session, user, revision_id)
    if revision.base_version_id is None:
        raise Conflict("Delete this new question instead.")
    revision.state = RevisionState.DISCARDED
    revision.decided_at = clock.utcnow()
    session.flush()
    record(
        session,
        user,
        "studio.revision.discard",
        "question",
        revision.question_id,
        {"revision": revision.id},
    )


def delete_question(session: Session, user: User, question_id: int) -> None:
    """Delete a never-published, never-used draft of the user's own. Otherwise: retire it."""
    row = session.get(bm.Question, question_id)
    if row is None:
        raise NotFound()
    revisions = list(session.scalars(sa.select(Revision).where(Revision.question_id == row.id)))
    if not revisions or any(r.author_id != user.id for r in revisions):
        raise NotFound()
    if row.status not in (Status.DRAFT, Status.IN_REVIEW) or any(
        r.state == RevisionState.PUBLISHED for r in revisions
    ):
        raise Conflict("A published question cannot be deleted; retire it.")
    if is_used(session, row.id):
        raise Conflict("This question was used; retire it instead.")
    key = row.key
    row.current_version_id = None
    session.flush()
    for r in revisions:
        session.delete(r)
    session.flush()
    session.execute(sa.delete(bm.QuestionVersion).where(bm.QuestionVersion.question_id == row.id))
    session.delete(row)
    session.flush()
    record(session, user, "studio.question.delete", "question", question_id, {"key": key})


# ---------------------------------------------------------------- images

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 16_000_000  # far below Pillow's bomb limit: a diagram needs no more
SVG_ELEMENTS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "title", "desc", "defs", "lineargradient", "radialgradient", "stop", "marker",
    "clippath", "symbol", "use", "metadata",
}  # fmt: skip
SVG_NS = "http://www.w3.org/2000/svg"


class ImageRejected(ValidationFailed):
    code = "image_rejected"


class ImageTooLarge(ImageRejected):
    code = "image_too_large"
    status = 413


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def check_svg(data: bytes) -> None:
    """Refuse (rather than repair) an SVG with anything beyond plain vector drawing.

    Refused: DTDs and entities, scripts, event handlers (``on*``), foreignObject and every
    element outside a small allowlist (so no <style>, <image>, <a>, <iframe>), external
    references (``href`` not starting with ``#``), ``javascript:``/``data:`` or ``url(`` to
    anything but ``#id`` in any attribute.
    """
    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException

    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ImageRejected("SVG: a DOCTYPE or entity is not allowed.")
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ImageRejected(f"SVG: not well-formed XML ({exc}).") from None
    if _local(root.tag) != "svg":
        raise ImageRejected("SVG: the root element must be <svg>.")
    for element in root.iter():
        name = _local(element.tag)
        if name not in SVG_ELEMENTS:
            raise ImageRejected(f"SVG: the element <{name}> is not allowed.")
        for attr, value in element.attrib.items():
            attr_name = _local(attr)
            low = value.strip().lower()
            if attr_name.startswith("on"):
                raise ImageRejected(f"SVG: the event handler '{attr_name}' is not allowed.")
            if attr_name == "href" and not low.startswith("#"):
                raise ImageRejected("SVG: external references are not allowed.")
            if "javascript:" in low or "data:" in low or re.search(r"url\(\s*['\"]?[^#'\"\s]", low):
                raise ImageRejected(f"SVG: the value of '{attr_name}' is not allowed.")
            if attr_name == "style" and ("@import" in low or "expression" in low):
                raise ImageRejected("SVG: this style is not allowed.")


def process_image(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[bytes, str]:
    """(safe bytes, content type) of an uploaded PNG, JPEG or SVG, recognised by content.

    PNG and JPEG are decoded and re-encoded with Pillow (which drops anything appended or
    embedded: metadata, a trailing HTML polyglot), after refusing more than MAX_IMAGE_PIXELS
    from the header alone (a pixel flood never gets decoded). SVG is checked by ``check_svg``
    and stored as uploaded only when nothing in it is outside the allowlist.
    """
    if len(data) > max_bytes:
        raise ImageTooLarge(f"Images may be at most {max_bytes // 1024} KB.")
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return _reencode(data)
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")):
        check_svg(data)
        return data, "image/svg+xml"
    raise ImageRejected("Only PNG, JPEG and SVG images are accepted.")


def _reencode(data: bytes) -> tuple[bytes, str]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRejected(f"The image has too many pixels ({width}×{height}).")
            probe.load()
            image = probe.copy()
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected("The image has too many pixels.") from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ImageRejected(f"The image cannot be read ({exc.__class__.__name__}).") from None
    out = io.BytesIO()
    if fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(out, format="JPEG", quality=90)
    return out.getvalue(), "image/jpeg"


EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


def upload_image(
    session: Session, user: User, data: bytes, filename: str, max_bytes: int = MAX_IMAGE_BYTES
) -> bm.Media:
    """Store a checked image by the sha256 of its safe bytes; the name is ours, not the client's."""
    safe, content_type = process_image(data, max_bytes)
    digest = hashlib.sha256(safe).hexdigest()
    row = session.get(bm.Media, digest)
    if row is None:
        row = bm.Media(
            sha256=digest,
            content_type=content_type,
            data=safe,
            original_name=f"{digest}.{EXTENSIONS[content_type]}",
        )
        session.add(row)
        session.flush()
    label = re.sub(r"[^A-Za-z0-9._-]", "_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:80]
    record(session, user, "studio.media.upload", "media", digest, {"uploaded_as": label})
    return row


# ---------------------------------------------------------------- standard setting


@dataclass
class HofsteeInput:
    c_min: float
    c_max: float
    f_min: float
    f_max: float


def save_judgement(
    session: Session,
    user: User,
    module: bm.Module,
    item_keys: list[str],
    ratings: dict[str, float],
    hofstee: HofsteeInput | None,
) -> StandardSettingJudgement:
    """The user's Angoff ratings (only for the module's items) and Hofstee limits."""
    if module.mode != Mode.EXAM:
        raise Conflict("Standard setting is for exam modules.")
    clean: dict[str, Any] = {}
    for key in item_keys:
        value = ratings.get(key)
        if value is None:
            continue
        if not 0 <= value <= 1:
            raise ValidationFailed(f"{key}: a probability between 0 and 1.")
        clean[key] = float(value)
    if hofstee is not None and not (
        0 <= hofstee.c_min < hofstee.c_max <= 100 and 0 <= hofstee.f_min <= hofstee.f_max <= 100
    ):
        raise ValidationFailed("Hofstee: need 0 ≤ C_min < C_max ≤ 100 and 0 ≤ F_min ≤ F_max ≤ 100.")
    row = session.scalar(
        sa.select(StandardSettingJudgement).where(
            StandardSettingJudgement.module_id == module.id,
            StandardSettingJudgement.judge_id == user.id,
        )
    )
    if row is None:
        row = StandardSettingJudgement(module_id=module.id, judge_id=user.id)
        session.add(row)
    row.ratings = clean
    row.hofstee = None if hofstee is None else dict(hofstee.__dict__)
    row.updated_at = clock.utcnow()
    session.flush()
    record(
        session,
        user,
        "studio.standard.judge",
        "module",
        module.slug,
        {"rated": len(clean), "hofstee": hofstee is not None},
    )
    return row


def set_pass_mark(
    session: Session,
    user: User,
    module: bm.Module,
    method: str,
    pass_mark: float,
    values: dict[str, Any],
) -> PassMarkDecision:
    """Set the module's pass mark (computed by the caller from the exercise) and record it."""
    if not 0 <= pass_mark <= 100:
        raise ValidationFailed("The pass mark is a percentage.")
    decision = PassMarkDecision(
        module_id=module.id,
        decided_by=user.id,
        decided_at=clock.utcnow(),
        method=method,
        values=values,
        pass_mark_before=module.pass_mark,
        pass_mark_after=pass_mark,
    )
    session.add(decision)
    module.pass_mark = pass_mark
    module.updated_at = clock.utcnow()
    session.flush()
    record(
        session,
        user,
        "studio.standard.pass_mark",
        "module",
        module.slug,
        {"method": method, "before": decision.pass_mark_before, "after": pass_mark, **values},
    )
    return decision


# ---------------------------------------------------------------- case scenarios
#
# A case is written through the bank importer's own code (``app.banks.services.upsert_case``):
# the same Question rows for its steps, the same CaseVersion/CaseStep rows and the same content
# hash as its YAML twin. The importer makes what it writes the case's current version; the
# studio keeps the drawn version where it was until a second instructor approves.


def _case_bank(case: Case, topic: bm.Topic) -> Any:
    from app.banks.loader import Bank, LoadedQuestion

    bank = Bank(files=["studio"])
    for step in case.steps:
        q = step.question
        bank.questions[q.key] = LoadedQuestion(
            q, "studio", topic.slug, Path("."), case_key=case.key
        )
    return bank


def _step_media(session: Session, case: Case) -> dict[str, tuple[bytes, str, str]]:
    """Images of hotspot steps, as the importer expects them (bytes, type, name)."""
    media = {}
    for i, step in enumerate(case.steps):
        try:
            sha = _media_for(session, step.question)
        except ValidationFailed as exc:
            raise ValidationFailed(f"Step {i + 1}: {exc.message}") from None
        if sha is not None:
            row = session.get(bm.Media, sha)
            media[step.question.key] = (row.data, row.content_type, row.original_name)
    return media


def _step_rows(session: Session, case: Case, case_row: bm.Case | None) -> dict[str, bm.Question]:
    """Existing Question rows of the steps' keys; a key owned by anything else is refused."""
    keys = [s.question.key for s in case.steps]
    rows = {
        q.key: q for q in session.scalars(sa.select(bm.Question).where(bm.Question.key.in_(keys)))
    }
    for i, key in enumerate(keys):
        row = rows.get(key)
        if row is not None and (case_row is None or row.case_id != case_row.id):
            raise Conflict(f"Step {i + 1}: the question key '{key}' is taken; choose another.")
    return rows


def _write_case(
    session: Session,
    user: User,
    case: Case,
    topic: bm.Topic,
    row: bm.Case | None,
    draft: bm.CaseVersion | None,
) -> bm.CaseVersion:
    """Write ``case`` with the importer and return the version holding it (new or ``draft``).

    With a ``draft`` (an open revision's version), the importer compares against the draft,
    not the published version, and the pointers it moves (the case's and its step questions'
    current version, their status) are put back: only approval changes what trainees draw.
    """
    from app.banks.services import ImportReport, upsert_case

    existing = _step_rows(session, case, row)
    media = _step_media(session, case)
    saved: dict[int, tuple[int | None, Status]] = {}
    case_saved: tuple[int | None, Status] | None = None
    if row is not None:
        case_saved = (row.current_version_id, row.status)
        for q in session.scalars(sa.select(bm.Question).where(bm.Question.case_id == row.id)):
            saved[q.id] = (q.current_version_id, q.status)
        if draft is not None:
            by_key = {s.question_version.question.key: s.question_version for s in draft.steps}
            row.current_version = draft
            for key, q in existing.items():
                if key in by_key:
                    q.current_version = by_key[key]
            session.flush()
        case = case.model_copy(update={"status": row.status})
    upsert_case(
        session,
        case,
        topic,
        _case_bank(case, topic),
        {topic.slug: topic},
        existing,
        media,
        user,
        ImportReport(),
    )
    session.flush()
    new_id = session.scalar(sa.select(bm.Case.current_version_id).where(bm.Case.key == case.key))
    version = session.get(bm.CaseVersion, new_id)
    row = version.case
    if case_saved is not None and case_saved[1] in (Status.PUBLISHED, Status.RETIRED):
        row.current_version_id = case_saved[0]
        row.current_version = session.get(bm.CaseVersion, case_saved[0])
        for q in session.scalars(sa.select(bm.Question).where(bm.Question.case_id == row.id)):
            if q.id in saved:
                q.current_version = session.get(bm.QuestionVersion, saved[q.id][0])
                q.status = saved[q.id][1]
        session.flush()
    return version


def _replace_draft(session: Session, revision: CaseRevision, version: bm.CaseVersion) -> None:
    """Point the revision at ``version`` and drop the draft it replaces (never drawn or used)."""
    old = revision.version
    if old.id == version.id:
        return
    number = old.version_no
    revision.version = version
    session.flush()
    if old.case.current_version_id == old.id:
        old.case.current_version = version
        session.flush()
    session.delete(old)
    session.flush()
    version.version_no = number
    session.flush()


def create_case(session: Session, user: User, topic_id: int, case: Case) -> CaseRevision:
    """A new case in draft, version 1, owned by ``user`` (written by the bank importer)."""
    topic = session.get(bm.Topic, topic_id)
    if topic is None:
        raise NotFound("No such topic.")
    if session.scalar(sa.select(bm.Case.id).where(bm.Case.key == case.key)):
        raise Conflict(f"A case with the key '{case.key}' exists already.")
    case = case.model_copy(update={"status": Status.DRAFT})
    version = _write_case(session, user, case, topic, None, None)
    revision = CaseRevision(case_id=version.case_id, version_id=version.id, author_id=user.id)
    session.add(revision)
    session.flush()
    record(session, user, "studio.case.create", "case", version.case_id, {"key": case.key})
    return revision


def own_open_case_revision(session: Session, user: User, revision_id: int) -> CaseRevision:
    """The user's own open case revision (another's, or a missing one → 404)."""
    revision = session.scalar(
        sa.select(CaseRevision).where(
            CaseRevision.id == revision_id, CaseRevision.author_id == user.id
        )
    )
    if revision is None:
        raise NotFound()
    if not revision.is_open:
        raise Conflict("This revision is closed.")
    return revision


def save_case_draft(session: Session, user: User, revision_id: int, case: Case) -> CaseRevision:
    """Replace the content of the user's draft case (the key and topic are the case's own)."""
    revision = own_open_case_revision(session, user, revision_id)
    if revision.state != RevisionState.DRAFT:
        raise Conflict("This revision is in review; withdraw it to edit it.")
    row = revision.case
    case = case.model_copy(update={"key": row.key})
    version = _write_case(session, user, case, row.topic, row, revision.version)
    _replace_draft(session, revision, version)
    revision.updated_at = clock.utcnow()
    session.flush()
    record(
        session,
        user,
        "studio.case.draft.save",
        "case",
        row.id,
        {"revision": revision.id, "version_no": revision.version.version_no},
    )
    return revision


def start_case_revision(session: Session, user: User, case_id: int) -> CaseRevision:
    """A new draft version of a published case; the published one stays the one drawn."""
    row = session.get(bm.Case, case_id)
    if row is None:
        raise NotFound()
    if row.status != Status.PUBLISHED or row.current_version is None:
        raise Conflict("Only a published case can be revised.")
    open_revision = session.scalar(
        sa.select(CaseRevision).where(
            CaseRevision.case_id == row.id, CaseRevision.state.in_(OPEN_STATES)
        )
    )
    if open_revision is not None:
        if open_revision.author_id == user.id:
            return open_revision
        raise Conflict("Another instructor is revising this case; review their draft.")
    current = row.current_version
    number = bank_queries.next_case_version_no(session, row.id)
    version = bm.CaseVersion(
        case_id=row.id,
        version_no=number,
        title=current.title,
        vignette=current.vignette,
        difficulty=current.difficulty,
        tags=list(current.tags or []),
        content_hash=current.content_hash,
    )
    version.steps = [
        bm.CaseStep(
            position=s.position, disclosure=s.disclosure, question_version_id=s.question_version_id
        )
        for s in current.steps
    ]
    session.add(version)
    session.flush()
    revision = CaseRevision(
        case_id=row.id, version_id=version.id, base_version_id=current.id, author_id=user.id
    )
    session.add(revision)
    session.flush()
    record(session, user, "studio.case.revision.start", "case", row.id, {"version_no": number})
    return revision


def _set_case_status(session: Session, row: bm.Case, status: Status) -> None:
    row.status = status
    for q in session.scalars(sa.select(bm.Question).where(bm.Question.case_id == row.id)):
        q.status = status


def submit_case(session: Session, user: User, revision_id: int) -> CaseRevision:
    revision = own_open_case_revision(session, user, revision_id)
    if revision.state != RevisionState.DRAFT:
        raise Conflict("This revision is already in review.")
    revision.state = RevisionState.IN_REVIEW
    revision.submitted_at = clock.utcnow()
    if revision.case.status == Status.DRAFT:
        _set_case_status(session, revision.case, Status.IN_REVIEW)
    session.flush()
    record(
        session,
        user,
        "studio.case.review.submit",
        "case",
        revision.case_id,
        {"revision": revision.id},
    )
    return revision


def withdraw_case(session: Session, user: User, revision_id: int) -> CaseRevision:
    revision = own_open_case_revision(session, user, revision_id)
    if revision.state != RevisionState.IN_REVIEW:
        raise Conflict("This revision is not in review.")
    revision.state = RevisionState.DRAFT
    if revision.case.status == Status.IN_REVIEW:
        _set_case_status(session, revision.case, Status.DRAFT)
    session.flush()
    record(
        session,
        user,
        "studio.case.review.withdraw",
        "case",
        revision.case_id,
        {"revision": revision.id},
    )
    return revision


def _case_in_review(session: Session, revision_id: int) -> CaseRevision:
    revision = session.get(CaseRevision, revision_id)
    if revision is None:
        raise NotFound()
    if revision.state != RevisionState.IN_REVIEW:
        raise Conflict("This revision is not waiting for review.")
    return revision


def approve_case(session: Session, user: User, revision_id: int, comment: str = "") -> CaseRevision:
    """Publish a case revision reviewed by a second instructor: it becomes the version drawn.

    Attempts keep the CaseVersion they drew (their items point at it), so publishing never
    changes an attempt in progress.
    """
    revision = _case_in_review(session, revision_id)
    if revision.author_id == user.id:
        raise Forbidden("You cannot approve your own case: a second instructor must.")
    revision.state = RevisionState.PUBLISHED
    revision.reviewer_id = user.id
    revision.decided_at = clock.utcnow()
    row = revision.case
    row.current_version = revision.version
    _set_case_status(session, row, Status.PUBLISHED)
    for step in revision.version.steps:
        step.question_version.question.current_version = step.question_version
        step.question_version.reviewer_id = user.id
    revision.comments.append(CaseReviewComment(author_id=user.id, kind="approve", body=comment))
    session.flush()
    record(
        session,
        user,
        "studio.case.review.approve",
        "case",
        row.id,
        {"revision": revision.id, "version_no": revision.version.version_no},
    )
    return revision


def request_case_changes(
    session: Session, user: User, revision_id: int, comment: str
) -> CaseRevision:
    revision = _case_in_review(session, revision_id)
    if revision.author_id == user.id:
        raise Forbidden("Withdraw your own revision instead of reviewing it.")
    if not comment.strip():
        raise ValidationFailed("Say what should change.")
    revision.state = RevisionState.DRAFT
    revision.reviewer_id = user.id
    if revision.case.status == Status.IN_REVIEW:
        _set_case_status(session, revision.case, Status.DRAFT)
    revision.comments.append(
        CaseReviewComment(author_id=user.id, kind="request_changes", body=comment.strip())
    )
    session.flush()
    record(
        session,
        user,
        "studio.case.review.request_changes",
        "case",
        revision.case_id,
        {"revision": revision.id},
    )
    return revision


def discard_case_revision(session: Session, user: User, revision_id: int) -> None:
    """Discard the user's open revision of a published case (the version stays in history)."""
    revision = own_open_case_revision(session, user, revision_id)
    if revision.base_version_id is None:
        raise Conflict("A case that was never published cannot be discarded; keep it as a draft.")
    revision.state = RevisionState.DISCARDED
    revision.decided_at = clock.utcnow()
    session.flush()
    record(
        session,
        user,
        "studio.case.revision.discard",
        "case",
        revision.case_id,
        {"revision": revision.id},
    )


def retire_case(session: Session, user: User, case_id: int) -> bm.Case:
    row = session.get(bm.Case, case_id)
    if row is None:
        raise NotFound()
    if row.status != Status.PUBLISHED:
        raise Conflict("Only a published case can be retired.")
    _set_case_status(session, row, Status.RETIRED)
    session.flush()
    record(session, user, "studio.case.retire", "case", row.id, {"key": row.key})
    return row
