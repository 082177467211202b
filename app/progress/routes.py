"""Progress pages: the trainee dashboard, practice weak areas, the instructor's cohort view.

Thin: parse, call queries/services, render, commit once. A trainee's progress page is looked
up with the viewer in the query: another trainee's id is a 404, like a missing one.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from app import clock, csv_export
from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.enrolment import queries as enrolment_queries
from app.errors import NotFound
from app.extensions import db
from app.licensing import queries as licensing_queries
from app.progress import charts, mastery, queries, services
from app.progress.forms import CohortFilterForm, PracticeAnswerForm
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
    token, nonce = services.serve(user, slot.version.id, slot.objective, secret=_secret())
    view = served_view(slot.version, slot.version.as_question(), _secret(), nonce)
    return {"slot": slot, "token": token, "view": view}


@bp.get("/practice")
@login_required
@role_required(Role.TRAINEE)
def practice():  # type: ignore[no-untyped-def]
    """The next practice item (serving it changes nothing; the answer POST does)."""
    user = current_user._get_current_object()
    ensure_no_open_exam(db.session, user, grace_seconds=effective_settings().attempt_grace_seconds)
    item = _next_item(user)
    form = PracticeAnswerForm(formdata=None, token=item["token"] if item else "")
    summary = queries.practice_summary(db.session, user, new_per_day())
    return render_template(
        "progress/practice.html",
        item=item,
        form=form,
        summary=summary,
        texts=queries.objective_texts(db.session),
        error=None,
    )


@bp.post("/practice")
@login_required
@role_required(Role.TRAINEE)
def answer():  # type: ignore[no-untyped-def]
    """Score the answer, review the objective's card, show the feedback at once."""
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
            raise AnswerInvalid("Choose or enter an answer before checking it.")
        result = services.answer_practice(db.session, user, token, response, secret=_secret())
    texts = queries.objective_texts(db.session)
    if not outcome.ok:
        summary = queries.practice_summary(db.session, user, new_per_day())
        item = {"slot": None, "objective": served.objective, "token": token, "view": view}
        return (
            render_template(
                "progress/practice.html",
                item=item,
                form=form,
                summary=summary,
                texts=texts,
                error=outcome.message,
            ),
            400,
        )
    summary = queries.practice_summary(db.session, user, new_per_day())
    return render_template(
        "progress/practice_feedback.html",
        view=answered_view(result),
        objective=result.answer.objective,
        objective_text=texts.get(result.answer.objective, result.answer.objective),
        card=result.card,
        summary=summary,
    )


# ---------------------------------------------------------------- cohort


def _cohort_filters() -> tuple[CohortFilterForm, dict]:
    """The validated filters; the program and the trainees in scope (a cohort the viewer may
    not see is a 404)."""
    viewer = current_user._get_current_object()
    form = CohortFilterForm(request.args)
    everyone = enrolment_queries.sees_every_trainee(viewer)
    form.cohort.choices = [("", "All trainees" if everyone else "All my trainees")] + [
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
