"""Writes of the studio: writing question and case content, images, imports, standard setting.

Services take the session and the acting user, flush and never commit. The review workflow
these drafts go through (submit, approve with four eyes, publish, retire, …) is the one of
every authored kind: ``app.studio.workflow``. Ownership rule (SECURITY.md A6): a draft belongs
to its author; only the author edits or deletes it. Every change is an audit event.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.banks import models as bm
from app.banks.schema import (
    Case,
    Mode,
    QuestionBase,
    Status,
    content_hash,
    question_image,
    version_content,
)
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.i18n import ngettext
from app.rules import fields as rule_fields
from app.rules import services as rule_services
from app.rules.models import RuleChange
from app.studio import queries, workflow
from app.studio.kinds import CASE, QUESTION
from app.studio.models import (
    Revision,
    RevisionState,
    StandardSettingJudgement,
)

# ---------------------------------------------------------------- authoring


class KeyTaken(Conflict):
    """The key typed for a new question or case belongs to another one (a field error on
    the key: the form is shown again as typed)."""

    status = 422


class StepKeyTaken(Conflict):
    """A case step's question key belongs to a question outside the case (a field error on
    that step's key, not the case's: ``step`` is its 0-based index in the case)."""

    status = 422

    def __init__(self, step: int, key: str) -> None:
        self.step = step
        super().__init__(
            _(
                "“%(key)s” is already the key of another question: choose another, e.g. %(key)s-2.",
                key=key,
            )
        )


def _version_hash(question: QuestionBase, media_sha: str | None) -> str:
    base = content_hash(question)
    if media_sha is None:
        return base
    return hashlib.sha256(f"{base}:{media_sha}".encode()).hexdigest()


def _media_for(session: Session, question: QuestionBase) -> str | None:
    """The Media row a question's image names (``<sha256>.<ext>``), or None."""
    image = question_image(question)
    if image is None:
        return None
    sha = image.split(".", 1)[0]
    if not re.fullmatch(r"[0-9a-f]{64}", sha) or session.get(bm.Media, sha) is None:
        raise ValidationFailed(_("image: upload the image in the studio first, then choose it"))
    return sha


def media_for(session: Session, question: QuestionBase) -> str | None:
    """The uploaded image a question names (its sha256), or None; ValidationFailed when it
    names one that was not uploaded (reads only: the draft preview uses it)."""
    return _media_for(session, question)


def _fill_version(
    version: bm.QuestionVersion, question: QuestionBase, media_sha: str | None
) -> None:
    version.type = question.type
    version.difficulty = question.difficulty
    version.use = question.use
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
        raise NotFound(_("No such topic."))
    if session.scalar(sa.select(bm.Question.id).where(bm.Question.key == question.key)):
        raise KeyTaken(
            _(
                "“%(key)s” is already the key of another question: choose another, e.g. %(key)s-2.",
                key=question.key,
            )
        )
    media_sha = _media_for(session, question)
    row = bm.Question(key=question.key, topic_id=topic.id, status=Status.DRAFT)
    session.add(row)
    session.flush()
    version = bm.QuestionVersion(question_id=row.id, version_no=1, author_id=user.id)
    _fill_version(version, question, media_sha)
    session.add(version)
    session.flush()
    row.current_version_id = version.id
    revision = workflow.begin(session, user, QUESTION, row, version)
    record(session, user, "studio.question.create", "question", row.id, {"key": row.key})
    return revision


def save_draft(session: Session, user: User, revision_id: int, question: QuestionBase) -> Revision:
    """Replace the content of the user's draft (a draft version is never drawn or used)."""
    revision = workflow.own_draft(session, user, QUESTION, revision_id)
    question.key = revision.content.key  # the key is the identity: never changed by a form
    media_sha = _media_for(session, question)
    _fill_version(revision.version, question, media_sha)
    workflow.draft_saved(session, user, revision)
    return revision


