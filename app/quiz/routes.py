"""The trainee's pages of the quiz engine: modules, taking an attempt, summary, result.

Thin: parse, call the services (which check ownership in their queries), render, commit once.
Every attempt is looked up with the current user in the query, so another trainee's attempt is
a 404 with the same body as a missing one. What a page shows of keys and feedback is decided by
``presenters.may_show_*`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from app import clock
from app.auth import accommodations
from app.auth.decorators import role_required
from app.auth.models import Role
from app.banks import models as bm
from app.banks.schema import Mode
from app.errors import DomainError, json_error
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import select_time_zone
from app.questions import registry
from app.quiz import presenters, queries, results, services
from app.quiz.errors import (
    AttemptClosed,
    AttemptNotFound,
    DeadlinePassed,
    ModuleNotFound,
)
from app.quiz.forms import AnswerForm, AnswerInvalid, EmptyForm, SubmitForm, parse_response
from app.quiz.models import Attempt, AttemptItem
from app.settings import effective_settings
from app.transactions import commit_with_retry
from app.web import done, html_action

bp = Blueprint("quiz", __name__)


bp.add_app_template_global(presenters.navigator_groups, "navigator_groups")
bp.add_app_template_global(select_time_zone, "current_time_zone")


@bp.app_template_filter("inline_md")
def inline_md(html: str) -> Markup:
    """Sanitised Markdown HTML (from render_markdown) without its one wrapping paragraph."""
    text = str(html).strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return Markup(text)  # already sanitised by app.text.render_markdown (nh3)


def _grace() -> int:
    return effective_settings().attempt_grace_seconds


def trainee_json(view: Callable[..., Any]) -> Callable[..., Any]:
    """Like ``login_required`` + ``role_required("trainee")``, answering JSON 401/403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return json_error(401, "unauthorized", _("Your session has expired: log in again."))
        if current_user.role != Role.TRAINEE:
            return json_error(403, "forbidden", _("You are not allowed to do this."))
        return view(*args, **kwargs)

    return wrapped


# ---------------------------------------------------------------- modules


@bp.get("/modules")
@login_required
@role_required("trainee")
def modules():  # type: ignore[no-untyped-def]
    rows = queries.visible_modules(db.session, current_user)
    states = queries.module_states(db.session, current_user, rows)
    return render_template(
        "quiz/modules.html", states=[states[m.slug] for m in rows], lengths=_lengths(rows)
    )


def _lengths(rows: list[bm.Module]) -> dict[str, dict[str, Any]]:
    """Each module's questions, cases and case steps, counted truthfully."""
    counts = queries.case_step_counts(db.session, rows)
    return {m.slug: presenters.module_length(m, counts.get(m.slug)) for m in rows}


@bp.get("/modules/<slug>")
@login_required
@role_required("trainee")
def module(slug: str):  # type: ignore[no-untyped-def]
    row = _module(slug)
    state = queries.module_state(db.session, current_user, row)
    attempts = queries.attempts_of(db.session, current_user, row)
    return render_template(
        "quiz/module.html",
        state=state,
        module=row,
        length=_lengths([row])[row.slug],
        attempts=attempts,
        form=EmptyForm(),
        time_factor=accommodations.terms_for(db.session, current_user.id).time_factor,
    )


def _module_page(slug: str) -> str:
    return url_for("quiz.module", slug=slug)


