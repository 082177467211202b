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

One audit event, ``studio.import``, lists each row created, updated or skipped.

A trial upload (the dry run before the confirmation) is kept as ``<token>.upload`` and
``<token>.meta`` in the instance folder's ``studio-imports/``, bound to the user who uploaded
it: another user's token is a 404. It is deleted once confirmed, when the upload cannot be
imported, and by the sweep at each upload once older than ``UPLOAD_MAX_AGE``.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from app.errors import NotFound
from app.studio import workflow
from app.studio.authoring import AuthoredKind
from app.studio.kinds import CASE, QUESTION
from app.studio.models import Revision, RevisionState

EXISTS = "exists: start a revision in the studio"
RULES = "modules and programs change through a reviewed rule change"
TOPIC_EXISTS = "exists: a topic's title and description change on the command line"
STEP_TAKEN = "a step's question key exists ({keys}): choose another"
UPLOAD_MAX_AGE = 3600.0  # seconds a trial upload waits for its confirmation
TOKEN = re.compile(r"[0-9a-f]{32}")
MAX_NAME_CHARS = 100


class StudioImport(ImportPolicy):
    """The studio's policy: the importer's own drafts only (see the module docstring)."""

    name = "studio"
    audit_action = "studio.import"
    audit_always = True
    publishes = False
    rules_skipped = RULES
    topics_skipped = TOPIC_EXISTS
    reads_images = False

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


@dataclass(frozen=True)
class Upload:
    """A trial upload waiting for its confirmation."""

    token: str
    path: Path
    fmt: str
    topic: str
    name: str  # the uploader's file name (what messages call the file)
    user_id: int

    @property
    def meta(self) -> Path:
        return self.path.with_suffix(".meta")


def shown_name(filename: str | None) -> str:
    """The uploader's file name without any folder (messages show it), or "upload"."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return name[:MAX_NAME_CHARS] or "upload"


def save_upload(
    folder: Path, user: User, raw: bytes, fmt: str, topic: str, filename: str | None
) -> Upload:
    """Keep an uploaded file for its confirmation, bound to ``user``."""
    token = secrets.token_hex(16)
    upload = Upload(token, folder / f"{token}.upload", fmt, topic, shown_name(filename), user.id)
    upload.path.write_bytes(raw)
    meta = {"user": user.id, "format": fmt, "topic": topic, "name": upload.name}
    upload.meta.write_text(json.dumps(meta), encoding="utf-8")
    return upload


def load_upload(folder: Path, token: str, user: User) -> Upload:
    """The user's trial upload ``token``; a missing, malformed or another user's one → 404."""
    if not TOKEN.fullmatch(token or ""):
        raise NotFound()
    path = folder / f"{token}.upload"
    try:
        meta = json.loads(path.with_suffix(".meta").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound() from None
    if not path.is_file() or meta.get("user") != user.id:
        raise NotFound()
    return Upload(token, path, meta["format"], meta["topic"], meta["name"], user.id)


def discard_upload(upload: Upload) -> None:
    upload.path.unlink(missing_ok=True)
    upload.meta.unlink(missing_ok=True)


def sweep(folder: Path, max_age: float = UPLOAD_MAX_AGE, now: float | None = None) -> int:
    """Delete trial uploads older than ``max_age`` seconds; how many files went."""
    limit = (time.time() if now is None else now) - max_age
    removed = 0
    for file in folder.iterdir():
        if file.suffix not in (".upload", ".meta"):
            continue
        try:
            if file.stat().st_mtime < limit:
                file.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another request swept it
    return removed


def run(session: Session, upload: Upload, user: User, dry_run: bool) -> ImportReport:
    """Import ``upload`` with the studio's policy; ``BankFileInvalid`` names the file by the
    uploader's name only, never by a path of the server."""
    policy = StudioImport(user)
    if upload.fmt != "yaml":
        return import_foreign(
            session,
            upload.path,
            upload.fmt,
            upload.topic,
            user,
            dry_run=dry_run,
            policy=policy,
            name=upload.name,
        )
    try:
        text = upload.path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BankFileInvalid(
            [BankProblem(upload.name, f"not UTF-8 text ({exc.reason})")]
        ) from None
    bank = load_text(text, name=upload.name, base_dir=upload.path.parent)
    return import_bank(session, bank, user, dry_run=dry_run, policy=policy)
