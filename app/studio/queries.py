"""Reads of the studio: question lists, review queue, history and diffs, standard setting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, selectinload

from app.analysis.psychometrics import AngoffResult, HofsteeResult, hofstee, modified_angoff
from app.auth.models import User
from app.banks import models as bm
from app.banks.schema import Case, Mode, Status, use_of
from app.errors import NotFound
from app.i18n import gettext as _
from app.questions import registry
from app.quiz.models import AttemptItem
from app.rules import fields as rule_fields
from app.studio.models import (
    OPEN_STATES,
    PassMarkDecision,
    Revision,
    RevisionState,
    StandardSettingJudgement,
)
from app.studio.paging import ListArgs, Page, matches, paginate


def topics(session: Session) -> list[bm.Topic]:
    return list(session.scalars(sa.select(bm.Topic).order_by(bm.Topic.slug)))


def open_revisions_by_content(session: Session, kind: str) -> dict[int, Revision]:
    """content id → its open revision, for one authored kind."""
    rows = session.scalars(
        sa.select(Revision).where(Revision.kind == kind, Revision.state.in_(OPEN_STATES))
    )
    return {r.content_id: r for r in rows}


def review_queue(session: Session, kind: str) -> list[Revision]:
    """Revisions of one authored kind waiting for review, oldest submission first."""
    return list(
        session.scalars(
            sa.select(Revision)
            .where(Revision.kind == kind, Revision.state == RevisionState.IN_REVIEW)
            .order_by(Revision.submitted_at)
        )
    )


def question(session: Session, question_id: int) -> bm.Question:
    row = session.get(bm.Question, question_id)
    if row is None or row.case_id is not None:
        raise NotFound()
    return row


def revision(session: Session, model: type[Revision], revision_id: int) -> Revision:
    """A revision of the kind mapped by ``model`` (one of another kind → 404)."""
    row = session.get(model, revision_id)
    if row is None:
        raise NotFound()
    return row


def versions(session: Session, question_id: int) -> list[bm.QuestionVersion]:
    return list(
        session.scalars(
            sa.select(bm.QuestionVersion)
            .where(bm.QuestionVersion.question_id == question_id)
            .order_by(bm.QuestionVersion.version_no)
        )
    )


def revisions_by_version(session: Session, kind: str, content_id: int) -> dict[int, Any]:
    """version id → (revision, author name or None) of the content's studio revisions."""
    rows = session.execute(
        sa.select(Revision, User.name)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.kind == kind, Revision.content_id == content_id)
    ).all()
    return {rev.version_id: (rev, name) for rev, name in rows}


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


