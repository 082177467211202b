"""Progress pages: the trainee dashboard, practice weak areas, the instructor's cohort view.

Thin: parse, call queries/services, render, commit once. A trainee's progress page is looked
up with the viewer in the query: another trainee's id is a 404, like a missing one.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import clock, csv_export
from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.enrolment import queries as enrolment_queries
from app.errors import NotFound
from app.extensions import db
from app.i18n import gettext as _
from app.licensing import queries as licensing_queries
from app.progress import charts, custom_practice, mastery, queries, self_rating, services
from app.progress.forms import CohortFilterForm, PracticeAnswerForm
from app.progress.practice_forms import PracticeBuilderForm, SelfRatingForm
from app.progress.presenters import answered_view, served_view, summary_cards
from app.quiz.errors import ResponseRejected
from app.quiz.forms import AnswerInvalid, parse_response
from app.quiz.services import ensure_no_open_exam
from app.settings import effective_settings, get_settings
from app.web import form_errors

bp = Blueprint("progress", __name__)


def new_per_day() -> int:
    return get_settings().practice_new_per_day


def _secret() -> str:
    return get_settings().practice_secret


def _render_dashboard(user: User, *, own: bool):  # type: ignore[no-untyped-def]
    data = queries.dashboard(db.session, user, new_per_day())
    topic_chart = charts.bar_chart(
        [(r.label, r.value, r.answered, r.level) for r in data.mastery.topics],
        threshold=mastery.WEAK_BELOW,
    )
    objective_chart = charts.bar_chart(
        [(r.label, r.value, r.answered, r.level) for r in data.mastery.objectives],
        threshold=mastery.WEAK_BELOW,
    )
    history_chart = charts.history_chart(
        [
            (h.submitted_at, h.percent, h.module_slug, h.module_title, h.passed, h.pass_mark)
            for h in data.history
        ]
    )
    return render_template(
        "progress/dashboard.html",
        data=data,
        own=own,
        cards=summary_cards(data),
        topic_chart=topic_chart,
        objective_chart=objective_chart,
        history_plot=history_chart,
        marker_points=charts.marker_points,
        weak_below=round(100 * mastery.WEAK_BELOW),
        quiz_links="quiz.module" in current_app.view_functions,
        min_evidence=mastery.MIN_EVIDENCE,
        jurisdictions=licensing_queries.standings(db.session, user, only_chosen=True),
    )


@bp.get("/dashboard")
@login_required
@role_required(Role.TRAINEE)
def dashboard():  # type: ignore[no-untyped-def]
    """The trainee's home: modules, next step, certificates, mastery, history, practice due."""
    return _render_dashboard(current_user._get_current_object(), own=True)


@bp.get("/progress/<int:user_id>")
@login_required
def trainee(user_id: int):  # type: ignore[no-untyped-def]
    """A trainee's dashboard, read-only: the trainee themself, the instructors of their
    cohorts and admins."""
    viewer = current_user._get_current_object()
    stmt = db.select(User).where(User.id == user_id, User.role == Role.TRAINEE)
    user = db.session.scalar(stmt)
    # Another cohort's trainee is a 404, like a missing one (app.enrolment.queries).
    if user is None or not enrolment_queries.may_see_trainee(db.session, viewer, user.id):
        raise NotFound()
    return _render_dashboard(user, own=user.id == viewer.id)


# ---------------------------------------------------------------- practice


def _next_item(user: User):  # type: ignore[no-untyped-def]
    slots = queries.practice_queue(db.session, user, new_per_day(), limit=1)
    if not slots:
        return None
    slot = slots[0]
    return _served(user, slot.version, slot.objective, slot=slot)


def _served(user: User, version, objective: str, slot=None):  # type: ignore[no-untyped-def]
    """A practice item to show: its token and its view (serving changes nothing)."""
    token, nonce = services.serve(user, version.id, objective, secret=_secret())
    view = served_view(version, version.as_question(), _secret(), nonce)
    return {"slot": slot, "objective": objective, "token": token, "view": view}


def _practice_page(user: User, item, error: str | None = None, status: int = 200, **extra):  # type: ignore[no-untyped-def]
    """The practice page with ``item`` (queue or set); ``error`` shown inside the question."""
    return (
        render_template(
            "progress/practice.html",
            item=item,
            summary=queries.practice_summary(db.session, user, new_per_day()),
            texts=queries.objective_texts(db.session),
            error=error,
            **extra,
        ),
        status,
    )


