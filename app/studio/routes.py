"""The instructor's studio: thin routes (parse, call a service, render, commit once)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from app import csv_export
from app.analysis import item_analysis
from app.auth.decorators import role_required
from app.banks.loader import BankFileInvalid
from app.banks.schema import Case, QuestionBase
from app.derived import store
from app.errors import Conflict, DomainError, ValidationFailed
from app.extensions import db
from app.i18n import gettext as _
from app.questions import studio_facet
from app.quiz.errors import ResponseRejected
from app.quiz.forms import AnswerInvalid, parse_response
from app.rules import fields as rule_fields
from app.rules import queries as rule_queries
from app.rules import services as rule_services
from app.settings import get_settings
from app.studio import (
    authoring,
    diffs,
    imports,
    paging,
    queries,
    question_types,
    services,
    workflow,
)
from app.studio import presenters as studio_presenters
from app.studio import preview as module_preview_logic
from app.studio.authoring import AuthoredKind
from app.studio.forms import (
    CaseForm,
    CommentForm,
    ConfirmImportForm,
    EmptyForm,
    ExportForm,
    ImportForm,
    LimitsForm,
    NewQuestionForm,
    PassMarkForm,
    QuestionForm,
    RatingForm,
    RulesForm,
    UploadImageForm,
    add_starter_rows,
    choices,
    error_summary,
    judgement_form,
)
from app.studio.kinds import CASE, QUESTION
from app.studio.models import RevisionState
from app.text import markdown_html, render_markdown
from app.web import Done, done, form_errors, html_action

bp = Blueprint("studio", __name__, url_prefix="/studio")
question_types.register_template_globals(bp)

STAFF = ("instructor", "admin")
MAX_PREVIEW_CHARS = 20_000
MAX_SKIPS_FLASHED = 5


# ---------------------------------------------------------------- helpers


def _question_form(revision_question: QuestionBase | None = None) -> QuestionForm:
    form = QuestionForm()
    form.topic_id.choices = choices([(t.id, t.slug) for t in queries.topics(db.session)])
    form.set_media_choices(_image_choices())
    form.objective.render_kw = {"list": "objective-options", "autocomplete": "off"}
    if revision_question is not None and request.method == "GET":
        form.fill(revision_question)
    return form


def _image_choices() -> list[Any]:
    """The image chooser of a question form: each uploaded image by its file name (and size
    in pixels); the value is the image's reference, ``<sha256>.<ext>``."""
    pairs: list[tuple[str, str]] = [("", str(_("— choose an uploaded image —")))]
    for sha, ct, name, width, height in queries.media_choices(db.session):
        label = name or sha[:12]
        if width and height:
            label = _("%(name)s (%(w)s × %(h)s px)", name=label, w=width, h=height)
        pairs.append((f"{sha}.{services.EXTENSIONS.get(ct, 'bin')}", label))
    return choices(pairs)


def _preview_draft(form: QuestionForm, context: dict[str, Any]):  # type: ignore[no-untyped-def]
    """The edit page with the posted draft shown through the trainee's own renderer (the
    question type's templates) and its key; nothing is saved. A draft that does not validate
    shows its errors instead (status 400)."""
    if not form.validate_on_submit():
        return render_template("studio/edit.html", **context), 400
    question = form.to_question()
    if question is None:
        return render_template("studio/edit.html", **context), 400
    try:
        media = services.media_for(db.session, question)
    except ValidationFailed as exc:
        form.form_errors = [*form.form_errors, exc.message]
        return render_template("studio/edit.html", **context), 400
    draft = {
        "view": studio_presenters.trainee_view(question, media),
        "key": studio_presenters.key_view(question, media),
        "question": question,
    }
    return render_template("studio/edit.html", **context, draft_preview=draft)


# ---------------------------------------------------------------- overview


#: The lists of the overview: (name in the template, search parameter, page parameter).
INDEX_LISTS = (
    ("rows", "q", "page"),
    ("cases", "cq", "cpage"),
    ("modules", "mq", "mpage"),
    ("queue", "rq", "rpage"),
    ("case_queue", "crq", "crpage"),
    ("drafts", "dq", "dpage"),
)


def _index_lists(topic: str | None, status: str | None) -> dict[str, Any]:
    args = {name: paging.list_args(request.args, q, p) for name, q, p in INDEX_LISTS}
    qrev, crev = QUESTION.revision_model, CASE.revision_model
    return {
        "rows": queries.questions_page(db.session, args["rows"], topic, status),
        "cases": queries.cases_page(db.session, args["cases"]),
        "modules": queries.modules_page(db.session, args["modules"]),
        "queue": queries.revisions_page(db.session, qrev, args["queue"]),
        "case_queue": queries.revisions_page(db.session, crev, args["case_queue"]),
        "drafts": queries.revisions_page(db.session, qrev, args["drafts"], current_user.id),
    }


@bp.get("/")
@login_required
@role_required(*STAFF)
def index():  # type: ignore[no-untyped-def]
    """The studio's overview: every list searchable and paged by its own query parameters."""
    topic = request.args.get("topic") or None
    status = request.args.get("status") or None
    lists = _index_lists(topic, status)
    refused = any(page.args.problem for page in lists.values())
    return render_template(
        "studio/index.html",
        **lists,
        programs=queries.programs(db.session),
        topics=queries.topics(db.session),
        topic=topic,
        status=status,
        new_form=NewQuestionForm(meta={"csrf": False}),
    ), (400 if refused else 200)


