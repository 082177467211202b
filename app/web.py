"""HTML views that change state: commit once, and turn domain errors into what the page shows.

Services flush and never commit; they raise ``app.errors.DomainError`` subclasses (each with a
``message`` and a ``status``). Instead of the same ``try/except/rollback/flash`` in each
handler, a view uses one of the two faces of this helper:

``@html_action(...)``, for a POST that ends in a redirect (approve, revoke, start, answer, and
the studio's submit/withdraw/discard/review/retire/delete actions)::

    @bp.post("/completions/<int:completion_id>/approve")
    @login_required
    @role_required("admin")
    @html_action("admin.completions")
    def approve(completion_id: int):
        certificate = services.approve_completion(db.session, actor, completion_id, ...)
        return done(url_for("admin.completions"), f"Certificate {certificate.serial} issued.")

* The view returns a response, or ``done(location, message)``: the session is committed once,
  then the message is flashed and the browser redirected (so a failed commit flashes nothing).
* A ``DomainError`` (or any type listed in ``errors``) rolls the session back. A 404
  (``NotFound``) always becomes the 404 page. Otherwise the first ``errors`` entry whose type
  matches answers it: ``handler(exc, **view_args)`` returns a response or a ``done(...)``.
  Otherwise, with ``on_error`` (an endpoint name, or a function of the view's arguments giving
  a URL), the message is flashed as an error and the browser redirected there. Without
  ``on_error`` the error is raised on to ``app.errors``, which renders the error page with the
  error's status: that is the studio's behaviour for its workflow actions.
* ``retry=True`` runs the view and the commit through ``commit_with_retry`` (SQLite's busy
  snapshots: the whole view runs again), for starts and submits that race.

``with form_errors(form, ...) as outcome:``, for a page whose form is shown again with the
error (register, password, practice answer; the studio's question, case, image and
standard-setting forms)::

    with form_errors(form, catch=ValidationFailed) as outcome:
        revision = services.create_question(db.session, current_user, topic, question)
    if outcome.ok:
        flash(_("Draft saved."), "success")
        return redirect(...)
    return render_template("studio/edit.html", form=form), outcome.status

* On success the session is committed once when the block ends.
* A caught error rolls the session back (``keep=True`` commits instead: the failed log-in's
  audit row stays) and is suppressed; its message goes on the form field named for its type
  (``email=(EmailTaken, InvalidEmail)``), else is flashed (``flash=True``), else goes to
  ``form.form_errors``. ``outcome.error``, ``.message`` and ``.status`` (the error's, 400 for
  a non-domain error such as a form parsing error) tell the view what to render.
* Errors not caught (neither in ``catch`` nor in a field) propagate to the error page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from types import TracebackType
from typing import Any, TypeVar

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from app.errors import DomainError
from app.extensions import db
from app.transactions import commit_with_retry

F = TypeVar("F", bound=Callable[..., Any])
ErrorTypes = type[BaseException] | tuple[type[BaseException], ...]
ErrorHandler = Callable[..., Any]


@dataclass(frozen=True)
class Done:
    """Redirect to ``location`` after the commit, flashing ``message`` (if any)."""

    location: str
    message: str | None = None
    category: str = "success"


def done(location: str, message: str | None = None, category: str = "success") -> Done:
    """What a state-changing view returns: where to go and what to say once committed."""
    return Done(location, message, category)


def _finish(result: Any) -> ResponseReturnValue:
    if isinstance(result, Done):
        if result.message:
            flash(result.message, result.category)
        return redirect(result.location)
    return result


def _types(errors: Mapping[ErrorTypes, ErrorHandler]) -> tuple[type[BaseException], ...]:
    caught: list[type[BaseException]] = [DomainError]
    for key in errors:
        caught.extend(key if isinstance(key, tuple) else (key,))
    return tuple(caught)


def html_action(
    on_error: str | Callable[..., str] | None = None,
    *,
    errors: Mapping[ErrorTypes, ErrorHandler] | None = None,
    retry: bool = False,
) -> Callable[[F], F]:
    """Commit a state-changing HTML view once; map domain errors to flashes, pages, statuses.

    See the module docstring for the rules and examples.
    """
    handlers = dict(errors or {})
    caught = _types(handlers)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                if retry:
                    result = commit_with_retry(lambda: view(*args, **kwargs))
                else:
                    result = view(*args, **kwargs)
                    db.session.commit()
            except caught as exc:
                db.session.rollback()
                return _finish(_answer_error(exc, handlers, on_error, kwargs))
            return _finish(result)

        return wrapped  # type: ignore[return-value]

    return decorate


def _answer_error(
    exc: BaseException,
    handlers: Mapping[ErrorTypes, ErrorHandler],
    on_error: str | Callable[..., str] | None,
    view_args: dict[str, Any],
) -> Any:
    if isinstance(exc, DomainError) and exc.status == 404:
        raise exc
    for types, handler in handlers.items():
        if isinstance(exc, types):
            return handler(exc, **view_args)
    if on_error is None or not isinstance(exc, DomainError):
        raise exc
    location = url_for(on_error) if isinstance(on_error, str) else on_error(**view_args)
    return Done(location, exc.message, "error")


class form_errors:  # used like a function: ``with form_errors(form, ...)``
    """Commit the block's work, or put a domain error on the form (see the module docstring)."""

    def __init__(
        self,
        form: Any = None,
        *,
        catch: ErrorTypes = (),
        flash: bool = False,
        keep: bool = False,
        **fields: ErrorTypes,
    ) -> None:
        self.form = form
        self.fields = fields
        self.flash = flash
        self.keep = keep
        caught = list(catch) if isinstance(catch, tuple) else [catch]
        for types in fields.values():
            caught.extend(types if isinstance(types, tuple) else (types,))
        self.caught = tuple(caught)
        self.error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str | None:
        if self.error is None:
            return None
        # str(): a page's own message may be lazy (translated when shown), and a flash is stored
        return str(self.error.message) if isinstance(self.error, DomainError) else str(self.error)

    @property
    def status(self) -> int:
        """The error's status (400 for a non-domain error), 200 when the block succeeded."""
        if self.error is None:
            return 200
        return self.error.status if isinstance(self.error, DomainError) else 400

    def __enter__(self) -> form_errors:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            db.session.commit()
            return False
        if not isinstance(exc, self.caught):
            return False
        if self.keep:
            db.session.commit()
        else:
            db.session.rollback()
        self.error = exc
        self._show(exc)
        return True

    def _show(self, exc: BaseException) -> None:
        message = self.message or ""
        for name, types in self.fields.items():
            if isinstance(exc, types):
                getattr(self.form, name).errors = [message]
                return
        if self.flash:
            flash(message, "error")
        elif self.form is not None:
            self.form.form_errors = [*self.form.form_errors, message]