@bp.get("/practice")
@login_required
@role_required(Role.TRAINEE)
def practice():  # type: ignore[no-untyped-def]
    """The next practice item (serving it changes nothing; the answer POST does)."""
    user = current_user._get_current_object()
    ensure_no_open_exam(db.session, user, grace_seconds=effective_settings().attempt_grace_seconds)
    return _practice_page(user, _next_item(user), practice_set=_current_set())


@bp.post("/practice")
@login_required
@role_required(Role.TRAINEE)
def answer():  # type: ignore[no-untyped-def]
    """Score the answer, review the objective's card, show the feedback at once.

    A refused answer (nothing chosen, a value that is not a number...) shows the same served
    item again (its token, so the same question in the same order) with the message inside
    that question, directly above its answer fields, and what was posted kept where it can
    be read."""
    user = current_user._get_current_object()
    ensure_no_open_exam(db.session, user, grace_seconds=effective_settings().attempt_grace_seconds)
    form = PracticeAnswerForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data or ""
    served, version, question = services.served_item(db.session, user, token, secret=_secret())
    view = served_view(version, question, _secret(), served.nonce)
    with form_errors(catch=(AnswerInvalid, ResponseRejected)) as outcome:
        response = parse_response(view, request.form)
        if response is None:
            raise AnswerInvalid(_("Choose or enter an answer before checking it."))
        result = services.answer_practice(db.session, user, token, response, secret=_secret())
    in_set = request.form.get("in_set") == "1"
    if not outcome.ok:
        item = {"slot": None, "objective": served.objective, "token": token, "view": view}
        state = _current_set() if in_set else None
        return _practice_page(
            user, item, outcome.message, 400, practice_set=state, in_set=state is not None
        )
    return _feedback_page(user, result, in_set)


def _feedback_page(user: User, result, in_set: bool):  # type: ignore[no-untyped-def]
    state = _current_set() if in_set else None
    if state is not None and not result.replayed:
        state = state.advanced(result.version.id)
        session[custom_practice.SESSION_KEY] = state.to_session()
    texts = queries.objective_texts(db.session)
    objective = result.answer.objective
    return render_template(
        "progress/practice_feedback.html",
        view=answered_view(result),
        objective=objective,
        objective_text=texts.get(objective, objective),
        card=result.card,
        summary=queries.practice_summary(db.session, user, new_per_day()),
        practice_set=state,
        rating_form=SelfRatingForm(formdata=None, token=request.form.get("token", "")),
        in_set=in_set,
    )


# ---------------------------------------------------------------- practice of your own choosing


def _current_set() -> custom_practice.SetState | None:
    return custom_practice.from_session(session.get(custom_practice.SESSION_KEY))


def _builder_form() -> PracticeBuilderForm:
    form = PracticeBuilderForm()
    topics, objectives = custom_practice.choices(db.session, queries.objective_texts(db.session))
    form.topic.choices = [SelectChoice("", _("Any topic"))] + [
        SelectChoice(c.value, c.label) for c in topics
    ]
    form.objective.choices = [SelectChoice("", _("Any objective"))] + [
        SelectChoice(c.value, c.label) for c in objectives
    ]
    return form


@bp.route("/practice/build", methods=["GET", "POST"])
@login_required
@role_required(Role.TRAINEE)
def practice_build():  # type: ignore[no-untyped-def]
    """Build a practice set: topic, objective, count, only previously wrong or flagged."""
    user = current_user._get_current_object()
    ensure_no_open_exam(db.session, user, grace_seconds=effective_settings().attempt_grace_seconds)
    form = _builder_form()
    empty = False
    if request.method == "POST":
        if not form.validate():
            return render_template("progress/practice_builder.html", form=form), 400
        versions = custom_practice.build(
            db.session,
            user,
            topic=form.topic.data or "",
            objective=form.objective.data or "",
            count=form.count.data or 0,
            only_missed=bool(form.only_missed.data),
        )
        if versions:
            state = custom_practice.SetState(versions, 0)
            session[custom_practice.SESSION_KEY] = state.to_session()
            return redirect(url_for("progress.practice_set"))
        empty = True
    return render_template(
        "progress/practice_builder.html", form=form, empty=empty, practice_set=_current_set()
    )