def delete_question(session: Session, user: User, question_id: int) -> None:
    """Delete a never-published, never-used draft of the user's own. Otherwise: retire it."""
    row = session.get(bm.Question, question_id)
    if row is None:
        raise NotFound()
    revisions = workflow.revisions_of(session, QUESTION, row.id)
    if not revisions or any(r.author_id != user.id for r in revisions):
        raise NotFound()
    if row.status not in (Status.DRAFT, Status.IN_REVIEW) or any(
        r.state == RevisionState.PUBLISHED for r in revisions
    ):
        raise Conflict(_("A published question cannot be deleted; retire it."))
    if queries.is_used(session, row.id):
        raise Conflict(_("This question was used; retire it instead."))
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
        raise ImageRejected(_("SVG: a DOCTYPE or entity is not allowed."))
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ImageRejected(_("SVG: not well-formed XML (%(error)s).", error=exc)) from None
    if _local(root.tag) != "svg":
        raise ImageRejected(_("SVG: the root element must be <svg>."))
    for element in root.iter():
        name = _local(element.tag)
        if name not in SVG_ELEMENTS:
            raise ImageRejected(_("SVG: the element <%(name)s> is not allowed.", name=name))
        for attr, value in element.attrib.items():
            attr_name = _local(attr)
            low = value.strip().lower()
            if attr_name.startswith("on"):
                raise ImageRejected(
                    _("SVG: the event handler '%(name)s' is not allowed.", name=attr_name)
                )
            if attr_name == "href" and not low.startswith("#"):
                raise ImageRejected(_("SVG: external references are not allowed."))
            if "javascript:" in low or "data:" in low or re.search(r"url\(\s*['\"]?[^#'\"\s]", low):
                raise ImageRejected(
                    _("SVG: the value of '%(name)s' is not allowed.", name=attr_name)
                )
            if attr_name == "style" and ("@import" in low or "expression" in low):
                raise ImageRejected(_("SVG: this style is not allowed."))


