"""The main navigation by role. Add a row when your domain adds a top-level page.

Rows whose endpoint does not exist (yet) are hidden, so the table can name future pages.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

EVERYONE = ("trainee", "instructor", "admin")

# (label, endpoint, roles that see it)
NAVIGATION: list[tuple[str, str, tuple[str, ...]]] = [
    ("Dashboard", "progress.dashboard", ("trainee",)),
    ("Practice", "progress.practice", ("trainee",)),
    ("Cohort", "progress.cohort", ("instructor", "admin")),
    ("Modules", "quiz.modules", ("trainee",)),
    ("Programs", "enrolment.mine", ("trainee",)),
    ("Requirements", "practical.requirements", ("trainee",)),
    ("Logbook", "practical.logbook_page", ("trainee",)),
    ("Hours", "practical.hours_page", ("trainee",)),
    ("Jurisdictions", "licensing.where", ("trainee",)),
    ("Practical", "osce.index", ("instructor", "admin")),
    ("Certificates", "certificates.mine", ("trainee",)),
    ("Studio", "studio.index", ("instructor", "admin")),
    ("LMS courses", "lti_pages.courses", ("instructor",)),
    ("Admin", "admin.index", ("admin",)),
    ("Profile", "auth.profile", EVERYONE),
]


def main_navigation() -> list[tuple[str, str]]:
    """(label, endpoint) pairs for the current user."""
    if not current_user.is_authenticated:
        return []
    role = current_user.role.value
    views = current_app.view_functions
    return [(label, ep) for label, ep, roles in NAVIGATION if role in roles and ep in views]


def init_navigation(app: Flask) -> None:
    app.add_template_global(main_navigation)
