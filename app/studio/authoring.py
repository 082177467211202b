"""Authored kinds: what the one revision workflow needs to know about each kind of content.

Everything an instructor authors and a second instructor approves (questions and case scenarios
today; practical checklists and jurisdiction rules next) goes through the same workflow
(``app.studio.workflow``), the same ``Revision`` rows, routes and templates. What differs per
kind is declared once, in an ``AuthoredKind`` registered here (``app.studio.kinds`` registers
the built-in ones): which row holds the content, how a new draft version is copied from the
published one, how a version is published, how the content's status is set, how a version is
dumped for a readable diff, and the names its URLs and audit events use.

This module is pure: the state rules, the four-eyes rule, naming and diffing need no database.
See docs/authoring-workflow.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.errors import Conflict, Forbidden, ValidationFailed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.studio.models import RevisionState

# ---------------------------------------------------------------- states

# action → (the state the revision must be in, the refusal when it is not, the state after)
TRANSITIONS: dict[str, tuple[RevisionState, Any, RevisionState]] = {
    "save": (
        RevisionState.DRAFT,
        _l("This revision is in review; withdraw it to edit it."),
        RevisionState.DRAFT,
    ),
    "submit": (
        RevisionState.DRAFT,
        _l("This revision is already in review."),
        RevisionState.IN_REVIEW,
    ),
    "withdraw": (
        RevisionState.IN_REVIEW,
        _l("This revision is not in review."),
        RevisionState.DRAFT,
    ),
    "approve": (
        RevisionState.IN_REVIEW,
        _l("This revision is not waiting for review."),
        RevisionState.PUBLISHED,
    ),
    "request_changes": (
        RevisionState.IN_REVIEW,
        _l("This revision is not waiting for review."),
        RevisionState.DRAFT,
    ),
}


def next_state(state: RevisionState, action: str) -> RevisionState:
    """The state after ``action``, or Conflict when ``action`` is not allowed in ``state``."""
    required, refusal, after = TRANSITIONS[action]
    if state != required:
        raise Conflict(refusal)
    return after


def check_reviewer(author_id: int, reviewer_id: int, action: str, kind: AuthoredKind) -> None:
    """The four-eyes rule: the author of a revision never reviews it."""
    if author_id != reviewer_id:
        return
    if action == "approve":
        raise Forbidden(kind.say("own_approval"))
    raise Forbidden(_("Withdraw your own revision instead of reviewing it."))


def review_comment(action: str, comment: str) -> str:
    """The comment stored with a review decision; asking for changes needs one."""
    if action == "request_changes":
        if not comment.strip():
            raise ValidationFailed(_("Say what should change."))
        return comment.strip()
    return comment


# ---------------------------------------------------------------- kinds


@dataclass(frozen=True)
class KindMessages:
    """The flash messages and refusals of the workflow's steps for one kind: whole sentences,
    marked for translation (``lazy_gettext``) where the kind is declared, so a translator sees
    each one (the kind's noun is never put into a translated sentence: its gender and article
    differ by language). A refusal the kind does not declare is the generic one."""

    submitted: Any  # "Case sent for review."
    withdrawn: Any  # "Case withdrawn from review."
    discarded: Any  # "Case revision discarded."
    published: Any  # "Case approved and published."
    retired: Any  # "Case retired: it is no longer drawn."
    # Refusals
    own_approval: Any = _l("You cannot approve your own revision: a second instructor must.")
    revise_unpublished: Any = _l("Only published content can be revised.")
    revised_by_another: Any = _l("Another instructor is revising this content; review their draft.")
    retire_unpublished: Any = _l("Only published content can be retired.")
    delete_instead: Any = _l("Delete this new draft instead.")
    keep_as_draft: Any = _l(
        "Content that was never published cannot be discarded; keep it as a draft."
    )


# The messages of a kind that declares none of its own.
GENERIC_MESSAGES = KindMessages(
    submitted=_l("Sent for review."),
    withdrawn=_l("Withdrawn from review."),
    discarded=_l("Revision discarded."),
    published=_l("Approved and published."),
    retired=_l("Retired: it is no longer drawn."),
)


# The kinds' names as a page shows them (the stored name stays English).
KIND_NOUNS = {"question": _l("question"), "case": _l("case")}


@dataclass(frozen=True)
class AuthoredKind:
    """One kind of authored content, as the workflow, routes and templates see it.

    The callables take the database session first; ``content`` is the row the kind's content
    lives in (it has ``id``, ``key``, ``status`` and ``current_version``), ``version`` one of its
    version rows (it has ``id`` and ``version_no``).
    """

    name: str  # stored in Revision.kind; also the noun in messages ("question", "case")
    revision_model: type  # the Revision subclass mapped to this kind
    # Reading and writing the content
    load: Callable[..., Any]  # (session, content_id) → content row, or NotFound
    copy_version: Callable[..., Any]  # (session, content, user) → new draft version (flushed)
    set_status: Callable[..., None]  # (session, content, Status) → None
    publish: Callable[..., None]  # (session, revision, reviewer) → the version becomes current
    versions: Callable[..., list[Any]]  # (session, content_id) → versions, oldest first
    dump: Callable[[Any], str]  # version → YAML text, for history and diffs
    is_used: Callable[..., bool] | None = None  # (session, content_id) → used by attempts?
    deletable: bool = False  # a never-published draft is deleted (else: kept as a draft)
    # Web: URL segments, endpoint names and the preview partial
    revision_path: str = "revisions"  # /studio/<revision_path>/<revision_id>[/action]
    history_rules: tuple[str, ...] = ()  # URL rules of the history page (first is canonical)
    content_path: str = ""  # /studio/<content_path>/<id>/(revise|retire)
    id_arg: str = ""  # the URL argument naming the content ("question_id")
    endpoint_infix: str = ""  # studio.<action>_<infix>revision
    history_endpoint: str = ""
    preview: Callable[..., dict[str, Any]] | None = None  # revision → preview context
    preview_template: str = ""
    # Words
    messages: KindMessages = GENERIC_MESSAGES  # the flash messages of the workflow's steps
    audit_prefix: str = "studio."  # workflow events: <prefix>review.submit, …

    @property
    def noun(self) -> str:
        """The kind named in the page's language (templates put it in gender-neutral sentences)."""
        return str(KIND_NOUNS.get(self.name, self.name))

    def event(self, action: str) -> str:
        """The audit action of a workflow step (``review.submit``) or a content one (``retire``)."""
        if "." in action:
            return f"{self.audit_prefix}{action}"
        return f"studio.{self.name}.{action}"

    def revision_endpoint(self, action: str) -> str:
        return f"studio.{action}_{self.endpoint_infix}revision"

    def content_endpoint(self, action: str) -> str:
        if action == "history":
            return self.history_endpoint
        return f"studio.{action}_{self.name}"

    def say(self, step: str) -> str:
        """The flash message or refusal of a workflow step of this kind (``say("submitted")``),
        in the interface's language: one of the ``KindMessages`` fields."""
        return str(getattr(self.messages, step))

    def discard_refusal(self) -> str:
        return self.say("delete_instead" if self.deletable else "keep_as_draft")


_KINDS: dict[str, AuthoredKind] = {}


def register(kind: AuthoredKind) -> AuthoredKind:
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"The authored kind '{kind.name}' is registered already.")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> AuthoredKind:
    return _KINDS[name]


def kinds() -> list[AuthoredKind]:
    return list(_KINDS.values())


def kind_of(revision: Any) -> AuthoredKind:
    return _KINDS[revision.kind]


# ---------------------------------------------------------------- diffs


def yaml_diff(old: Any, new: Any, dump: Callable[[Any], str]) -> list[str]:
    """The unified diff of ``dump(old)`` and ``dump(new)`` of two versions (``old`` may be None).

    Lines come without trailing newlines; the headers name the version numbers.
    """
    before = dump(old).splitlines() if old is not None else []
    label_old = f"version {old.version_no}" if old is not None else "(nothing)"
    return list(
        difflib.unified_diff(
            before,
            dump(new).splitlines(),
            label_old,
            f"version {new.version_no}",
            lineterm="",
        )
    )