def process_image(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[bytes, str]:
    """(safe bytes, content type) of an uploaded PNG, JPEG or SVG, recognised by content.

    PNG and JPEG are decoded and re-encoded with Pillow from their pixels alone (anything
    appended or embedded goes: comments, EXIF, XMP, ICC, text chunks, a trailing HTML
    polyglot), after refusing more than MAX_IMAGE_PIXELS from the header alone (a pixel flood
    never gets decoded). SVG is checked by ``check_svg``
    and stored as uploaded only when nothing in it is outside the allowlist.
    """
    if len(data) > max_bytes:
        raise ImageTooLarge(_("Images may be at most %(kb)s KB.", kb=max_bytes // 1024))
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return _reencode(data)
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")):
        check_svg(data)
        return data, "image/svg+xml"
    raise ImageRejected(_("Only PNG, JPEG and SVG images are accepted."))


def _reencode(data: bytes) -> tuple[bytes, str]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRejected(
                    _(
                        "The image has too many pixels (%(width)s×%(height)s).",
                        width=width,
                        height=height,
                    )
                )
            probe.load()
            image = probe.copy()
            # Keep pixels only: comments, EXIF, XMP, ICC and text chunks are all dropped
            # (Pillow would write a JPEG comment or EXIF back); palette transparency is pixels.
            image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected(_("The image has too many pixels.")) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ImageRejected(
            _("The image cannot be read (%(error)s).", error=exc.__class__.__name__)
        ) from None
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


_SVG_VIEWBOX = re.compile(
    rb"<svg\b[^>]*?\bviewBox\s*=\s*[\"'][-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)"
)


def image_size(data: bytes, content_type: str) -> tuple[int | None, int | None]:
    """(width, height) in pixels of a checked image (an SVG's viewBox), or (None, None)."""
    if content_type == "image/svg+xml":
        found = _SVG_VIEWBOX.search(data[:4096])
        return (round(float(found[1])), round(float(found[2]))) if found else (None, None)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None, None


def _display_name(filename: str, digest: str, content_type: str) -> str:
    """The uploaded file's name as the library shows it: its last path segment, characters
    outside ``A-Za-z0-9._-`` replaced, at most 80; the hash's name when nothing is left.
    It is a label only: images are stored and served by their hash."""
    label = re.sub(r"[^A-Za-z0-9._-]", "_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:80]
    return label if label.strip("._") else f"{digest}.{EXTENSIONS[content_type]}"


def upload_image(
    session: Session, user: User, data: bytes, filename: str, max_bytes: int = MAX_IMAGE_BYTES
) -> bm.Media:
    """Store a checked image by the sha256 of its safe bytes, with the uploaded file's name
    (sanitised, a label only) and its size in pixels. The same bytes again keep their name."""
    safe, content_type = process_image(data, max_bytes)
    digest = hashlib.sha256(safe).hexdigest()
    label = _display_name(filename, digest, content_type)
    row = session.get(bm.Media, digest)
    if row is None:
        width, height = image_size(safe, content_type)
        row = bm.Media(
            sha256=digest,
            content_type=content_type,
            data=safe,
            original_name=label,
            width=width,
            height=height,
        )
        session.add(row)
        session.flush()
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
        raise Conflict(_("Standard setting is for exam modules."))
    clean: dict[str, Any] = {}
    for key in item_keys:
        value = ratings.get(key)
        if value is None:
            continue
        if not 0 <= value <= 1:
            raise ValidationFailed(_("%(key)s: a probability between 0 and 1.", key=key))
        clean[key] = float(value)
    if hofstee is not None and not (
        0 <= hofstee.c_min < hofstee.c_max <= 100 and 0 <= hofstee.f_min <= hofstee.f_max <= 100
    ):
        raise ValidationFailed(
            _("Hofstee: need 0 ≤ C_min < C_max ≤ 100 and 0 ≤ F_min ≤ F_max ≤ 100.")
        )
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


METHODS = {
    "angoff": "Modified Angoff",
    "angoff_plus_sem": "Modified Angoff + 1 SEM",
    "hofstee": "Hofstee",
}


def _panel(judges: int, min_judges: int, method: str) -> None:
    """Refuse a proposal by a panel smaller than ``min_judges``."""
    if judges >= min_judges:
        return
    if method == "hofstee":
        message = ngettext(
            "Standard setting needs a panel of at least %(min_judges)s judges who gave Hofstee "
            "limits; there is %(num)s. The pass mark is unchanged.",
            "Standard setting needs a panel of at least %(min_judges)s judges who gave Hofstee "
            "limits; there are %(num)s. The pass mark is unchanged.",
            judges,
            min_judges=min_judges,
        )
    else:
        message = ngettext(
            "Standard setting needs a panel of at least %(min_judges)s judges who rated every "
            "item; there is %(num)s. The pass mark is unchanged.",
            "Standard setting needs a panel of at least %(min_judges)s judges who rated every "
            "item; there are %(num)s. The pass mark is unchanged.",
            judges,
            min_judges=min_judges,
        )
    raise ValidationFailed(message)


def _angoff_cut(
    session: Session, module: bm.Module, state: queries.StandardSetting, method: str
) -> tuple[float, dict[str, Any]]:
    if state.angoff is None:
        raise ValidationFailed(_("No judge has rated every item yet."))
    a = state.angoff
    mark = a.cut_percent
    values: dict[str, Any] = {"cut_score": a.cut_score, "cut_percent": a.cut_percent}
    values["se"] = a.standard_error
    if method == "angoff_plus_sem":
        from app.analysis import item_analysis

        test = item_analysis.analyse(session, module).result.test
        if test.sem is None or test.n == 0:
            raise ValidationFailed(_("The SEM needs first exam attempts."))
        sem_percent = 100.0 * test.sem / module.length if module.length else 0.0
        mark = min(100.0, mark + sem_percent)
        values.update(sem=test.sem, sem_percent=sem_percent)
    return mark, values


def _hofstee_cut(state: queries.StandardSetting) -> tuple[float, dict[str, Any]]:
    if state.hofstee is None or state.hofstee.cut is None:
        raise ValidationFailed(_("The Hofstee check has no intersection (or no data) yet."))
    h = state.hofstee
    values = {"c_min": h.c_min, "c_max": h.c_max, "f_min": h.f_min, "f_max": h.f_max}
    values.update(cut=h.cut, pass_rate=h.pass_rate, candidates=len(state.scores))
    return float(h.cut), values


def propose_rules(
    session: Session,
    user: User,
    row: bm.Module | bm.Program,
    form: Mapping[str, str],
    reason: str,
) -> RuleChange:
    """Propose the rules page's changes (only the fields whose text changed); an exam's pass
    mark must also be above the guessing rate of its items, as in standard setting."""
    kind = rule_fields.MODULE if isinstance(row, bm.Module) else rule_fields.PROGRAM
    proposed = rule_fields.parse(kind, form, rule_services.current_values(kind, row))
    if isinstance(row, bm.Module) and row.mode == Mode.EXAM and "pass_mark" in proposed:
        rule_fields.above_chance(proposed["pass_mark"], queries.guessing_rate(session, row))
    return rule_services.propose(session, user, kind, row.slug, proposed, reason)


def _my_judgement(session: Session, user: User, module: bm.Module) -> StandardSettingJudgement:
    if module.mode != Mode.EXAM:
        raise Conflict(_("Standard setting is for exam modules."))
    row = session.scalar(
        sa.select(StandardSettingJudgement).where(
            StandardSettingJudgement.module_id == module.id,
            StandardSettingJudgement.judge_id == user.id,
        )
    )
    if row is None:
        row = StandardSettingJudgement(module_id=module.id, judge_id=user.id, ratings={})
        session.add(row)
    return row


def save_rating(
    session: Session, user: User, module: bm.Module, item_keys: list[str], key: str, value: float
) -> StandardSettingJudgement:
    """One Angoff rating of the user's (a judge saves as they go, item by item); the other
    ratings and the Hofstee limits are kept."""
    if key not in item_keys:
        raise NotFound(_("This item is not in the exam's pool any more."))
    if not 0 <= value <= 1:
        raise ValidationFailed(_("Enter a probability between 0 and 1, e.g. 0.6."))
    row = _my_judgement(session, user, module)
    row.ratings = {**(row.ratings or {}), key: float(value)}
    row.updated_at = clock.utcnow()
    session.flush()
    record(session, user, "studio.standard.rate", "module", module.slug, {"item": key})
    return row


def save_limits(
    session: Session, user: User, module: bm.Module, hofstee: HofsteeInput | None
) -> StandardSettingJudgement:
    """The user's Hofstee limits (None clears them); the Angoff ratings are kept."""
    if hofstee is not None and not (
        0 <= hofstee.c_min < hofstee.c_max <= 100 and 0 <= hofstee.f_min <= hofstee.f_max <= 100
    ):
        raise ValidationFailed(
            _(
                "The lowest acceptable cut must be below the highest, and the lowest acceptable "
                "fail rate at most the highest (all between 0 and 100)."
            )
        )
    row = _my_judgement(session, user, module)
    row.hofstee = None if hofstee is None else dict(hofstee.__dict__)
    row.updated_at = clock.utcnow()
    session.flush()
    record(
        session, user, "studio.standard.limits", "module", module.slug, {"set": hofstee is not None}
    )
    return row


def propose_pass_mark(
    session: Session, user: User, module: bm.Module, method: str, *, min_judges: int
) -> RuleChange:
    """Propose the panel's cut as the module's pass mark (a rule change an administrator
    other than the proposer applies): refused with fewer than ``min_judges`` judges, or
    when the cut is not above the guessing rate of the exam's items."""
    if method not in METHODS:
        raise ValidationFailed(_("method: one of %(methods)s", methods=", ".join(METHODS)))
    if module.mode != Mode.EXAM:
        raise Conflict(_("Standard setting is for exam modules."))
    state = queries.standard_setting(session, module, user.id)
    if method == "hofstee":
        _panel(sum(1 for j in state.judgements if j.hofstee), min_judges, method)
        mark, values = _hofstee_cut(state)
    else:
        _panel(state.complete_judges, min_judges, method)
        mark, values = _angoff_cut(session, module, state, method)
    mark = round(mark, 2)
    rate = queries.guessing_rate(session, module)
    rule_fields.above_chance(mark, rate)
    figures = {"method": method, "judges": state.complete_judges, "items": len(state.items)}
    figures.update(values, guessing_rate=round(rate, 4), min_judges=min_judges)
    reason = f"Standard setting ({METHODS[method]}): cut {mark:.2f} %."
    return rule_services.propose(
        session,
        user,
        rule_fields.MODULE,
        module.slug,
        {"pass_mark": mark},
        reason,
        source="standard_setting",
        figures=figures,
    )


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
    """Images of the steps that show one, as the importer expects them (bytes, type, name)."""
    media = {}
    for i, step in enumerate(case.steps):
        try:
            sha = _media_for(session, step.question)
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("Step %(n)s: %(message)s", n=i + 1, message=exc.message)
            ) from None
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
            raise StepKeyTaken(i, key)
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


def _replace_draft(session: Session, revision: Revision, version: bm.CaseVersion) -> None:
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


def create_case(session: Session, user: User, topic_id: int, case: Case) -> Revision:
    """A new case in draft, version 1, owned by ``user`` (written by the bank importer)."""
    topic = session.get(bm.Topic, topic_id)
    if topic is None:
        raise NotFound(_("No such topic."))
    if session.scalar(sa.select(bm.Case.id).where(bm.Case.key == case.key)):
        raise KeyTaken(
            _(
                "“%(key)s” is already the key of another case: choose another, e.g. %(key)s-2.",
                key=case.key,
            )
        )
    case = case.model_copy(update={"status": Status.DRAFT})
    version = _write_case(session, user, case, topic, None, None)
    revision = workflow.begin(session, user, CASE, version.case, version)
    record(session, user, "studio.case.create", "case", version.case_id, {"key": case.key})
    return revision


def save_case_draft(session: Session, user: User, revision_id: int, case: Case) -> Revision:
    """Replace the content of the user's draft case (the key and topic are the case's own)."""
    revision = workflow.own_draft(session, user, CASE, revision_id)
    row = revision.content
    case = case.model_copy(update={"key": row.key})
    version = _write_case(session, user, case, row.topic, row, revision.version)
    _replace_draft(session, revision, version)
    workflow.draft_saved(session, user, revision)
    return revision
