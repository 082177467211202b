"""The studio's bank import: drafts of the importer only, and the trial upload it confirms.

The studio imports through the one bank importer (``app.banks.services.import_bank``) with the
studio's policy, ``StudioImport``:

- a question or case whose key is new becomes a draft owned by the importer: its version 1 is
  theirs and its revision 1 is opened through the one revision workflow (``workflow.begin``).
  A status in the file is never obeyed (a warning says "imported as a draft"): only a second
  instructor's approval publishes;
- a key that exists is updated only when it is the importer's own draft that was never
  published (revision 1, still a draft: not in review). Anything else (another author's, a
  published one, one in review) is skipped: "exists: start a revision in the studio";
- modules and programs are never created or changed (skipped: a reviewed rule change does
  that); new topics are created (a topic carries no certification meaning) but existing ones
  keep their title and description;
- images cannot come with an upload (upload them in the studio, then choose them).

One audit event, ``studio.import``, lists each row created, updated or skipped. Its reasons
stay English (the audit log's language); ``shown_skips`` puts them in the interface's language
for the page and the flashes, after the import has written its event.

A trial upload (the dry run before the confirmation) is kept in the database
(``StudioUpload``, table ``studio_uploads``: bytes, format, topic, shown file name, uploader,
time) under a random 128-bit token, so the confirmation may reach any app server. It is bound
to the user who uploaded it: another user's token is a 404. It is kept only when its dry run
could import it, deleted in the transaction of its confirmation, and swept at each upload once
older than ``UPLOAD_MAX_AGE``. Nothing is written to the instance folder: a foreign format's
importer reads the bytes from a temporary folder that lives for one run.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.banks import models as bm
from app.banks.loader import BankFileInvalid, BankProblem, load_text
from app.banks.schema import Status
from app.banks.services import (
    Decision,
    ImportPolicy,
    ImportReport,
    import_bank,
    import_foreign,
)
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.studio import workflow
from app.studio.authoring import AuthoredKind
from app.studio.kinds import CASE, QUESTION
from app.studio.models import Revision, RevisionState, StudioUpload

EXISTS = "exists: start a revision in the studio"
RULES = "modules and programs change through a reviewed rule change"
TOPIC_EXISTS = "exists: a topic's title and description change on the command line"
STEP_TAKEN = "a step's question key exists ({keys}): choose another"
UPLOAD_MAX_AGE = 3600.0  # seconds a trial upload waits for its confirmation
TOKEN = re.compile(r"[0-9a-f]{32}")
MAX_NAME_CHARS = 100

#: The skip reasons above as people read them (the audit event keeps the English ones).
SHOWN_REASONS = {
    EXISTS: _l("exists: start a revision in the studio"),
    RULES: _l("modules and programs change through a reviewed rule change"),
    TOPIC_EXISTS: _l("exists: a topic's title and description change on the command line"),
}
STEP_TAKEN_RE = re.compile(r"a step's question key exists \((?P<keys>.*)\): choose another")


def shown_reason(reason: str) -> str:
    """A skip reason of the studio's policy in the interface's language (any other as is)."""
    if reason in SHOWN_REASONS:
        return str(SHOWN_REASONS[reason])
    taken = STEP_TAKEN_RE.fullmatch(reason)
    if taken:
        return _("a step's question key exists (%(keys)s): choose another", keys=taken["keys"])
    return reason


def shown_skips(report: ImportReport) -> ImportReport:
    """``report`` with its skip reasons in the interface's language, for the page and the
    flashes (its audit rows are left as they were written)."""
    report.skipped = [(what, shown_reason(why)) for what, why in report.skipped]
    return report


class StudioImport(ImportPolicy):
    """The studio's policy: the importer's own drafts only (see the module docstring)."""

    name = "studio"
    audit_action = "studio.import"
    audit_always = True
    publishes = False
    rules_skipped = RULES
    topics_skipped = TOPIC_EXISTS
    reads_images = False
    needs_rows = True  # ``written`` opens a revision of each new question

    def __init__(self, user: User) -> None:
        self.user = user

    def decide(self, session: Session, kind: str, row: Any, steps: list[bm.Question]) -> Decision:
        revision = None
        if row is not None:
            revision = own_unpublished_draft(session, self.user, _kind(kind), row)
            if revision is None:
                return Decision(skip=EXISTS)
        taken = [q.key for q in steps if row is None or q.case_id != row.id]
        if taken:
            return Decision(skip=STEP_TAKEN.format(keys=", ".join(taken)))
        return Decision(revision=revision)

    def written(
        self, session: Session, kind: str, row: Any, version: Any, decision: Decision
    ) -> dict[str, Any]:
        if decision.revision is None:
            revision = workflow.begin(session, self.user, _kind(kind), row, version)
        else:
            revision = decision.revision
            _replace_draft_version(session, revision, version)
            revision.updated_at = clock.utcnow()
            session.flush()
        return {"revision": revision.id}


def _kind(name: str) -> AuthoredKind:
    return QUESTION if name == "question" else CASE


def own_unpublished_draft(
    session: Session, user: User, kind: AuthoredKind, row: Any
) -> Revision | None:
    """The user's revision 1 of ``row`` when it is still a draft (never published, not in
    review, nobody else's); else None."""
    if row.status != Status.DRAFT:
        return None
    revisions = workflow.revisions_of(session, kind, row.id)
    if len(revisions) != 1:
        return None
    revision = revisions[0]
    if (
        revision.author_id != user.id
        or revision.state != RevisionState.DRAFT
        or revision.base_version_id is not None
    ):
        return None
    return revision


