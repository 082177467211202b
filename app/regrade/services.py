"""Regrade: rescore every graded attempt item of a question with the question's current
published version (its corrected key or scoring rule), then the attempts' scores and pass/fail,
then the completions they support.

``plan_regrade`` reads only (the dry run). ``apply_regrade`` computes the same plan and stores
exactly it, in the caller's transaction (flushes, never commits): the items' and attempts'
scores, completion flags (a certificate is never revoked here: its completion is flagged for
review), new completions for trainees who now pass, one audit event, and one mail per trainee
whose result changed (through the outbox, in the same transaction). Applying an applied regrade
finds nothing to change and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth.models import User
from app.banks.models import Module, Program, Question, QuestionVersion
from app.banks.schema import QuestionBase, Status
from app.certificates import eligibility
from app.certificates import services as cert_services
from app.certificates.models import Certificate, Completion, CompletionStatus
from app.derived import store
from app.errors import Conflict, ValidationFailed
from app.i18n import gettext as _
from app.i18n import in_language_of
from app.i18n import lazy_gettext as _l
from app.mail.outbox import queue
from app.quiz import scoring
from app.quiz.models import Attempt, AttemptItem, AttemptStatus
from app.regrade import plan as p
from app.settings import IssuerSettings

KEY_MAX = 80  # Question.key's length
GRADED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
ACTIVE = (CompletionStatus.PENDING, CompletionStatus.APPROVED)


class RegradeRefused(Conflict):
    code = "regrade_refused"
    message = _l("This question cannot be regraded.")


class PlanChanged(Conflict):
    code = "regrade_plan_changed"
    message = _l(
        "The results changed since the dry run you saw (a new attempt, another regrade): "
        "nothing was applied. Review the new dry run."
    )


@dataclass(frozen=True)
class MailContext:
    """What the trainees' messages need from the caller: the site's name and a link to
    their results."""

    site_name: str
    results_url: str


def check_key(raw: object) -> str:
    """A question key as typed (trimmed), or ValidationFailed saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed(_("Give a question key."))
    key = raw.strip()
    if len(key) > KEY_MAX:
        raise ValidationFailed(_("A question key has at most %(max)s characters.", max=KEY_MAX))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise ValidationFailed(_("A question key has no control characters."))
    return key


def find_question(session: Session, raw_key: object) -> tuple[Question, QuestionVersion]:
    """The question of ``raw_key`` and its current published version, or ValidationFailed."""
    key = check_key(raw_key)
    question = session.scalar(sa.select(Question).where(Question.key == key))
    if question is None:
        raise ValidationFailed(_("There is no question with the key %(key)s.", key=repr(key)))
    if question.status != Status.PUBLISHED or question.current_version is None:
        raise ValidationFailed(
            _(
                "Question %(key)s has no published version to regrade with (it is %(status)s).",
                key=repr(key),
                status=question.status.value,
            )
        )
    return question, question.current_version


# ---------------------------------------------------------------- the plan (reads only)


def plan_regrade(session: Session, raw_key: object) -> p.Plan:
    """What regrading the question of ``raw_key`` would change; changes nothing.

    Refuses ValidationFailed (bad or unknown key, no published version) and RegradeRefused
    (a graded response that the current version cannot score: another type, or an option
    the corrected version no longer has).
    """
    question, version = find_question(session, raw_key)
    rows = session.execute(
        sa.select(AttemptItem, QuestionVersion.type)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(QuestionVersion.question_id == question.id, Attempt.status.in_(GRADED))
        .order_by(AttemptItem.attempt_id, AttemptItem.position)
    ).all()
    current = version.as_question()
    rescored: dict[int, list[p.ItemChange]] = defaultdict(list)
    for item, served_type in rows:
        after = _rescore(question.key, current, served_type, item)
        if item.score is None or after != item.score:
            rescored[item.attempt_id].append(
                p.ItemChange(item.id, item.position, item.score, after)
            )
    attempts = _attempt_changes(session, rescored)
    return p.Plan(
        question=question.key,
        version_no=version.version_no,
        checked=len(rows),
        open_attempts=_open_attempts(session, question.id),
        attempts=attempts,
        completions=_completion_changes(session, attempts),
    )


