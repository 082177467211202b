"""The main navigation by role. Add a row when your domain adds a top-level page.

Rows whose endpoint does not exist (yet) are hidden, so the table can name future pages.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

from app.i18n import lazy_gettext as _l

EVERYONE = ("trainee", "instructor", "admin")

# (label, endpoint, roles that see it); labels are lazy, so each request gets its language
NAVIGATION: list[tuple[object, str, tuple[str, ...]]] = [
    (_l("Dashboard"), "progress.dashboard", ("trainee",)),
    (_l("Practice"), "progress.practice", ("trainee",)),
    (_l("Cohort"), "progress.cohort", ("instructor", "admin")),
    (_l("Modules"), "quiz.modules", ("trainee",)),
    (_l("Programs"), "enrolment.mine", ("trainee",)),
    (_l("Requirements"), "practical.requirements", ("trainee",)),
    (_l("Logbook"), "practical.logbook_page", ("trainee",)),
    (_l("Hours"), "practical.hours_page", ("trainee",)),
    (_l("Jurisdictions"), "licensing.where", ("trainee",)),
    (_l("Practical"), "osce.index", ("instructor", "admin")),
    (_l("Certificates"), "certificates.mine", ("trainee",)),
    (_l("Studio"), "studio.index", ("instructor", "admin")),
    (_l("LMS courses"), "lti_pages.courses", ("instructor",)),
    (_l("Admin"), "admin.index", ("admin",)),
    (_l("Profile"), "auth.profile", EVERYONE),
]


def main_navigation() -> list[tuple[object, str]]:
    """(label, endpoint) pairs for the current user."""
    if not current_user.is_authenticated:
        return []
    role = current_user.role.value
    views = current_app.view_functions
    return [(label, ep) for label, ep, roles in NAVIGATION if role in roles and ep in views]


def init_navigation(app: Flask) -> None:
    app.add_template_global(main_navigation)