def _replace_draft_version(session: Session, revision: Revision, version: Any) -> None:
    """Point the draft revision at the importer's new ``version`` and drop the draft version it
    replaces (never published, so never drawn), keeping its number."""
    old = revision.version
    if old.id == version.id:
        return
    number = old.version_no
    revision.version = version
    session.flush()
    session.delete(old)
    session.flush()
    version.version_no = number
    session.flush()


# ---------------------------------------------------------------- trial uploads


class UploadTooLarge(ValidationFailed):
    code = "upload_too_large"
    status = 413


@dataclass(frozen=True)
class Upload:
    """A trial upload: checked by a dry run, then kept (``save_upload``) for its confirmation."""

    token: str
    fmt: str
    topic: str
    name: str  # the uploader's file name (what messages call the file)
    user_id: int
    data: bytes = field(repr=False)


def shown_name(filename: str | None) -> str:
    """The uploader's file name without any folder (messages show it), or "upload"."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return name[:MAX_NAME_CHARS] or "upload"


def new_upload(
    user: User, raw: bytes, fmt: str, topic: str, filename: str | None, max_bytes: int
) -> Upload:
    """An upload of ``user`` with a fresh random token (not saved yet); larger than
    ``max_bytes`` (the request limit) → ``UploadTooLarge``."""
    if len(raw) > max_bytes:
        raise UploadTooLarge(_("The file is larger than %(max_bytes)s bytes.", max_bytes=max_bytes))
    return Upload(secrets.token_hex(16), fmt, topic, shown_name(filename), user.id, raw)


def save_upload(session: Session, upload: Upload, now: datetime | None = None) -> StudioUpload:
    """Keep ``upload`` in the database for its confirmation (flushed, not committed)."""
    row = StudioUpload(
        token=upload.token,
        user_id=upload.user_id,
        fmt=upload.fmt,
        topic=upload.topic,
        name=upload.name,
        data=upload.data,
        created_at=now or clock.utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _bound(token: str, user: User) -> Any:
    if not TOKEN.fullmatch(token or ""):
        raise NotFound()
    return (StudioUpload.token == token) & (StudioUpload.user_id == user.id)


def take_upload(session: Session, token: str, user: User) -> Upload:
    """Delete the user's trial upload ``token`` and return it (one statement: of two
    confirmations of one token, the second finds nothing); else 404. The deletion belongs to
    the caller's transaction: it stands with the import it is committed with."""
    columns = [getattr(StudioUpload, c) for c in ("token", "fmt", "topic", "name", "user_id")]
    row = session.execute(
        sa.delete(StudioUpload)
        .where(_bound(token, user))
        .returning(*columns, StudioUpload.data)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return Upload(*row)


def discard_upload(session: Session, token: str) -> None:
    """Delete the trial upload ``token``, if still there (flushed, not committed)."""
    session.execute(
        sa.delete(StudioUpload)
        .where(StudioUpload.token == token)
        .execution_options(synchronize_session=False)
    )


def sweep(session: Session, max_age: float = UPLOAD_MAX_AGE, now: datetime | None = None) -> int:
    """Delete trial uploads older than ``max_age`` seconds (not committed); how many went."""
    limit = (now or clock.utcnow()) - timedelta(seconds=max_age)
    result = session.execute(
        sa.delete(StudioUpload)
        .where(StudioUpload.created_at < limit)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def run(session: Session, upload: Upload, user: User, dry_run: bool) -> ImportReport:
    """Import ``upload`` with the studio's policy; ``BankFileInvalid`` names the file by the
    uploader's name only, never by a path of the server.

    The importers of foreign formats read a file: the bytes are written to a temporary folder
    for this run only (deleted afterwards, whatever happens); a YAML bank is decoded from
    memory, with that folder (holding nothing else) as the one its image paths start from.
    """
    with tempfile.TemporaryDirectory(prefix="studio-import-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(upload.data)
        return _run_file(session, upload, path, user, dry_run)


def _run_file(
    session: Session, upload: Upload, path: Path, user: User, dry_run: bool
) -> ImportReport:
    policy = StudioImport(user)
    if upload.fmt != "yaml":
        return import_foreign(
            session,
            path,
            upload.fmt,
            upload.topic,
            user,
            dry_run=dry_run,
            policy=policy,
            name=upload.name,
        )
    try:
        text = upload.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BankFileInvalid(
            [BankProblem(upload.name, _("not UTF-8 text (%(reason)s)", reason=exc.reason))]
        ) from None
    bank = load_text(text, name=upload.name, base_dir=path.parent)
    return import_bank(session, bank, user, dry_run=dry_run, policy=policy)