def _rescore(key: str, current: QuestionBase, served_type: str, item: AttemptItem) -> float:
    if str(served_type) != str(current.type):
        raise RegradeRefused(
            _(
                "Question %(key)s was served as %(served)s and is now %(current)s: "
                "a regrade keeps the type. Nothing changed.",
                key=repr(key),
                served=format(served_type),
                current=format(current.type),
            )
        )
    if item.response is None:
        return scoring.score(current, None).score
    try:
        response = scoring.validate_response(current, item.response)
    except scoring.ResponseInvalid as exc:
        raise RegradeRefused(
            _(
                "The current version of %(key)s cannot score a stored answer (attempt item "
                "%(item)s: %(field)s: %(problem)s); keep the served ids when correcting a "
                "key. Nothing changed.",
                key=repr(key),
                item=item.id,
                field=exc.field,
                problem=exc.message,
            )
        ) from None
    return scoring.score(current, response).score


def _open_attempts(session: Session, question_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(sa.distinct(Attempt.id)))
            .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(
                QuestionVersion.question_id == question_id,
                Attempt.status == AttemptStatus.IN_PROGRESS,
            )
        )
        or 0
    )


def _attempt_changes(
    session: Session, rescored: dict[int, list[p.ItemChange]]
) -> tuple[p.AttemptChange, ...]:
    """Each attempt with a rescored item: its new total, percent and pass/fail."""
    if not rescored:
        return ()
    ids = sorted(rescored)
    attempts = session.execute(
        sa.select(Attempt, User.email, Module.slug)
        .join(User, User.id == Attempt.user_id)
        .join(Module, Module.id == Attempt.module_id)
        .where(Attempt.id.in_(ids))
        .order_by(Attempt.id)
    ).all()
    scores: dict[int, dict[int, float]] = defaultdict(dict)
    for attempt_id, item_id, score in session.execute(
        sa.select(AttemptItem.attempt_id, AttemptItem.id, AttemptItem.score)
        .where(AttemptItem.attempt_id.in_(ids))
        .order_by(AttemptItem.attempt_id, AttemptItem.position)
    ):
        scores[attempt_id][item_id] = score or 0.0
    out = []
    for attempt, email, slug in attempts:
        items = tuple(rescored[attempt.id])
        new = scores[attempt.id] | {c.item_id: c.after for c in items}
        score, percent, passed = scoring.attempt_result(
            sum(new.values()), attempt.max_score, attempt.pass_mark
        )
        out.append(
            p.AttemptChange(
                attempt.id,
                attempt.user_id,
                email,
                slug,
                attempt.attempt_no,
                attempt.score,
                score,
                attempt.percent,
                percent,
                attempt.passed,
                passed,
                items,
            )  # fmt: skip
        )
    return tuple(out)


# ---------------------------------------------------------------- completions (reads only)


@dataclass
class _Trainee:
    """One trainee whose pass/fail changes: modules passed before and after, what changed."""

    user_id: int
    email: str
    before: set[str]
    after: set[str]
    changed: set[str]
    newly_passed: dict[str, int]  # module slug -> the newest attempt that now passes


def _completion_changes(
    session: Session, attempts: Iterable[p.AttemptChange]
) -> tuple[p.CompletionChange, ...]:
    """Each (trainee, program) whose eligibility the new pass/fail changes, with its action."""
    flips = [a for a in attempts if a.pass_changed]
    if not flips:
        return ()
    overrides = {a.attempt_id: a.passed_after for a in flips}
    user_ids = sorted({a.user_id for a in flips})
    history: dict[int, list[tuple[int, str, bool | None]]] = defaultdict(list)
    for attempt_id, user_id, slug, passed in session.execute(
        sa.select(Attempt.id, Attempt.user_id, Module.slug, Attempt.passed)
        .join(Module, Module.id == Attempt.module_id)
        .where(Attempt.user_id.in_(user_ids), Attempt.status.in_(GRADED))
    ):
        history[user_id].append((attempt_id, slug, passed))
    active = _active_completions(session, user_ids)
    programs = session.scalars(sa.select(Program).order_by(Program.id)).all()
    out: list[p.CompletionChange] = []
    for user_id in user_ids:
        mine = [a for a in flips if a.user_id == user_id]
        trainee = _Trainee(
            user_id,
            mine[0].email,
            p.passed_modules(history[user_id]),
            p.passed_modules(history[user_id], overrides),
            {a.module for a in mine},
            {a.module: a.attempt_id for a in mine if a.passed_after},
        )
        for program in programs:
            out.extend(_program_changes(session, trainee, program, active))
    return tuple(out)


