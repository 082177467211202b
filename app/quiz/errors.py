"""The failures a trainee can cause in the quiz engine (turned into pages/JSON in app.errors)."""

from __future__ import annotations

from app.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from app.i18n import lazy_gettext as _l


class AttemptNotFound(NotFound):
    code = "attempt_not_found"
    message = _l("No such attempt.")


class ModuleNotFound(NotFound):
    code = "module_not_found"
    message = _l("No such module.")


class ModuleLocked(Forbidden):
    code = "module_locked"


class AttemptLimitReached(Conflict):
    code = "attempt_limit_reached"


class CooldownActive(Conflict):
    code = "cooldown_active"


class AttemptClosed(Conflict):
    code = "attempt_closed"
    message = _l("This attempt is closed: it was submitted or its time ran out.")


class DeadlinePassed(Conflict):
    code = "deadline_passed"
    message = _l("The time limit has passed: this answer was not saved.")


class ExamInProgress(Conflict):
    """Practice while an exam attempt is open would show keys of the exam's pools."""

    code = "exam_in_progress"
    message = _l("You have an exam open: submit it (or let its time run out) before practising.")


class StaleSave(Conflict):
    code = "stale_save"
    message = _l(
        "This answer was changed elsewhere (another tab or an earlier request): "
        "reload to see the saved answer."
    )


class StepLocked(Conflict):
    code = "step_locked"


class ItemLocked(Conflict):
    code = "item_locked"
    message = _l("This question was already checked and can no longer be changed.")


class ResponseRejected(ValidationFailed):
    code = "invalid_response"


class NothingToDraw(DomainError):
    code = "module_empty"
    status = 409
    message = _l("This module has no published questions to draw yet.")