@bp.post("/modules/<slug>/start")
@login_required
@role_required("trainee")
@html_action(_module_page, retry=True)
def start(slug: str):  # type: ignore[no-untyped-def]
    row = _module(slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        return done(_module_page(slug), _("The form expired: please try again."), "error")
    attempt = services.start_attempt(db.session, current_user, row, grace_seconds=_grace())
    first_open = next((i.position for i in attempt.items if i.response is None), 1)
    return redirect(url_for("quiz.take", attempt_id=attempt.id, position=first_open))


def _module(slug: str) -> bm.Module:
    row = queries.visible_module(db.session, current_user, slug)
    if row is None:
        raise ModuleNotFound()
    return row


# ---------------------------------------------------------------- taking


def _attempt(attempt_id: int) -> Attempt:
    attempt = queries.attempt_for(db.session, current_user.id, attempt_id)
    if attempt is None:
        raise AttemptNotFound()
    return attempt


def _closed(attempt: Attempt) -> bool:
    """True when the attempt is closed (grading it now, and committing, if its time ran out)."""
    if (
        attempt.is_open
        and services.close_if_expired(db.session, attempt, grace_seconds=_grace()) is not None
    ):
        db.session.commit()
    return not attempt.is_open


def _item_at(attempt: Attempt, position: int) -> AttemptItem:
    if not 1 <= position <= len(attempt.items):
        raise AttemptNotFound()
    return attempt.items[position - 1]


def _is_disclosed(attempt: Attempt, item: AttemptItem) -> bool:
    """A case step opens once the step before it is answered (and so locked)."""
    return item.id in presenters.visible_item_ids(attempt)


def _view(attempt: Attempt, item: AttemptItem, visible: bool = True) -> dict[str, Any]:
    version = item.version
    question = version.as_question()
    media_url = (
        url_for("banks.media", sha256=version.media_sha256) if version.media_sha256 else None
    )
    view = presenters.item_view(item, question, media_url=media_url, visible=visible)
    if visible:
        facet = registry.get(question.type).quiz
        view.update(facet.page_view(question, item.display, item.response))
    if visible and presenters.may_show_feedback(attempt, item):
        view["feedback"] = presenters.feedback_view(item, question)
    elif visible and presenters.may_show_correctness(attempt, item) and not attempt.is_open:
        view["correctness"] = presenters.correctness_view(item)
    return view


def _navigator(attempt: Attempt) -> list[dict[str, Any]]:
    return presenters.navigator_view(attempt)


def _case_context(attempt: Attempt, item: AttemptItem) -> dict[str, Any] | None:
    """The vignette, and each earlier step of the case with its disclosure, read-only."""
    case = presenters.case_view(item, visible=True)
    if case is None:
        return None
    earlier = [
        {"view": _view(attempt, i), "case": presenters.case_view(i, visible=True)}
        for i in attempt.items
        if i.case_version_id == item.case_version_id and (i.case_step or 0) < case["step"]
    ]
    for e in earlier:
        e["summary"] = presenters.answer_summary(e["view"])
        e["verdict"] = presenters.verdict(attempt, attempt.items[e["view"]["position"] - 1])
    case["earlier"] = earlier
    return case


def _render_take(
    attempt: Attempt,
    item: AttemptItem,
    form: AnswerForm,
    message: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    disclosed = _is_disclosed(attempt, item)
    view = _view(attempt, item, visible=disclosed)
    form.seq.data = item.seq
    form.flagged.data = item.flagged
    return (
        render_template(
            "quiz/take.html",
            attempt=attempt,
            item=item,
            view=view,
            form=form,
            navigator=_navigator(attempt),
            case=_case_context(attempt, item) if disclosed else None,
            message=message,
            now=clock.utcnow(),
            grace=_grace(),
            is_practice=attempt.mode == Mode.PRACTICE,
        ),
        status,
    )


@bp.get("/attempts/<int:attempt_id>")
@login_required
@role_required("trainee")
def attempt(attempt_id: int):  # type: ignore[no-untyped-def]
    found = _attempt(attempt_id)
    if _closed(found):
        return redirect(url_for("quiz.result", attempt_id=found.id))
    first_open = next((i.position for i in found.items if i.response is None), 1)
    return redirect(url_for("quiz.take", attempt_id=found.id, position=first_open))


@bp.get("/attempts/<int:attempt_id>/items/<int:position>")
@login_required
@role_required("trainee")
def take(attempt_id: int, position: int):  # type: ignore[no-untyped-def]
    found = _attempt(attempt_id)
    if _closed(found):
        return redirect(url_for("quiz.result", attempt_id=found.id))
    item = _item_at(found, position)
    return _render_take(found, item, AnswerForm(formdata=None))


def _answer_unreadable(exc: AnswerInvalid, attempt_id: int, position: int) -> tuple[str, int]:
    """The posted answer cannot be read: the page again, with what was posted."""
    found = _attempt(attempt_id)
    return _render_take(found, _item_at(found, position), AnswerForm(), str(exc), 400)


def _answer_late(exc: DomainError, attempt_id: int, position: int):  # type: ignore[no-untyped-def]
    """Closed or past its deadline: grade it now (if not yet) and show the result."""
    _closed(_attempt(attempt_id))
    return done(url_for("quiz.result", attempt_id=attempt_id), exc.message, "error")


def _answer_refused(exc: DomainError, attempt_id: int, position: int) -> tuple[str, int]:
    """Stale, locked or rejected: the page again, with the saved answer and the reason."""
    found = _attempt(attempt_id)
    return _render_take(
        found, _item_at(found, position), AnswerForm(formdata=None), exc.message, exc.status
    )


@bp.post("/attempts/<int:attempt_id>/items/<int:position>")
@login_required
@role_required("trainee")
@html_action(
    errors={
        AnswerInvalid: _answer_unreadable,
        (DeadlinePassed, AttemptClosed): _answer_late,
        DomainError: _answer_refused,
    }
)
def answer(attempt_id: int, position: int):  # type: ignore[no-untyped-def]
    """Save the answer (no JavaScript needed), then go where the pressed button says."""
    form = AnswerForm()
    action = form.action.data or "save"
    quick = _saved_at_position(attempt_id, position, form, action)
    if quick is not None:
        return _no_store(redirect(_after(attempt_id, quick.items, position, action)))
    found = _attempt(attempt_id)
    if _closed(found):
        return done(
            url_for("quiz.result", attempt_id=found.id), str(AttemptClosed.message), "error"
        )
    item = _item_at(found, position)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_take(found, item, form, _("The form could not be read: try again."), 400)
    action = form.action.data or "save"
    saved = _save(found, item, form, request.form, lock=action == "check")
    checked_nothing = action == "check" and not saved and not item.locked
    return done(
        _after(found.id, len(found.items), position, action),
        _("Choose an answer before checking it.") if checked_nothing else None,
        "error",
    )


def _save(attempt: Attempt, item: AttemptItem, form: AnswerForm, posted: Any, lock: bool) -> bool:
    """Save the posted answer and flag through the services; False when nothing was answered."""
    if item.locked or not _is_disclosed(attempt, item):
        if bool(form.flagged.data) != item.flagged:
            services.set_flag(
                db.session, current_user, attempt.id, item.id, bool(form.flagged.data), _grace()
            )
        return False
    view = _view(attempt, item)
    response = parse_response(view, posted)
    flagged = bool(form.flagged.data)
    if response is None or (response == view["response"] and not lock):
        if flagged != item.flagged:
            services.set_flag(db.session, current_user, attempt.id, item.id, flagged, _grace())
        return response is not None
    services.save_response(
        db.session,
        current_user,
        attempt.id,
        item.id,
        response,
        form.seq.data,
        grace_seconds=_grace(),
        lock=lock,
        flagged=flagged,
    )
    return True


def _after(attempt_id: int, last: int, position: int, action: str) -> str:
    if action == "previous" and position > 1:
        return url_for("quiz.take", attempt_id=attempt_id, position=position - 1)
    if action == "next" and position < last:
        return url_for("quiz.take", attempt_id=attempt_id, position=position + 1)
    if action in {"summary", "next"}:
        return url_for("quiz.summary", attempt_id=attempt_id)
    return url_for("quiz.take", attempt_id=attempt_id, position=position)


def _saved_at_position(
    attempt_id: int, position: int, form: AnswerForm, action: str
) -> services.PositionSave | None:
    """The save of a standalone item without loading the attempt (``save_at_position``:
    one conditional ``UPDATE``, or one read and the ``UPDATE``); None when the full path must
    run: the form does not validate, a practice "check", or whatever the service leaves to it.
    AnswerInvalid and domain errors are raised as the full path raises them."""
    if action == "check" or not form.validate():
        return None

    def parse(question: Any, display: dict[str, Any]) -> dict[str, Any] | None:
        facet = registry.get(question.type).quiz
        view = {"type": question.type.value, **facet.item_view(question, display, None)}
        return parse_response(view, request.form)

    return services.save_at_position(
        db.session,
        current_user,
        attempt_id,
        position,
        parse,
        form.seq.data,
        bool(form.flagged.data),
        grace_seconds=_grace(),
    )


def _no_store(response: Response) -> Response:
    """What ``security.set_headers`` would add, set here: asking it would load the session's
    user again after the commit (one statement) to learn that the page is personal."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/attempts/<int:attempt_id>/items/<int:position>/autosave")
@trainee_json
def autosave(attempt_id: int, position: int) -> Response | tuple[Response, int]:
    """The background save of quiz.js: the same form fields, answered in JSON.

    200 ``{"seq", "saved_at", "flagged", "deadline"}`` (the deadline as it is now: an
    administrator may have extended it since the page was shown); 409
    ``{"error": {"code", "message", "result_url"}}`` when stale, closed or late; 400 when the
    answer cannot be read; 404 for others' attempts.
    """
    try:
        quick = _saved_at_position(attempt_id, position, AnswerForm(), "save")
    except AnswerInvalid as exc:
        return json_error(400, "invalid_response", str(exc))
    except DomainError as exc:
        db.session.rollback()
        return json_error(exc.status, exc.code, exc.message)
    if quick is not None:
        db.session.commit()
        return _no_store(_saved_json(quick.seq, quick.flagged, quick.saved_at, quick.deadline))
    found = queries.attempt_for(db.session, current_user.id, attempt_id)
    if found is None or not 1 <= position <= len(found.items):
        return json_error(404, AttemptNotFound.code, AttemptNotFound.message)
    result_url = url_for("quiz.result", attempt_id=found.id)
    if _closed(found):
        return json_error(409, AttemptClosed.code, AttemptClosed.message, result_url=result_url)
    item = _item_at(found, position)
    form = AnswerForm()
    if not form.validate():
        return json_error(400, "invalid_form", _("The answer could not be read: reload the page."))
    try:
        _save(found, item, form, request.form, lock=False)
    except AnswerInvalid as exc:
        return json_error(400, "invalid_response", str(exc))
    except (DeadlinePassed, AttemptClosed) as exc:
        db.session.rollback()
        _closed(_attempt(attempt_id))
        return json_error(409, exc.code, exc.message, result_url=result_url)
    except DomainError as exc:
        db.session.rollback()
        return json_error(exc.status, exc.code, exc.message)
    db.session.commit()
    db.session.refresh(item)
    return _saved_json(item.seq, item.flagged, item.saved_at, found.deadline)


def _saved_json(
    seq: int, flagged: bool, saved_at: datetime | None, deadline: datetime | None
) -> Response:
    return jsonify(
        {
            "seq": seq,
            "flagged": flagged,
            "saved_at": saved_at.isoformat() if saved_at else None,
            "deadline": deadline.isoformat() if deadline else None,
        }
    )


# ---------------------------------------------------------------- summary, submit, result


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
@role_required("trainee")
def summary(attempt_id: int):  # type: ignore[no-untyped-def]
    found = _attempt(attempt_id)
    if _closed(found):
        return redirect(url_for("quiz.result", attempt_id=found.id))
    return _render_summary(found, SubmitForm(formdata=None))


def _render_summary(attempt: Attempt, form: SubmitForm, status: int = 200) -> tuple[str, int]:
    nav = _navigator(attempt)
    return (
        render_template(
            "quiz/summary.html",
            attempt=attempt,
            form=form,
            navigator=nav,
            unanswered=[n for n in nav if not n["answered"]],
            flagged=[n for n in nav if n["flagged"]],
            now=clock.utcnow(),
            grace=_grace(),
        ),
        status,
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
@role_required("trainee")
def submit(attempt_id: int):  # type: ignore[no-untyped-def]
    """Grade the attempt once; a repeated submit shows the same result."""
    found = _attempt(attempt_id)
    if _closed(found):
        return redirect(url_for("quiz.result", attempt_id=found.id))
    form = SubmitForm()
    if not form.validate_on_submit():
        return _render_summary(found, form, 400)
    commit_with_retry(
        lambda: services.submit_attempt(db.session, current_user, found.id, grace_seconds=_grace())
    )
    return redirect(url_for("quiz.result", attempt_id=found.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
@role_required("trainee")
def result(attempt_id: int):  # type: ignore[no-untyped-def]
    """The summary (score, pass mark, grid, breakdown), then the review: ``?show=`` all,
    incorrect or flagged; ``?print=1`` the printable version (everything expanded)."""
    found = _attempt(attempt_id)
    if not _closed(found):
        flash(_("Submit the attempt to see its result."), "info")
        return redirect(url_for("quiz.summary", attempt_id=found.id))
    try:
        which, status = results.parse_filter(request.args.get("show")), 200
    except results.FilterInvalid:
        which, status = "all", 400
    show_items = presenters.may_show_correctness(found)
    secure = presenters.has_secure_items(found)
    rows = queries.breakdown_rows(db.session, found.id) if (secure or show_items) else []
    topics = [r[1] for r in rows] if len(rows) == len(found.items) else [""] * len(found.items)
    cells = results.grid(
        (i.position, i.score, i.max_score, i.flagged, i.response is not None, topic)
        for i, topic in zip(found.items, topics, strict=True)
    )
    page = render_template(
        "quiz/result.html",
        attempt=found,
        views=[_view(found, i) for i in found.items] if show_items else [],
        show_items=show_items,
        show_feedback=presenters.may_show_feedback(found),
        secure=secure,
        summary=results.score_summary(
            found.score, found.max_score, found.percent, found.pass_mark, bool(found.passed)
        ),
        breakdown=results.breakdown(rows, presenters.objective_texts(found.module), found.pass_mark)
        if rows
        else None,
        cells=cells if show_items else [],
        counts=results.filter_counts(cells),
        matches=results.matches,
        which=which,
        filter_error=status == 400,
        print_view=request.args.get("print") == "1",
        notes=[note for hook in services.result_notes for note in hook(db.session, found)],
    )
    return page, status