def _active_completions(
    session: Session, user_ids: list[int]
) -> dict[tuple[int, int], list[Completion]]:
    found: dict[tuple[int, int], list[Completion]] = defaultdict(list)
    for completion in session.scalars(
        sa.select(Completion)
        .where(Completion.user_id.in_(user_ids), Completion.status.in_(ACTIVE))
        .order_by(Completion.cycle)
    ):
        found[(completion.user_id, completion.program_id)].append(completion)
    return found


def _program_changes(
    session: Session,
    trainee: _Trainee,
    program: Program,
    active: dict[tuple[int, int], list[Completion]],
) -> list[p.CompletionChange]:
    """The initial completion (every required module passed) and the renewal (the renewal
    module passed, a current certificate held) of one program, when their eligibility flips."""
    out = []
    mine = active.get((trainee.user_id, program.id), [])
    required = eligibility.required_modules(program.module_slugs, program.final_exam_slug)
    if trainee.changed & set(required):
        was = eligibility.check_eligibility(required, trainee.before)
        now = eligibility.check_eligibility(required, trainee.after)
        if was.eligible != now.eligible:
            initial = next((c for c in mine if c.cycle == 1), None)
            cites = [trainee.newly_passed[s] for s in required if s in trainee.newly_passed]
            out.append(
                _change(session, trainee, program, initial, False, was.eligible, now.eligible)
                | {"missing": tuple(now.missing), "attempt_id": max(cites, default=None)}
            )
    renewal = program.renewal_module_slug
    if renewal and renewal in trainee.changed:
        was_ok, now_ok = renewal in trainee.before, renewal in trainee.after
        if was_ok != now_ok:
            latest = next((c for c in reversed(mine) if c.cycle > 1), None)
            change = _change(session, trainee, program, latest, True, was_ok, now_ok)
            if change["action"] == p.RECORD and not cert_services.current_certificate(
                session, trainee.user_id, program.id
            ):
                change["action"] = p.NONE  # nothing to renew
            out.append(change | {"attempt_id": trainee.newly_passed.get(renewal)})
    return [p.CompletionChange(**c) for c in out]


def _change(
    session: Session,
    trainee: _Trainee,
    program: Program,
    completion: Completion | None,
    renewal: bool,
    before: bool,
    after: bool,
) -> dict:
    action = p.completion_action(
        exists=completion is not None,
        flagged=completion is not None and completion.regrade_flag is not None,
        eligible_before=before,
        eligible_after=after,
    )
    serial = ""
    if completion is not None:
        serial = (
            session.scalar(
                sa.select(Certificate.serial).where(
                    Certificate.completion_id == completion.id,
                    Certificate.revoked_at.is_(None),
                    Certificate.superseded_at.is_(None),
                )
            )
            or ""
        )
    return {
        "user_id": trainee.user_id,
        "email": trainee.email,
        "program": program.slug,
        "completion_id": completion.id if completion is not None else None,
        "status": completion.status.value if completion is not None else "",
        "renewal": renewal,
        "eligible_before": before,
        "eligible_after": after,
        "action": action,
        "certificate": serial,
    }


# ---------------------------------------------------------------- applying