@bp.app_template_global("studio_objectives")
def studio_objectives() -> list[tuple[str, str]]:
    """The known learning objectives (id, text) for the objective picker."""
    return queries.known_objectives(db.session)


@bp.app_template_global("args_without")
def args_without(args: Any, *names: str) -> dict[str, str]:
    """The query parameters ``args`` without ``names`` (the pager's links keep the others)."""
    return {k: v for k, v in args.items() if k not in names}


# ---------------------------------------------------------------- authoring


@bp.route("/questions/new", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def new_question():  # type: ignore[no-untyped-def]
    form = _question_form()
    qtype = request.values.get("type", studio_facet.default_type())
    if studio_facet.facet(qtype) is None:
        abort(404)
    if request.method == "GET":
        form.type.data = qtype
        add_starter_rows(form)
        return render_template("studio/edit.html", form=form, revision=None, qtype=qtype)
    form.type.data = qtype
    if request.form.get("action") == "preview":
        return _preview_draft(form, {"form": form, "revision": None, "qtype": qtype})
    if form.apply_row_action(request.form.get("action", "")):
        return render_template("studio/edit.html", form=form, revision=None, qtype=qtype)
    status = 400
    if form.validate_on_submit():
        question = form.to_question()
        if question is not None:
            with form_errors(form, catch=ValidationFailed, key=services.KeyTaken) as outcome:
                revision = services.create_question(
                    db.session, current_user, form.topic_id.data, question
                )
            if outcome.ok:
                flash(_("Draft saved."), "success")
                return redirect(url_for("studio.edit_revision", revision_id=revision.id))
            status = outcome.status
    return render_template("studio/edit.html", form=form, revision=None, qtype=qtype), status


@bp.route("/revisions/<int:revision_id>/edit", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def edit_revision(revision_id: int):  # type: ignore[no-untyped-def]
    revision = workflow.own_open(db.session, current_user, QUESTION, revision_id)
    form = _question_form(revision.version.as_question())
    qtype = revision.version.type.value
    form.type.data = qtype
    form.key.data = revision.question.key
    context = {"form": form, "revision": revision, "qtype": qtype}
    if request.method == "GET":
        return render_template("studio/edit.html", **context)
    if request.form.get("action") == "preview":
        return _preview_draft(form, context)
    if form.apply_row_action(request.form.get("action", "")):
        return render_template("studio/edit.html", **context)
    if form.validate_on_submit():
        question = form.to_question()
        if question is not None:
            with form_errors(form, catch=ValidationFailed) as outcome:
                services.save_draft(db.session, current_user, revision.id, question)
            if outcome.ok:
                flash(_("Draft saved."), "success")
                return redirect(url_for("studio.edit_revision", revision_id=revision_id))
    return render_template("studio/edit.html", **context), 400


@bp.post("/preview")
@login_required
@role_required(*STAFF)
def preview():  # type: ignore[no-untyped-def]
    """Markdown → the sanitised HTML a trainee would see (JSON; CSRF header required)."""
    payload = request.get_json(silent=True) or {}
    text = payload.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_PREVIEW_CHARS:
        return jsonify({"error": {"code": "bad_request", "message": "text"}}), 400
    return jsonify({"html": markdown_html(text)})


@bp.post("/questions/<int:question_id>/delete")
@login_required
@role_required(*STAFF)
@html_action()
def delete_question(question_id: int):  # type: ignore[no-untyped-def]
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_question(db.session, current_user, question_id)
    return done(url_for("studio.index"), _("Draft deleted."))


# ---------------------------------------------------------------- case scenarios


def _case_form(case: Case | None = None) -> CaseForm:
    form = CaseForm()
    form.topic_id.choices = choices([(t.id, t.slug) for t in queries.topics(db.session)])
    if case is not None and request.method == "GET":
        form.fill(case)
    return _case_form_images(form)


def _case_page(form: CaseForm, revision: Any, status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    return render_template("studio/case_edit.html", form=form, revision=revision, **extra), status


def _save_case(form: CaseForm, save) -> tuple[Any, int]:  # type: ignore[no-untyped-def]
    """Validate with the bank's Case model, call ``save(case)`` and commit; errors go on the form.

    Returns what ``save`` returned (None when the form or the service refused the case) and
    the status to show the form again with: 400, or 422 for a taken case or step key (a field
    error on that key; the rest of the form is shown as typed).
    """
    if not form.validate_on_submit():
        return None, 400
    case = form.to_case()
    if case is None:
        return None, 400
    with form_errors(form, catch=(ValidationFailed, Conflict), key=services.KeyTaken) as outcome:
        saved = save(case)
    if isinstance(outcome.error, services.StepKeyTaken):
        _step_key_error(form, outcome.error)
    return (saved if outcome.ok else None), outcome.status


def _step_key_error(form: CaseForm, error: services.StepKeyTaken) -> None:
    """Move a taken step key from the form's own errors to that step's key field."""
    message = str(error.message)
    if error.step >= len(form.steps.entries):
        return
    form.form_errors = [e for e in form.form_errors if str(e) != message]
    key = form.steps.entries[error.step].form.question.form.key
    key.errors = [*list(key.errors), message]


def _preview_case(form: CaseForm, revision: Any):  # type: ignore[no-untyped-def]
    """The case editor with the posted draft shown as a trainee sees it, step by step (each
    step through its question type's own preview partial); nothing is saved. A draft that
    does not validate shows its errors instead (status 400)."""
    case = form.to_case() if form.validate_on_submit() else None
    if case is None:
        return _case_page(form, revision, 400)
    steps = []
    try:
        for position, step in enumerate(case.steps, start=1):
            media = services.media_for(db.session, step.question)
            view = studio_presenters.trainee_view(step.question, media)
            steps.append({"position": position, "disclosure": step.disclosure, "view": view})
    except ValidationFailed as exc:
        form.form_errors = [*form.form_errors, exc.message]
        return _case_page(form, revision, 400)
    draft = {"title": case.title, "vignette": case.vignette, "steps": steps}
    return _case_page(form, revision, draft_preview=draft)


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def new_case():  # type: ignore[no-untyped-def]
    form = _case_form()
    if request.method == "GET":
        return _case_page(form, None)
    if request.form.get("action") == "preview":
        return _preview_case(form, None)
    if form.apply_row_action(request.form.get("action", "")):
        return _case_page(_case_form_images(form), None)
    revision, status = _save_case(
        form, lambda case: services.create_case(db.session, current_user, form.topic_id.data, case)
    )
    if revision is None:
        return _case_page(form, None, status)
    flash(_("Draft case saved."), "success")
    return redirect(url_for("studio.edit_case_revision", revision_id=revision.id))


def _case_form_images(form: CaseForm) -> CaseForm:
    images = _image_choices()
    for entry in form.steps.entries:
        entry.form.question.form.set_media_choices(images)
        # Picked from the same list as the question editor's (the page's datalist).
        entry.form.question.form.objective.render_kw = {
            "list": "objective-options",
            "autocomplete": "off",
        }
    return form


@bp.route("/case-revisions/<int:revision_id>/edit", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def edit_case_revision(revision_id: int):  # type: ignore[no-untyped-def]
    revision = workflow.own_open(db.session, current_user, CASE, revision_id)
    form = _case_form(queries.case_model(revision.version))
    form.key.data = revision.case.key
    if request.method == "GET":
        return _case_page(form, revision)
    if request.form.get("action") == "preview":
        return _preview_case(form, revision)
    if form.apply_row_action(request.form.get("action", "")):
        return _case_page(_case_form_images(form), revision)
    saved, status = _save_case(
        form, lambda case: services.save_case_draft(db.session, current_user, revision.id, case)
    )
    if saved is None:
        return _case_page(form, revision, status)
    flash(_("Draft case saved."), "success")
    return redirect(url_for("studio.edit_case_revision", revision_id=revision_id))


# ---------------------------------------------------------------- the revision workflow
#
# One set of views for every authored kind (app.studio.authoring). Each view is registered
# once per kind, under that kind's URLs and endpoint names (``_register_kinds`` below):
# /studio/revisions/<id>/submit is studio.submit_revision (a question),
# /studio/case-revisions/<id>/submit is studio.submit_case_revision (a case), and so on.


def _checked(form: Any = None) -> Any:
    form = form if form is not None else EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    return form


@login_required
@role_required(*STAFF)
def show_revision(kind: str, revision_id: int):  # type: ignore[no-untyped-def]
    spec = authoring.get(kind)
    revision = queries.revision(db.session, spec.revision_model, revision_id)
    base = None
    if revision.base_version_id is not None:
        base = db.session.get(type(revision.version), revision.base_version_id)
    return render_template(
        "studio/revision.html",
        kind=spec,
        revision=revision,
        preview=spec.preview(revision),
        yaml_text=spec.dump(revision.version),
        diff=authoring.yaml_diff(base, revision.version, spec.dump),
        word_diff=diffs.compare(base, revision.version, spec.dump),
        review_form=CommentForm(),
        action_form=EmptyForm(),
        is_author=revision.author_id == current_user.id,
        States=RevisionState,
    )


@login_required
@role_required(*STAFF)
@html_action()
def submit_revision(kind: str, revision_id: int):  # type: ignore[no-untyped-def]
    spec = authoring.get(kind)
    _checked()
    workflow.submit(db.session, current_user, spec, revision_id)
    return done(
        url_for(spec.revision_endpoint("show"), revision_id=revision_id),
        spec.say("submitted"),
    )


@login_required
@role_required(*STAFF)
@html_action()
def withdraw_revision(kind: str, revision_id: int):  # type: ignore[no-untyped-def]
    spec = authoring.get(kind)
    _checked()
    workflow.withdraw(db.session, current_user, spec, revision_id)
    return done(
        url_for(spec.revision_endpoint("edit"), revision_id=revision_id),
        spec.say("withdrawn"),
    )


@login_required
@role_required(*STAFF)
@html_action()
def discard_revision(kind: str, revision_id: int):  # type: ignore[no-untyped-def]
    spec = authoring.get(kind)
    _checked()
    workflow.discard(db.session, current_user, spec, revision_id)
    return done(url_for("studio.index"), spec.say("discarded"))


@login_required
@role_required(*STAFF)
@html_action()
def review_revision(kind: str, revision_id: int):  # type: ignore[no-untyped-def]
    """Approve (publish) or request changes: someone other than the author (four eyes)."""
    spec = authoring.get(kind)
    form = _checked(CommentForm())
    comment = form.comment.data or ""
    if form.approve.data:
        workflow.approve(db.session, current_user, spec, revision_id, comment)
        message = spec.say("published")
    elif form.request_changes.data:
        workflow.request_changes(db.session, current_user, spec, revision_id, comment)
        message = _("Changes requested.")
    else:
        abort(400)
    return done(url_for(spec.revision_endpoint("show"), revision_id=revision_id), message)


@login_required
@role_required(*STAFF)
@html_action()
def revise(kind: str, **url_args: int):  # type: ignore[no-untyped-def]
    spec = authoring.get(kind)
    _checked()
    revision = workflow.start(db.session, current_user, spec, url_args[spec.id_arg])
    return done(url_for(spec.revision_endpoint("edit"), revision_id=revision.id))


@login_required
@role_required(*STAFF)
@html_action()
def retire(kind: str, **url_args: int):  # type: ignore[no-untyped-def]
    spec = authoring.get(kind)
    _checked()
    content_id = url_args[spec.id_arg]
    workflow.retire(db.session, current_user, spec, content_id)
    return done(
        url_for(spec.content_endpoint("history"), **{spec.id_arg: content_id}),
        spec.say("retired"),
    )


def _version_arg(*names: str) -> int | None:
    for name in names:
        try:
            return int(request.args.get(name, ""))
        except ValueError:
            continue
    return None


@login_required
@role_required(*STAFF)
def history(kind: str, **url_args: int):  # type: ignore[no-untyped-def]
    """The content's versions, revisions and a readable diff between two versions.

    ``?old=N&new=M`` compares any two (``?version=M``: M and the one before it); by default the
    version drawn (or the latest) against the one before it.
    """
    spec = authoring.get(kind)
    row = spec.load(db.session, url_args[spec.id_arg])
    versions = spec.versions(db.session, row.id)
    by_no = {v.version_no: v for v in versions}
    default = row.current_version or (versions[-1] if versions else None)
    new = by_no.get(_version_arg("new", "version") or -1, default)
    old = None
    if new is not None:
        old = by_no.get(_version_arg("old") or -1) or next(
            (v for v in reversed(versions) if v.version_no < new.version_no), None
        )
    return render_template(
        "studio/history.html",
        kind=spec,
        row=row,
        versions=versions,
        revisions=queries.revisions_by_version(db.session, spec.name, row.id),
        old=old,
        new=new,
        diff=authoring.yaml_diff(old, new, spec.dump) if new is not None else [],
        word_diff=diffs.compare(old, new, spec.dump) if new is not None else [],
        yaml_text=spec.dump(new) if new is not None else "",
        used=spec.is_used(db.session, row.id) if spec.is_used else None,
        form=EmptyForm(),
    )


_REVISION_VIEWS = (
    ("show", "", "GET", show_revision),
    ("submit", "/submit", "POST", submit_revision),
    ("withdraw", "/withdraw", "POST", withdraw_revision),
    ("discard", "/discard", "POST", discard_revision),
    ("review", "/review", "POST", review_revision),
)


def _bound(view: Any, kind: str) -> Any:
    """``view`` with its first argument bound to ``kind`` (one view function per kind).

    Bound rather than given URL defaults, so a kind's history page is served at each of its
    rules instead of redirecting to the first.
    """

    @wraps(view)
    def bound(**url_args: Any) -> Any:
        return view(kind, **url_args)

    bound.__qualname__ = f"{view.__qualname__}.{kind}"
    return bound


def _register_kinds() -> None:
    """The workflow's URLs of every registered authored kind, under its names."""
    for spec in authoring.kinds():
        for action, suffix, method, view in _REVISION_VIEWS:
            endpoint = spec.revision_endpoint(action).removeprefix("studio.")
            rule = f"/{spec.revision_path}/<int:revision_id>{suffix}"
            bp.add_url_rule(rule, endpoint, _bound(view, spec.name), methods=[method])
        for action, view in (("revise", revise), ("retire", retire)):
            endpoint = spec.content_endpoint(action).removeprefix("studio.")
            rule = f"/{spec.content_path}/<int:{spec.id_arg}>/{action}"
            bp.add_url_rule(rule, endpoint, _bound(view, spec.name), methods=["POST"])
        shown = _bound(history, spec.name)
        for rule in spec.history_rules:
            endpoint = spec.content_endpoint("history").removeprefix("studio.")
            bp.add_url_rule(rule, endpoint, shown, methods=["GET"])


_register_kinds()


@bp.app_template_global("authored_url")
def authored_url(kind: AuthoredKind, action: str, content_id: int) -> str:
    """The URL of a content-level page or action of an authored kind (history, revise, …)."""
    return url_for(kind.content_endpoint(action), **{kind.id_arg: content_id})


@bp.app_template_global("kind_of")
def _kind_of(revision: Any) -> AuthoredKind:
    return authoring.kind_of(revision)


# ---------------------------------------------------------------- images


@bp.route("/media", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def media():  # type: ignore[no-untyped-def]
    form = UploadImageForm()
    status = 200
    if form.validate_on_submit():
        upload = form.image.data
        limit = get_settings().studio_max_image_bytes
        try:
            data = upload.read(limit + 1)
        finally:
            upload.close()
        with form_errors(form, image=services.ImageRejected) as outcome:
            row = services.upload_image(
                db.session, current_user, data, upload.filename or "", limit
            )
        if outcome.ok:
            flash(_("Uploaded: %(name)s.", name=row.original_name), "success")
            return redirect(url_for("studio.media"))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    page = queries.media_page(db.session, paging.list_args(request.args))
    if page.args.problem and status == 200:
        status = 400
    return render_template("studio/media.html", form=form, page=page), status


# ---------------------------------------------------------------- import and export


def _import_format(form: ImportForm, raw: bytes) -> str | None:
    from app.banks.formats import detect_format

    filename = form.file.data.filename or ""
    fmt = form.format.data or detect_format(filename, raw)
    if fmt is None and filename.lower().endswith((".yaml", ".yml")):
        fmt = "yaml"
    return fmt


def _dry_run(upload: imports.Upload):  # type: ignore[no-untyped-def]
    """(report, problems) of importing ``upload``, with nothing saved."""
    report = problems = None
    nested = db.session.begin_nested()
    try:
        report = imports.shown_skips(imports.run(db.session, upload, current_user, dry_run=True))
    except BankFileInvalid as exc:
        problems = [str(p) for p in exc.problems]
    finally:
        nested.rollback()
        db.session.rollback()
    return report, problems


def _check_upload(form: ImportForm):  # type: ignore[no-untyped-def]
    """(report, problems, confirm form, status) of a posted bank file: its dry run, and the
    upload kept in the database for its confirmation when it can be imported. Each upload
    sweeps the trial uploads that waited too long."""
    limit = get_settings().max_upload_bytes
    raw = form.file.data.read(limit + 1)
    fmt = _import_format(form, raw)
    if fmt is None:
        return None, [_("Unknown format: choose one.")], None, 200
    topic = form.topic.data or "imported"
    try:
        upload = imports.new_upload(current_user, raw, fmt, topic, form.file.data.filename, limit)
    except imports.UploadTooLarge as exc:
        return None, [exc.message], None, exc.status
    report, problems = _dry_run(upload)
    imports.sweep(db.session)
    if report is not None:
        imports.save_upload(db.session, upload)
    db.session.commit()
    confirm = ConfirmImportForm(token=upload.token) if report is not None else None
    return report, problems, confirm, 200


@bp.route("/import", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def import_bank():  # type: ignore[no-untyped-def]
    """Upload a bank file: a dry run with the studio's policy (drafts of the importer only)."""
    form = ImportForm()
    report = problems = confirm = None
    status = 200
    if form.validate_on_submit():
        report, problems, confirm, status = _check_upload(form)
    elif request.method == "POST":
        return render_template("studio/import.html", form=form), 400
    return render_template(
        "studio/import.html", form=form, report=report, problems=problems, confirm=confirm
    ), status


@bp.post("/import/confirm")
@login_required
@role_required(*STAFF)
def confirm_import():  # type: ignore[no-untyped-def]
    """Import a checked upload of the user's own (another user's token is a 404). The upload's
    row is deleted in the import's transaction; when the file cannot be imported, at once."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload = imports.take_upload(db.session, form.token.data, current_user)
    with form_errors(catch=BankFileInvalid) as outcome:
        report = imports.run(db.session, upload, current_user, dry_run=False)
    if isinstance(outcome.error, BankFileInvalid):
        imports.discard_upload(db.session, upload.token)
        db.session.commit()
        return render_template(
            "studio/import.html",
            form=ImportForm(),
            problems=[str(p) for p in outcome.error.problems],
        ), 400
    imports.shown_skips(report)
    flash(_("Imported as your drafts: %(summary)s.", summary=report.summary()), "success")
    for what, why in report.skipped[:MAX_SKIPS_FLASHED]:
        flash(_("Skipped %(what)s: %(why)s", what=what, why=why), "error")
    if len(report.skipped) > MAX_SKIPS_FLASHED:
        flash(_("… and %(n)s more skipped.", n=len(report.skipped) - MAX_SKIPS_FLASHED), "error")
    return redirect(url_for("studio.index"))


@bp.get("/export")
@login_required
@role_required(*STAFF)
def export():  # type: ignore[no-untyped-def]
    form = ExportForm(request.args, meta={"csrf": False})
    form.topic.choices = [("", "all topics")] + [
        (t.slug, t.slug) for t in queries.topics(db.session)
    ]
    if "format" not in request.args:
        return render_template("studio/export.html", form=form)
    from app.banks.services import export_bank

    if form.format.data not in {c.value for c in form.format.choices}:
        abort(400)
    data, not_exported = export_bank(db.session, form.format.data, form.topic.data or None)
    ext = {"yaml": "yaml", "gift": "gift.txt", "moodle-xml": "xml", "qti": "zip"}[form.format.data]
    body = data if isinstance(data, bytes) else data.encode("utf-8")
    response = Response(body, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="bank.{ext}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not_exported:
        response.headers["X-Not-Exported"] = str(len(not_exported))
    return response


# ---------------------------------------------------------------- item analysis


@bp.get("/modules/<string:slug>/analysis")
@login_required
@role_required(*STAFF)
def analysis(slug: str):  # type: ignore[no-untyped-def]
    """The test statistics, then the items a page at a time (``q``: an item's name holds it;
    ``flagged=1``: the flagged ones only), each with its distractors; the whole table as CSV
    (``analysis_csv``). A pool of 10,000 questions was a page of 7-11 MB (issue 19)."""
    module = queries.module(db.session, slug)
    derived = item_analysis.analyse_cached(db.session, module)
    args = paging.list_args(request.args)
    flagged = request.args.get("flagged") == "1"
    shown = item_analysis.items_shown(derived.value.result, args.q, flagged)
    page = render_template(
        "studio/analysis.html",
        module=module,
        analysis=derived.value,
        computed_at=derived.computed_at,
        items=paging.page_of(shown, args, ANALYSIS_PAGE_SIZE),
        flagged=flagged,
    )
    if derived.computed_now:
        store.keep(db.session)  # a read-only page: only the new analysis is written
    return page


ANALYSIS_PAGE_SIZE = 50


@bp.get("/modules/<string:slug>/analysis.csv")
@login_required
@role_required(*STAFF)
def analysis_csv(slug: str) -> Response:
    """Every item of the analysis, one row each (the page shows them a page at a time)."""
    module = queries.module(db.session, slug)
    derived = item_analysis.analyse_cached(db.session, module)
    body = csv_export.to_csv(item_analysis.CSV_HEADER, item_analysis.csv_rows(derived.value))
    if derived.computed_now:
        store.keep(db.session)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{module.slug}-analysis.csv"'
    return response


# ---------------------------------------------------------------- standard setting


def _standard_page(module: Any, state: Any, pool: list[Any], form: Any = None, status: int = 200):  # type: ignore[no-untyped-def]
    mine = state.mine.ratings if state.mine is not None else {}
    limits = LimitsForm()
    if request.method == "GET" and state.mine is not None and state.mine.hofstee:
        for name, value in state.mine.hofstee.items():
            getattr(limits.hofstee, name).data = value
    return (
        render_template(
            "studio/standard_setting.html",
            module=module,
            pool=pool,
            items=[key for key, _v in pool],
            mine=mine,
            rated=sum(1 for key, _v in pool if key in mine),
            next_position=next((i for i, (key, _v) in enumerate(pool, 1) if key not in mine), None),
            limits_form=form or limits,
            state=state,
            pass_form=PassMarkForm(),
            guessing_rate=queries.guessing_rate(db.session, module),
            min_judges=get_settings().standard_setting_min_judges,
            proposals=rule_queries.for_target(db.session, rule_fields.MODULE, module.slug),
        ),
        status,
    )


@bp.route("/modules/<string:slug>/standard-setting", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def standard_setting(slug: str):  # type: ignore[no-untyped-def]
    """The panel's overview: progress, every item with the judge's rating, the Hofstee limits
    and the proposal. A POST rates every item at once (``r_<key>`` fields, kept for panels that
    rate on paper first); judges otherwise rate item by item (``standard_item``)."""
    module = queries.exam_module(db.session, slug)
    pool = queries.module_pool(db.session, module)
    items = [key for key, _v in pool]
    if request.method == "POST":
        form = judgement_form(items)()
        if form.validate_on_submit():
            ratings = {key: getattr(form, f"r_{key}").data for key in items}
            h = form.hofstee
            limits = None
            if all(f.data is not None for f in (h.c_min, h.c_max, h.f_min, h.f_max)):
                limits = services.HofsteeInput(
                    h.c_min.data, h.c_max.data, h.f_min.data, h.f_max.data
                )
            with form_errors(form, catch=DomainError, flash=True) as outcome:
                services.save_judgement(db.session, current_user, module, items, ratings, limits)
            if outcome.ok:
                flash(_("Your ratings are saved."), "success")
                return redirect(url_for("studio.standard_setting", slug=slug))
        else:
            flash(_("The ratings were not saved: each is a number between 0 and 1."), "error")
    state = queries.standard_setting(db.session, module, current_user.id)
    return _standard_page(module, state, pool, status=200 if request.method == "GET" else 400)


def _item_page(module: Any, pool: list[Any], position: int, form: Any, status: int = 200):  # type: ignore[no-untyped-def]
    key, version = pool[position - 1]
    state = queries.standard_setting(db.session, module, current_user.id)
    mine = state.mine.ratings if state.mine is not None else {}
    if request.method == "GET" and key in mine:
        form.rating.data = mine[key]
    return (
        render_template(
            "studio/standard_item.html",
            module=module,
            key=key,
            version=version,
            view=studio_presenters.key_view(version.as_question(), version.media_sha256),
            position=position,
            total=len(pool),
            rated=sum(1 for k, _v in pool if k in mine),
            form=form,
        ),
        status,
    )


@bp.route("/modules/<string:slug>/standard-setting/items/<int:position>", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def standard_item(slug: str, position: int):  # type: ignore[no-untyped-def]
    """One item as a judge reads it (stem, options, the key marked) and its rating, saved by
    its own POST; "Save and go to the next item" goes on, the last one back to the overview."""
    module = queries.exam_module(db.session, slug)
    pool = queries.module_pool(db.session, module)
    overview = url_for("studio.standard_setting", slug=slug)
    if not 1 <= position <= len(pool):
        flash(
            _(
                "There is no item %(n)s: the exam's pool has %(total)s.",
                n=position,
                total=len(pool),
            ),
            "error",
        )
        return redirect(overview)
    form = RatingForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _item_page(module, pool, position, form, 200 if request.method == "GET" else 400)
    with form_errors(form, catch=DomainError, rating=ValidationFailed) as outcome:
        services.save_rating(
            db.session,
            current_user,
            module,
            [k for k, _v in pool],
            pool[position - 1][0],
            form.rating.data,
        )
    if not outcome.ok:
        return _item_page(module, pool, position, form, outcome.status)
    flash(_("Rating saved for item %(n)s.", n=position), "success")
    if form.save_next.data and position < len(pool):
        return redirect(url_for("studio.standard_item", slug=slug, position=position + 1))
    if form.save_next.data:
        return redirect(overview + "#decide-heading")
    return redirect(url_for("studio.standard_item", slug=slug, position=position))


@bp.post("/modules/<string:slug>/standard-setting/limits")
@login_required
@role_required(*STAFF)
def standard_limits(slug: str):  # type: ignore[no-untyped-def]
    """The judge's Hofstee limits (all four, or none to clear them)."""
    module = queries.exam_module(db.session, slug)
    form = LimitsForm()
    if form.validate_on_submit():
        h = form.hofstee
        values = [f.data for f in (h.c_min, h.c_max, h.f_min, h.f_max)]
        if all(v is None for v in values) or all(v is not None for v in values):
            limits = None if values[0] is None else services.HofsteeInput(*values)
            with form_errors(form, catch=DomainError) as outcome:
                services.save_limits(db.session, current_user, module, limits)
            if outcome.ok:
                flash(_("Your Hofstee limits are saved."), "success")
                return redirect(url_for("studio.standard_setting", slug=slug) + "#hofstee-heading")
        else:
            form.form_errors = [_("Give all four limits, or none to clear them.")]
    pool = queries.module_pool(db.session, module)
    state = queries.standard_setting(db.session, module, current_user.id)
    return _standard_page(module, state, pool, form=form, status=400)


@bp.post("/modules/<string:slug>/pass-mark")
@login_required
@role_required(*STAFF)
def set_pass_mark(slug: str):  # type: ignore[no-untyped-def]
    """Propose the panel's cut as the pass mark: an administrator other than the proposer
    applies it (``/admin/rule-changes``); until then the pass mark is unchanged. A refusal
    (too few judges, a cut not above the guessing rate, …) is a message on the standard-setting
    page, never an error page."""
    module = queries.exam_module(db.session, slug)
    back = url_for("studio.standard_setting", slug=slug) + "#decide-heading"
    form = PassMarkForm()
    if not form.validate_on_submit():
        flash(_("Choose a method, then propose the pass mark again."), "error")
        return redirect(back)
    with form_errors(catch=DomainError, flash=True) as outcome:
        change = services.propose_pass_mark(
            db.session,
            current_user,
            module,
            form.method.data,
            min_judges=get_settings().standard_setting_min_judges,
        )
    if not outcome.ok:
        return redirect(back)
    return redirect(url_for("studio.pass_mark_proposal", slug=slug, change_id=change.id))


@bp.get("/modules/<string:slug>/pass-mark/<int:change_id>")
@login_required
@role_required(*STAFF)
def pass_mark_proposal(slug: str, change_id: int):  # type: ignore[no-untyped-def]
    """The proposal recorded: the cut, the method's figures, and who must apply it."""
    module = queries.exam_module(db.session, slug)
    change, proposer = queries.pass_mark_proposal(db.session, slug, change_id)
    return render_template(
        "studio/pass_mark_proposal.html", module=module, change=change, proposer=proposer
    )


# ---------------------------------------------------------------- rule changes


def _rules_page(kind: str, slug: str):  # type: ignore[no-untyped-def]
    row = rule_services.target(db.session, kind, slug)
    current = rule_services.current_values(kind, row)
    form = RulesForm()
    values = rule_fields.show(kind, current)
    status = 200
    if request.method == "POST":
        values = {f.name: request.form.get(f.name, "") for f in rule_fields.fields_of(kind)}
        status = 400
        if form.validate_on_submit():
            with form_errors(form, catch=DomainError) as outcome:
                services.propose_rules(
                    db.session, current_user, row, request.form, form.reason.data or ""
                )
            if outcome.ok:
                flash(
                    _("Change proposed: nothing changes until an administrator applies it."),
                    "success",
                )
                return redirect(request.path)
            status = outcome.status
    return (
        render_template(
            "studio/rules.html",
            kind=kind,
            target=row,
            fields=rule_fields.fields_of(kind),
            values=values,
            current=rule_fields.show(kind, current),
            history=rule_queries.for_target(db.session, kind, slug),
            form=form,
            withdraw_form=EmptyForm(),
        ),
        status,
    )


@bp.route("/modules/<string:slug>/rules", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def module_rules(slug: str):  # type: ignore[no-untyped-def]
    return _rules_page(rule_fields.MODULE, slug)


@bp.route("/programs/<string:slug>/rules", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def program_rules(slug: str):  # type: ignore[no-untyped-def]
    return _rules_page(rule_fields.PROGRAM, slug)


@bp.post("/rule-changes/<int:change_id>/withdraw")
@login_required
@role_required(*STAFF)
@html_action()
def withdraw_rule_change(change_id: int):  # type: ignore[no-untyped-def]
    if not EmptyForm().validate_on_submit():
        abort(400)
    change = rule_services.withdraw(db.session, current_user, change_id)
    endpoint = "studio.module_rules" if change.target_kind == "module" else "studio.program_rules"
    return done(url_for(endpoint, slug=change.target_slug), _("Proposal withdrawn."))


@bp.app_template_global("error_summary")
def _error_summary(form):  # type: ignore[no-untyped-def]
    return error_summary(form)


@bp.app_template_filter("studio_md")
def studio_md(text: str):  # type: ignore[no-untyped-def]
    """Instructor Markdown, sanitised (app.text.render_markdown)."""
    return render_markdown(text or "")


# ---------------------------------------------------------------- module preview (records nothing)
#
# Staff try a whole module here instead of taking it (only trainees take assessments): a form
# drawn by the quiz's own draw, kept in the session (app.studio.preview), never in the database.


def _preview_page(slug: str) -> str:
    return url_for("studio.module_preview", slug=slug)


def _kept_preview(slug: str) -> module_preview_logic.PreviewForm | None:
    return module_preview_logic.PreviewForm.from_session(
        session.get(module_preview_logic.SESSION_KEY), slug
    )


@bp.get("/modules/<string:slug>/preview")
@login_required
@role_required(*STAFF)
def module_preview(slug: str):  # type: ignore[no-untyped-def]
    """The module's rules, a button to draw a form, and the drawn form's score so far."""
    module = queries.module(db.session, slug)
    form = _kept_preview(slug)
    return render_template(
        "studio/module_preview.html",
        module=module,
        preview=form,
        topics=module_preview_logic.topics_of(db.session, form) if form else {},
        form=EmptyForm(),
    )


@bp.post("/modules/<string:slug>/preview")
@login_required
@role_required(*STAFF)
@html_action(_preview_page)
def draw_preview(slug: str):  # type: ignore[no-untyped-def]
    """Draw a new form (replacing the one kept): the session changes, the database does not."""
    module = queries.module(db.session, slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        form = module_preview_logic.draw(db.session, current_user, module)
    except module_preview_logic.PreviewTooLarge as exc:
        return done(_preview_page(slug), str(exc), "error")
    session[module_preview_logic.SESSION_KEY] = form.to_session()
    return done(url_for("studio.preview_item", slug=slug, position=1))


def _preview_item_page(
    slug: str, position: int, response: dict[str, Any] | None = None, message: str = ""
):  # type: ignore[no-untyped-def]
    """Render one item of the kept form; with ``response``, score it and show the key."""
    module = queries.module(db.session, slug)
    form = _kept_preview(slug)
    if form is None:
        return done(_preview_page(slug), _("Draw a form first."), "info")
    found = module_preview_logic.load_item(db.session, form, position)
    if found is None:
        abort(404)
    feedback = None
    if response is not None:
        feedback = module_preview_logic.check(form, found, response)
        session[module_preview_logic.SESSION_KEY] = form.to_session()
    sha = found.version.media_sha256
    media_url = url_for("banks.media", sha256=sha) if sha else None
    visible = module_preview_logic.is_disclosed(form, position)
    view = module_preview_logic.item_view(found, media_url, visible=visible)
    if feedback is not None:
        view["feedback"] = feedback
    return render_template(
        "studio/module_preview_item.html",
        module=module,
        preview=form,
        position=position,
        view=view,
        case=module_preview_logic.case_context(db.session, form, found) if visible else None,
        message=message,
        form=EmptyForm(),
    ), (400 if message else 200)


@bp.get("/modules/<string:slug>/preview/<int:position>")
@login_required
@role_required(*STAFF)
def preview_item(slug: str, position: int):  # type: ignore[no-untyped-def]
    page = _preview_item_page(slug, position)
    if isinstance(page, Done):
        flash(page.message or "", page.category)
        return redirect(page.location)
    return page


def _unreadable(exc: Exception, slug: str, position: int):  # type: ignore[no-untyped-def]
    return _preview_item_page(slug, position, message=str(exc))


@bp.post("/modules/<string:slug>/preview/<int:position>")
@login_required
@role_required(*STAFF)
@html_action(errors={(AnswerInvalid, ResponseRejected): _unreadable})
def check_preview_item(slug: str, position: int):  # type: ignore[no-untyped-def]
    """Score the posted answer and show the key and feedback; only its score is kept."""
    queries.module(db.session, slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    form = _kept_preview(slug)
    found = module_preview_logic.load_item(db.session, form, position) if form else None
    if found is None or not module_preview_logic.is_disclosed(form, position):
        return _preview_item_page(slug, position)
    view = module_preview_logic.item_view(found, None)
    response = parse_response(view, request.form)
    if response is None:
        return _preview_item_page(slug, position, message=_("Choose an answer before checking it."))
    return _preview_item_page(slug, position, response=response)