@bp.get("/practice/set")
@login_required
@role_required(Role.TRAINEE)
def practice_set():  # type: ignore[no-untyped-def]
    """The current question of the trainee's own practice set (serving it changes nothing)."""
    user = current_user._get_current_object()
    ensure_no_open_exam(db.session, user, grace_seconds=effective_settings().attempt_grace_seconds)
    state = _current_set()
    while state is not None and not state.finished:
        version = custom_practice.version(db.session, state.current)  # type: ignore[arg-type]
        if version is not None:
            item = _served(user, version, version.objective or "")
            return _practice_page(user, item, practice_set=state, in_set=True)
        state = state.advanced(state.current)  # type: ignore[arg-type]  # withdrawn: skip
        session[custom_practice.SESSION_KEY] = state.to_session()
    return render_template(
        "progress/practice_builder.html",
        form=_builder_form(),
        practice_set=state,
        finished=state is not None,
    )


@bp.post("/practice/rate")
@login_required
@role_required(Role.TRAINEE)
def practice_rate():  # type: ignore[no-untyped-def]
    """The trainee's own rating of the answer just checked; it replaces the automatic one."""
    user = current_user._get_current_object()
    form = SelfRatingForm()
    if not form.validate_on_submit():
        abort(400)
    refusals = (
        self_rating.SelfRatingRefused,
        self_rating.SelfRatingInvalid,
        self_rating.SelfRatingNotAllowed,
    )
    with form_errors(catch=refusals, flash=True) as outcome:
        self_rating.rate(db.session, user, form.token.data, form.rating.data, secret=_secret())
    if outcome.ok:
        flash(_("Your rating was recorded: your next review follows it."), "success")
    in_set = request.form.get("in_set") == "1"
    return redirect(url_for("progress.practice_set" if in_set else "progress.practice"))


# ---------------------------------------------------------------- cohort


def _cohort_filters() -> tuple[CohortFilterForm, dict]:
    """The validated filters; the program and the trainees in scope (a cohort the viewer may
    not see is a 404)."""
    viewer = current_user._get_current_object()
    form = CohortFilterForm(request.args)
    everyone = enrolment_queries.sees_every_trainee(viewer)
    form.cohort.choices = [("", _("All trainees") if everyone else _("All my trainees"))] + [
        (str(c.id), c.name) for c in enrolment_queries.cohorts_visible_to(db.session, viewer)
    ]
    if request.args and not form.validate():
        if form.cohort.errors and not set(form.errors) - {"cohort"}:
            raise NotFound()
        abort(400)
    chosen = None
    if form.cohort.data:
        chosen = enrolment_queries.visible_cohort(db.session, viewer, int(form.cohort.data))
        if chosen is None:
            raise NotFound()
    program = chosen.program if chosen else queries.current_program(db.session)
    return form, {
        "search": form.q.data or "",
        "status": form.status.data or "",
        "sort": form.sort.data or "name",
        "descending": form.order.data == "desc",
        "program": program,
        "scope": enrolment_queries.roster_scope(viewer, program, chosen),
    }


@bp.get("/cohort")
@login_required
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def cohort():  # type: ignore[no-untyped-def]
    """Trainees of the program with progress, last activity and weak topics, a page at a time:
    an instructor's own cohorts only (or one of them), any cohort for an admin."""
    form, filters = _cohort_filters()
    program = filters.pop("program")
    page = queries.cohort_page(
        db.session,
        program,
        **filters,
        page=form.page.data or 1,
        per_page=int(form.per_page.data or queries.COHORT_PAGE_SIZES[0]),
    )
    # Links keep the filters (validated values only), never the raw query string.
    args = {
        "q": form.q.data or None,
        "status": form.status.data or None,
        "sort": form.sort.data,
        "order": form.order.data,
        "cohort": form.cohort.data or None,
    }
    return render_template(
        "progress/cohort.html",
        form=form,
        cohort=page,
        rows=page.rows,
        program=program,
        filter_args={k: v for k, v in args.items() if v},
        per_page=page.per_page,
    )


@bp.get("/cohort.csv")
@login_required
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def cohort_csv() -> Response:
    """The filtered cohort as CSV (cells that could run as formulas are quoted)."""
    _, filters = _cohort_filters()
    program = filters.pop("program")
    rows = queries.cohort(db.session, program, **filters)
    body = csv_export.to_csv(
        [
            "name",
            "email",
            "status",
            "modules_passed",
            "modules_total",
            "last_activity",
            "weak_topics",
        ],
        (
            [
                r.name,
                r.email,
                r.status,
                r.modules_passed,
                r.modules_total,
                r.last_activity.isoformat() if r.last_activity else "",
                "; ".join(r.weak_topics),
            ]
            for r in rows
        ),
    )
    stamp = clock.utcnow().strftime("%Y%m%d")
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="cohort-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