def apply_regrade(
    session: Session,
    actor: User | None,
    raw_key: object,
    *,
    expected_digest: str | None = None,
    settings: IssuerSettings | None = None,
    mail: MailContext | None = None,
) -> p.Plan:
    """Store the plan of ``plan_regrade`` (and return it); flushes, never commits.

    ``expected_digest``: the digest of the dry run the administrator saw; PlanChanged when
    the plan is no longer that one. ``settings`` sign the certificate of a program without
    review when a trainee now completes it. ``mail``: tell each trainee whose result changed
    (None: no mail). An empty plan writes nothing (applying twice is harmless).
    """
    # Concurrent regrades of one question queue on its row (PostgreSQL; SQLite has one
    # writer): the second one's plan then sees the first one's results and finds nothing.
    session.execute(
        sa.select(Question.id).where(Question.key == check_key(raw_key)).with_for_update()
    )
    plan = plan_regrade(session, raw_key)
    if expected_digest is not None and plan.digest() != expected_digest:
        raise PlanChanged()
    if plan.empty:
        return plan
    _store_scores(session, plan.attempts)
    _store_completions(session, plan, settings)
    question = session.scalar(sa.select(Question).where(Question.key == plan.question))
    record(
        session,
        actor,
        "attempts.regraded",
        "question",
        question.id if question is not None else None,
        _audit_details(plan),
    )
    if mail is not None:
        _tell_trainees(session, plan, mail)
    session.flush()
    return plan


def _store_scores(session: Session, attempts: Iterable[p.AttemptChange]) -> None:
    attempts = list(attempts)
    for change in attempts:
        for item_change in change.items:
            session.execute(
                sa.update(AttemptItem)
                .where(AttemptItem.id == item_change.item_id)
                .values(score=item_change.after)
                .execution_options(synchronize_session=False)
            )
        session.execute(
            sa.update(Attempt)
            .where(Attempt.id == change.attempt_id)
            .values(
                score=change.score_after, percent=change.percent_after, passed=change.passed_after
            )
            .execution_options(synchronize_session=False)
        )
    if attempts:
        # Item marks changed under the modules' analyses (app/analysis/item_analysis.py).
        modules = session.scalars(
            sa.select(Attempt.module_id)
            .where(Attempt.id.in_([c.attempt_id for c in attempts]))
            .distinct()
        )
        store.forget(session, store.ITEM_ANALYSIS, list(modules))
    session.expire_all()


def _store_completions(session: Session, plan: p.Plan, settings: IssuerSettings | None) -> None:
    today = clock.utcnow().strftime("%Y-%m-%d")
    for change in plan.completions:
        if change.action in (p.FLAG, p.UNFLAG):
            completion = session.get(Completion, change.completion_id)
            if completion is None:  # pragma: no cover - the plan read it in this transaction
                raise PlanChanged()
            completion.regrade_flag = (
                p.flag_text(plan.question, plan.version_no, today, change.missing)
                if change.action == p.FLAG
                else None
            )
        elif change.action == p.RECORD:
            user = session.get(User, change.user_id)
            program = session.scalar(sa.select(Program).where(Program.slug == change.program))
            attempt = session.get(Attempt, change.attempt_id) if change.attempt_id else None
            if user is None or program is None:  # pragma: no cover - read in this transaction
                raise PlanChanged()
            cert_services.record_completion(
                session, user, program, attempt=attempt, renewal=change.renewal, settings=settings
            )
    session.flush()


def _audit_details(plan: p.Plan) -> dict:
    return {
        "question": plan.question,
        "version": plan.version_no,
        "attempts": [
            {
                "attempt_id": a.attempt_id,
                "user_id": a.user_id,
                "module": a.module,
                "score": [a.score_before, a.score_after],
                "percent": [a.percent_before, a.percent_after],
                "passed": [a.passed_before, a.passed_after],
                "items": [[i.item_id, i.before, i.after] for i in a.items],
            }
            for a in plan.attempts
        ],
        "completions": [
            {
                "user_id": c.user_id,
                "program": c.program,
                "completion_id": c.completion_id,
                "renewal": c.renewal,
                "eligible": [c.eligible_before, c.eligible_after],
                "action": c.action,
            }
            for c in plan.completions
        ],
    }


def _tell_trainees(session: Session, plan: p.Plan, mail: MailContext) -> None:
    """One message per trainee whose result changed, written to the outbox."""
    for user_id in plan.users():
        user = session.get(User, user_id)
        if user is None:  # pragma: no cover - read in this transaction
            continue
        with in_language_of(user):
            queue(
                session,
                user.email,
                "regrade_result",
                _("%(site)s: your results were regraded", site=mail.site_name),
                name=user.name,
                site=mail.site_name,
                url=mail.results_url,
                attempts=[a for a in plan.attempts if a.user_id == user_id],
                completions=[
                    c for c in plan.completions if c.user_id == user_id and c.action != p.NONE
                ],
            )
