"""Forms of practice of your own choosing (issue 18): the set builder and the self-rating."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from app.i18n import lazy_gettext as _l
from app.input_guard import NumberRange  # refuses a huge integer (WTForms fails on it)
from app.progress.custom_practice import MAX_COUNT
from app.progress.scheduler import SELF_RATINGS


class PracticeBuilderForm(FlaskForm):
    """Topic and objective from the practice pool (set by the route), count 1..MAX_COUNT."""

    topic = SelectField(
        _l("Topic"),
        choices=[],
        default="",
        validate_choice=True,
    )
    objective = SelectField(
        _l("Learning objective"),
        choices=[],
        default="",
        validate_choice=True,
    )
    count = IntegerField(
        _l("Number of questions"),
        default=10,
        validators=[
            InputRequired(message=_l("Give a number of questions.")),
            NumberRange(
                min=1,
                max=MAX_COUNT,
                message=_l("Choose between 1 and %(max)s questions.", max=MAX_COUNT),
            ),
        ],
    )
    only_missed = BooleanField(_l("Only questions I got wrong or flagged before"))


RATING_LABELS = {
    "again": _l("Again"),
    "hard": _l("Hard"),
    "good": _l("Good"),
    "easy": _l("Easy"),
}


class SelfRatingForm(FlaskForm):
    """The served item's token and the trainee's own rating of their answer."""

    token = HiddenField(validators=[DataRequired(), Length(max=1000)])
    rating = SelectField(
        choices=[SelectChoice(k, RATING_LABELS[k]) for k in SELF_RATINGS], validate_choice=True
    )
