"""Forms of the progress pages: the practice answer (CSRF + served item) and cohort filters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import lazy_gettext as _l
from app.input_guard import NumberRange  # refuses a huge integer (WTForms fails on it)
from app.progress.queries import COHORT_PAGE_SIZES, COHORT_SORTS, COHORT_STATUSES


class PracticeAnswerForm(FlaskForm):
    """The served item's token; the answer fields are read by ``quiz.forms.parse_response``."""

    token = HiddenField(validators=[DataRequired(), Length(max=1000)])


STATUS_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
}
STATUS_CHOICES = [SelectChoice("", _l("Any status"))] + [
    SelectChoice(s, STATUS_LABELS[s]) for s in COHORT_STATUSES
]
SORT_LABELS = {
    "name": _l("Name"),
    "email": _l("E-mail"),
    "progress": _l("Modules passed"),
    "last_activity": _l("Last activity"),
}
SORT_CHOICES = [SelectChoice(key, SORT_LABELS[key]) for key in COHORT_SORTS]


class CohortFilterForm(FlaskForm):
    """GET filters of the cohort view: every value is checked against a fixed list."""

    class Meta:
        csrf = False  # a read-only GET form

    # Choices: the cohorts the viewer may see, set by the route (another one: a 404).
    cohort = SelectField(_l("Cohort"), choices=[], default="", validate_choice=True)
    q = SearchField(_l("Name or e-mail contains"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="", validate_choice=True)
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES, default="name", validate_choice=True)
    order = SelectField(
        _l("Order"),
        choices=[SelectChoice("asc", _l("Ascending")), SelectChoice("desc", _l("Descending"))],
        default="asc",
    )
    per_page = SelectField(
        _l("Per page"),
        choices=[SelectChoice(str(n), str(n)) for n in COHORT_PAGE_SIZES],
        default=str(COHORT_PAGE_SIZES[0]),
        validate_choice=True,
    )
    page = IntegerField(
        _l("Page"), validators=[Optional(), NumberRange(min=1, max=1_000_000)], default=1
    )