def version_yaml(version: bm.QuestionVersion) -> str:
    return yaml.safe_dump(
        version.content, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


# ---------------------------------------------------------------- modules


def modules(session: Session) -> list[bm.Module]:
    return list(session.scalars(sa.select(bm.Module).order_by(bm.Module.position, bm.Module.slug)))


def programs(session: Session) -> list[bm.Program]:
    return list(session.scalars(sa.select(bm.Program).order_by(bm.Program.slug)))


def module(session: Session, slug: str) -> bm.Module:
    row = session.scalar(sa.select(bm.Module).where(bm.Module.slug == slug))
    if row is None:
        raise NotFound()
    return row


def exam_module(session: Session, slug: str) -> bm.Module:
    row = module(session, slug)
    if row.mode != Mode.EXAM:
        raise NotFound()
    return row


def module_pool(session: Session, mod: bm.Module) -> list[tuple[str, bm.QuestionVersion]]:
    """(question key, current version) of every published question the module can draw."""
    topics_ = {row["topic"] for row in mod.blueprint}
    rows = session.execute(
        sa.select(bm.Question.key, bm.QuestionVersion)
        .join(bm.Topic, bm.Topic.id == bm.Question.topic_id)
        .join(bm.QuestionVersion, bm.QuestionVersion.id == bm.Question.current_version_id)
        .where(
            bm.Question.status == Status.PUBLISHED,
            bm.Question.case_id.is_(None),
            bm.Topic.slug.in_(topics_),
            bm.QuestionVersion.use == use_of(mod.mode),
        )
        .order_by(bm.Question.key)
    ).all()
    return [(key, v) for key, v in rows]


def guessing_rate(session: Session, mod: bm.Module) -> float:
    """The expected percentage score of a candidate guessing on every item of the exam's pool
    (each type's ``chance_score``, equal weights, as the Angoff cut weighs the items)."""
    scores = [
        registry.get(v.type).quiz.chance_score(v.as_question())
        for _, v in module_pool(session, mod)
    ]
    return rule_fields.guessing_rate(scores)


@dataclass
class StandardSetting:
    items: list[str]
    judgements: list[StandardSettingJudgement]
    mine: StandardSettingJudgement | None
    angoff: AngoffResult | None
    complete_judges: int
    hofstee: HofsteeResult | None
    hofstee_error: str | None
    scores: list[float]
    decisions: list[PassMarkDecision]


def standard_setting(session: Session, mod: bm.Module, user_id: int) -> StandardSetting:
    """The panel's state: Angoff over judges who rated every item, Hofstee over observed scores."""
    from app.analysis.item_analysis import scores_for_hofstee

    items = [key for key, _ in module_pool(session, mod)]
    judgements = list(
        session.scalars(
            sa.select(StandardSettingJudgement)
            .where(StandardSettingJudgement.module_id == mod.id)
            .order_by(StandardSettingJudgement.judge_id)
        )
    )
    mine = next((j for j in judgements if j.judge_id == user_id), None)
    complete = [j for j in judgements if items and all(k in j.ratings for k in items)]
    angoff = (
        modified_angoff([[j.ratings[k] for k in items] for j in complete]) if complete else None
    )
    scores = scores_for_hofstee(session, mod)
    limits = [j.hofstee for j in judgements if j.hofstee]
    result, error = None, None
    if limits and scores:
        try:
            result = hofstee(limits, scores)
        except ValueError as exc:  # app.analysis is pure (no Babel): its detail stays English
            error = _("The Hofstee check cannot use the judges' limits (%(error)s).", error=exc)
    elif limits:
        error = _("No first exam attempts yet: the Hofstee check needs observed scores.")
    decisions = list(
        session.scalars(
            sa.select(PassMarkDecision)
            .where(PassMarkDecision.module_id == mod.id)
            .order_by(PassMarkDecision.decided_at.desc())
        )
    )
    return StandardSetting(
        items, judgements, mine, angoff, len(complete), result, error, scores, decisions
    )


def media_choices(session: Session) -> list[Any]:
    """(sha256, content type, file name, width, height) of every image, by name."""
    return list(
        session.execute(
            sa.select(
                bm.Media.sha256,
                bm.Media.content_type,
                bm.Media.original_name,
                bm.Media.width,
                bm.Media.height,
            ).order_by(bm.Media.original_name, bm.Media.sha256)
        ).all()
    )


# ---------------------------------------------------------------- case scenarios


def case_model(version: bm.CaseVersion) -> Case:
    """The bank-format ``Case`` of a stored version (steps' questions as their versions hold)."""
    return Case.model_validate(
        {
            "key": version.case.key,
            "title": version.title,
            "difficulty": version.difficulty,
            "use": version.use,
            "tags": list(version.tags or []),
            "vignette": version.vignette,
            "reviewer_notes": version.reviewer_notes or "",
            "steps": [
                {
                    "disclosure": s.disclosure,
                    "reviewer_notes": s.reviewer_notes or "",
                    "question": {**s.question_version.content, "use": version.use},
                }
                for s in version.steps
            ],
        }
    )


def case_yaml(version: bm.CaseVersion) -> str:
    data = case_model(version).model_dump(mode="json", exclude={"status", "topic"})
    for step in data["steps"]:
        step["question"].pop("status", None)
        step["question"].pop("topic", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def case(session: Session, case_id: int) -> bm.Case:
    row = session.get(bm.Case, case_id)
    if row is None:
        raise NotFound()
    return row


def case_versions(session: Session, case_id: int) -> list[bm.CaseVersion]:
    """Every stored version of a case, oldest first, with steps and their questions loaded."""
    return list(
        session.scalars(
            sa.select(bm.CaseVersion)
            .where(bm.CaseVersion.case_id == case_id)
            .options(selectinload(bm.CaseVersion.steps).selectinload(bm.CaseStep.question_version))
            .order_by(bm.CaseVersion.version_no)
        )
    )


def pass_mark_proposal(session: Session, slug: str, change_id: int) -> tuple[Any, str]:
    """(the standard-setting proposal ``change_id`` of module ``slug``, its proposer's name);
    NotFound for any other change."""
    from app.rules.models import RuleChange

    row = session.execute(
        sa.select(RuleChange, User.name)
        .join(User, User.id == RuleChange.proposed_by)
        .where(
            RuleChange.id == change_id,
            RuleChange.target_kind == rule_fields.MODULE,
            RuleChange.target_slug == slug,
            RuleChange.source == "standard_setting",
        )
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


# ---------------------------------------------------------------- paged, searchable lists
#
# Each costs a count, the page's rows, and one query per relation loaded for the page's rows
# (and the open revisions of those rows): the same number whatever the page number.


def _open_revisions_of(session: Session, kind: str, ids: list[int]) -> dict[int, Revision]:
    if not ids:
        return {}
    rows = session.scalars(
        sa.select(Revision).where(
            Revision.kind == kind, Revision.state.in_(OPEN_STATES), Revision.content_id.in_(ids)
        )
    )
    return {r.content_id: r for r in rows}


def questions_page(
    session: Session, args: ListArgs, topic: str | None = None, status: str | None = None
) -> Page:
    """A page of (question, topic slug, open revision or None) of the standalone questions,
    searched by key, title or stem."""
    stmt = (
        sa.select(bm.Question, bm.Topic.slug)
        .join(bm.Topic, bm.Topic.id == bm.Question.topic_id)
        .outerjoin(bm.QuestionVersion, bm.QuestionVersion.id == bm.Question.current_version_id)
        .where(bm.Question.case_id.is_(None))
        .options(selectinload(bm.Question.current_version))
        .order_by(bm.Topic.slug, bm.Question.key)
    )
    if topic:
        stmt = stmt.where(bm.Topic.slug == topic)
    if status in {s.value for s in Status}:
        stmt = stmt.where(bm.Question.status == Status(status))
    if args.q:
        stmt = stmt.where(
            sa.or_(
                matches(bm.Question.key, args.q),
                matches(bm.QuestionVersion.content["stem"].as_string(), args.q),
                matches(bm.QuestionVersion.content["title"].as_string(), args.q),
            )
        )
    page = paginate(session, stmt, args)
    revisions = _open_revisions_of(session, "question", [q.id for q, _slug in page.items])
    page.items = [(q, slug, revisions.get(q.id)) for q, slug in page.items]
    return page


def cases_page(session: Session, args: ListArgs) -> Page:
    """A page of (case, topic slug, open revision or None), searched by key or title."""
    stmt = (
        sa.select(bm.Case, bm.Topic.slug)
        .join(bm.Topic, bm.Topic.id == bm.Case.topic_id)
        .outerjoin(bm.CaseVersion, bm.CaseVersion.id == bm.Case.current_version_id)
        .options(selectinload(bm.Case.current_version))
        .order_by(bm.Topic.slug, bm.Case.key)
    )
    if args.q:
        stmt = stmt.where(
            sa.or_(matches(bm.Case.key, args.q), matches(bm.CaseVersion.title, args.q))
        )
    page = paginate(session, stmt, args)
    revisions = _open_revisions_of(session, "case", [c.id for c, _slug in page.items])
    page.items = [(c, slug, revisions.get(c.id)) for c, slug in page.items]
    return page


def modules_page(session: Session, args: ListArgs) -> Page:
    """A page of the modules, searched by slug or title."""
    stmt = sa.select(bm.Module).order_by(bm.Module.position, bm.Module.slug)
    if args.q:
        stmt = stmt.where(sa.or_(matches(bm.Module.slug, args.q), matches(bm.Module.title, args.q)))
    return paginate(session, stmt, args, scalars=True)


def revisions_page(
    session: Session, model: Any, args: ListArgs, author_id: int | None = None
) -> Page:
    """A page of one kind's revisions: waiting for review (oldest submission first), or the
    open ones of ``author_id`` (newest first); searched by the content's key."""
    content = model.content.property.mapper.class_
    stmt = (
        sa.select(model)
        .join(content, content.id == model.content_id)
        .options(selectinload(model.content), selectinload(model.version))
    )
    if author_id is None:
        stmt = stmt.where(model.state == RevisionState.IN_REVIEW).order_by(
            model.submitted_at, model.id
        )
    else:
        stmt = stmt.where(model.author_id == author_id, model.state.in_(OPEN_STATES)).order_by(
            model.updated_at.desc(), model.id
        )
    if args.q:
        stmt = stmt.where(matches(content.key, args.q))
    return paginate(session, stmt, args, scalars=True)


def media_page(session: Session, args: ListArgs, size: int = 24) -> Page:
    """A page of the uploaded images (newest first, without their bytes), searched by the
    original file name."""
    stmt = sa.select(
        bm.Media.sha256,
        bm.Media.content_type,
        bm.Media.created_at,
        bm.Media.original_name,
        bm.Media.width,
        bm.Media.height,
        sa.func.length(bm.Media.data).label("size"),
    ).order_by(bm.Media.created_at.desc(), bm.Media.sha256)
    if args.q:
        stmt = stmt.where(matches(bm.Media.original_name, args.q))
    return paginate(session, stmt, args, size=size)


def known_objectives(session: Session) -> list[tuple[str, str]]:
    """(objective id, its text) of every module's objectives, by id (the first text of an id
    that several modules share): what an author picks a question's objective from."""
    found: dict[str, str] = {}
    for objectives in session.scalars(sa.select(bm.Module.objectives).order_by(bm.Module.slug)):
        for objective in objectives or []:
            if isinstance(objective, dict) and objective.get("id"):
                found.setdefault(str(objective["id"]), str(objective.get("text", "")))
    return sorted(found.items())
