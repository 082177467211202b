"""Studio forms. A question form is turned into a dict and validated by the bank's pydantic
model (``app.banks.schema``): one set of rules for files and forms. Pydantic's errors are
mapped back onto the form's fields.

Only the fields declared here are ever read (``to_data``); ``author_id``, ``status``, ids of
other objects and anything else a client adds to the POST body are ignored.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from pydantic import ValidationError
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.banks.schema import QUESTION_ADAPTER, Case, Difficulty, QuestionBase, QuestionType


def choices(pairs: list[tuple[Any, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


TYPE_CHOICES = choices([(t.value, t.value.replace("_", " ")) for t in QuestionType])
DIFFICULTY_CHOICES = choices([(d.value, d.value) for d in Difficulty])
ROW_LISTS = ("options", "pairs", "items", "regions")


class OptionForm(Form):
    id = StringField("Id", validators=[Optional(), Length(max=80)])
    text = StringField("Text")
    correct = BooleanField("Correct")
    feedback = StringField("Feedback")


class PairForm(Form):
    premise = StringField("Premise")
    answer = StringField("Answer")


class ItemForm(Form):
    text = StringField("Item")


class RegionForm(Form):
    id = StringField("Id", validators=[Optional(), Length(max=80)])
    label = StringField("Label")
    points = StringField(
        "Polygon", description="x,y pairs as fractions of the image: 0.1,0.1 0.4,0.1 0.4,0.3"
    )
    correct = BooleanField("Correct")
    feedback = StringField("Feedback")


class QuestionFields(Form):
    """Every question type's fields; ``type`` decides which are read.

    A plain form so that a case step can hold one (``FormField``); ``QuestionForm`` adds the
    topic, the save button and CSRF for a standalone question.
    """

    key = StringField("Key", validators=[Optional(), Length(max=80)])
    type = SelectField("Type", choices=TYPE_CHOICES)
    title = StringField("Title", validators=[Length(max=200)])
    stem = TextAreaField("Stem (Markdown)", render_kw={"rows": 6, "data-preview": "stem"})
    explanation = TextAreaField("Explanation (Markdown)", render_kw={"rows": 4})
    references = TextAreaField("References (one per line)", render_kw={"rows": 3})
    objective = StringField("Objective id", validators=[Optional(), Length(max=80)])
    difficulty = SelectField("Difficulty", choices=DIFFICULTY_CHOICES, default="medium")
    tags = StringField("Tags (comma-separated)")
    # single_choice, multiple_response
    options = FieldList(FormField(OptionForm), min_entries=0)
    shuffle = BooleanField("Shuffle options", default=True)
    # true_false
    tf_answer = SelectField(
        "Correct answer",
        choices=choices([("true", "True"), ("false", "False")]),
        validate_choice=False,
    )
    feedback_true = StringField("Feedback if 'true' is chosen")
    feedback_false = StringField("Feedback if 'false' is chosen")
    # matching
    pairs = FieldList(FormField(PairForm), min_entries=0)
    distractors = TextAreaField("Extra wrong answers (one per line)", render_kw={"rows": 2})
    # ordering (in the correct order)
    items = FieldList(FormField(ItemForm), min_entries=0)
    # numeric
    numeric_answer = FloatField("Answer", validators=[Optional()])
    tolerance = FloatField("Tolerance (±)", validators=[Optional()], default=0.0)
    unit = StringField("Unit")
    # hotspot
    image = SelectField("Image", validate_choice=False, choices=[])
    image_alt = StringField("Image description (alt text)")
    regions = FieldList(FormField(RegionForm), min_entries=0)
    # short answer
    answers = TextAreaField("Accepted answers (one per line; * matches anything)")
    case_sensitive = BooleanField("Case sensitive")
    # script concordance
    hypothesis = TextAreaField("If you were thinking of…", render_kw={"rows": 2})
    new_information = TextAreaField("…and then you find…", render_kw={"rows": 2})
    panel_m2 = IntegerField("Panel: −2", validators=[Optional(), NumberRange(min=0)], default=0)
    panel_m1 = IntegerField("Panel: −1", validators=[Optional(), NumberRange(min=0)], default=0)
    panel_0 = IntegerField("Panel: 0", validators=[Optional(), NumberRange(min=0)], default=0)
    panel_p1 = IntegerField("Panel: +1", validators=[Optional(), NumberRange(min=0)], default=0)
    panel_p2 = IntegerField("Panel: +2", validators=[Optional(), NumberRange(min=0)], default=0)

    # ------------------------------------------------------------ form <-> model

    def to_data(self) -> dict[str, Any]:
        """The bank-format dict of this form (declared fields only)."""
        qtype = self.type.data
        data: dict[str, Any] = {
            "key": (self.key.data or "").strip(),
            "type": qtype,
            "difficulty": self.difficulty.data,
            "title": self.title.data or "",
            "stem": self.stem.data or "",
            "explanation": self.explanation.data or "",
            "references": _lines(self.references.data),
            "tags": [t.strip() for t in (self.tags.data or "").split(",") if t.strip()],
        }
        if (self.objective.data or "").strip():
            data["objective"] = self.objective.data.strip()
        if qtype in ("single_choice", "multiple_response"):
            data["options"] = [
                {
                    "id": (e.form.id.data or "").strip() or f"o{i + 1}",
                    "text": e.form.text.data or "",
                    "correct": bool(e.form.correct.data),
                    "feedback": e.form.feedback.data or "",
                }
                for i, e in enumerate(self.options.entries)
            ]
            data["shuffle"] = bool(self.shuffle.data)
        elif qtype == "true_false":
            data["answer"] = self.tf_answer.data == "true"
            data["feedback_true"] = self.feedback_true.data or ""
            data["feedback_false"] = self.feedback_false.data or ""
        elif qtype == "matching":
            data["pairs"] = [
                {"premise": e.form.premise.data or "", "answer": e.form.answer.data or ""}
                for e in self.pairs.entries
            ]
            data["distractors"] = _lines(self.distractors.data)
        elif qtype == "ordering":
            data["items"] = [e.form.text.data or "" for e in self.items.entries]
        elif qtype == "numeric":
            data["answer"] = self.numeric_answer.data
            data["tolerance"] = self.tolerance.data or 0.0
            data["unit"] = self.unit.data or ""
        elif qtype == "hotspot":
            data["image"] = self.image.data or ""
            data["image_alt"] = self.image_alt.data or ""
            data["regions"] = [
                {
                    "id": (e.form.id.data or "").strip() or f"r{i + 1}",
                    "label": e.form.label.data or "",
                    "points": _points(e.form.points.data),
                    "correct": bool(e.form.correct.data),
                    "feedback": e.form.feedback.data or "",
                }
                for i, e in enumerate(self.regions.entries)
            ]
        elif qtype == "short_answer":
            data["answers"] = _lines(self.answers.data)
            data["case_sensitive"] = bool(self.case_sensitive.data)
        elif qtype == "script_concordance":
            data["hypothesis"] = self.hypothesis.data or ""
            data["new_information"] = self.new_information.data or ""
            data["panel"] = [
                f.data or 0
                for f in (self.panel_m2, self.panel_m1, self.panel_0, self.panel_p1, self.panel_p2)
            ]
        return data

    def to_question(self) -> QuestionBase | None:
        """The validated pydantic model, or None with the errors put on the form's fields."""
        try:
            return QUESTION_ADAPTER.validate_python(self.to_data())
        except ValidationError as exc:
            self.map_errors(exc)
            return None

    def map_errors(self, exc: ValidationError) -> None:
        for error in exc.errors():
            self.add_error(list(error["loc"]), error["msg"])

    def add_error(self, loc: list[Any], msg: str) -> None:
        """Put one pydantic error (location inside the question) on the field it names."""
        self.form_errors = list(self.form_errors)
        loc = [p for p in loc if p != self.type.data]
        message = msg.removeprefix("Value error, ")
        field = self._field_for(loc, message)
        if field is None:
            self.form_errors.append(message)
        else:
            field.errors = [*list(field.errors), message]

    def _field_for(self, loc: list[Any], message: str):  # type: ignore[no-untyped-def]
        names = {
            "answer": "numeric_answer" if self.type.data == "numeric" else "tf_answer",
            "panel": "panel_0",
            "answers": "answers",
        }
        if not loc:
            head = message.split(":", 1)[0]
            loc = [head] if head in self._fields or head in names else []
            if not loc:
                return None
        head = str(loc[0])
        if head in ROW_LISTS and len(loc) >= 2 and isinstance(loc[1], int):
            rows = getattr(self, head)
            if loc[1] < len(rows.entries):
                entry = rows.entries[loc[1]]
                if len(loc) >= 3 and str(loc[2]) in entry.form._fields:
                    return entry.form._fields[str(loc[2])]
                sub = next(iter(entry.form._fields.values()))
                return sub
            return rows
        name = names.get(head, head)
        return self._fields.get(name)

    def fill(self, question: QuestionBase) -> None:
        """Set the form from a model (GET of an existing draft)."""
        d = question.model_dump(mode="json")
        self.key.data = d["key"]
        self.type.data = d["type"]
        self.title.data = d.get("title", "")
        self.stem.data = d["stem"]
        self.explanation.data = d.get("explanation", "")
        self.references.data = "\n".join(d.get("references", []))
        self.objective.data = d.get("objective") or ""
        self.difficulty.data = d.get("difficulty", "medium")
        self.tags.data = ", ".join(d.get("tags", []))
        _set_rows(self.options, d.get("options", []))
        self.shuffle.data = d.get("shuffle", True)
        if d["type"] == "true_false":
            self.tf_answer.data = "true" if d["answer"] else "false"
            self.feedback_true.data = d.get("feedback_true", "")
            self.feedback_false.data = d.get("feedback_false", "")
        _set_rows(self.pairs, d.get("pairs", []))
        self.distractors.data = "\n".join(d.get("distractors", []))
        _set_rows(self.items, [{"text": t} for t in d.get("items", [])])
        if d["type"] == "numeric":
            self.numeric_answer.data = d["answer"]
            self.tolerance.data = d.get("tolerance", 0.0)
            self.unit.data = d.get("unit", "")
        self.image.data = d.get("image", "")
        self.image_alt.data = d.get("image_alt", "")
        _set_rows(
            self.regions,
            [
                {**r, "points": " ".join(f"{x:g},{y:g}" for x, y in r["points"])}
                for r in d.get("regions", [])
            ],
        )
        self.answers.data = "\n".join(d.get("answers", []))
        self.case_sensitive.data = d.get("case_sensitive", False)
        self.hypothesis.data = d.get("hypothesis", "")
        self.new_information.data = d.get("new_information", "")
        panel = d.get("panel") or [0] * 5
        for f, v in zip(
            (self.panel_m2, self.panel_m1, self.panel_0, self.panel_p1, self.panel_p2),
            panel,
            strict=True,
        ):
            f.data = v

    def apply_row_action(self, action: str) -> bool:
        """Handle "add:options", "remove:options:2", "up:items:1", "down:pairs:0" (no JS needed).

        Returns True when an action was applied (the form is shown again, nothing saved).
        """
        parts = (action or "").split(":")
        if len(parts) < 2 or parts[1] not in ROW_LISTS:
            return False
        verb, name = parts[0], parts[1]
        rows = getattr(self, name)
        if verb == "add":
            rows.append_entry()
            return True
        if len(parts) != 3 or not parts[2].isdigit():
            return False
        index = int(parts[2])
        values = [e.data for e in rows.entries]
        if not 0 <= index < len(values):
            return False
        if verb == "remove":
            values.pop(index)
        elif verb == "up" and index > 0:
            values[index - 1], values[index] = values[index], values[index - 1]
        elif verb == "down" and index < len(values) - 1:
            values[index + 1], values[index] = values[index], values[index + 1]
        else:
            return False
        _set_rows(rows, values)
        return True


ROW_LABELS = {
    "options": "Option",
    "pairs": "Pair",
    "items": "Item",
    "regions": "Region",
    "steps": "Step",
}


def error_summary(form: Form | FlaskForm, prefix: str = "") -> list[str]:
    """Readable lines for a form's errors: "Stem: …", "Option 2: text: …", not raw structures.

    Walks the fields themselves (errors mapped from pydantic after validation are set on the
    sub-fields of row lists, which ``form.errors`` of a ``FieldList`` does not see again). A
    nested form (a case step's question) is prefixed by its own label.
    """
    lines = [f"{prefix}{e}" if prefix else str(e) for e in getattr(form, "form_errors", [])]
    for name, field in form._fields.items():
        label = f"{prefix}{field.label.text if prefix == '' else field.label.text.lower()}"
        if isinstance(field, FieldList):
            row_label = ROW_LABELS.get(name, field.label.text)
            for i, entry in enumerate(field.entries):
                head = f"{prefix}{row_label} {i + 1}: "
                if isinstance(entry, FormField):
                    lines.extend(error_summary(entry.form, head))
                else:
                    lines.extend(f"{head}{e}" for e in _strings(entry.errors))
            lines.extend(f"{label}: {e}" for e in _strings(field.errors))
        elif isinstance(field, FormField):
            lines.extend(error_summary(field.form, f"{label}: "))
        else:
            lines.extend(f"{label}: {e}" for e in _strings(field.errors))
    return lines


def _strings(errors: Any) -> list[str]:
    """The plain messages of a field's errors (row structures are reported per row)."""
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, list | tuple):
        return [e for e in errors if isinstance(e, str)]
    return []


class QuestionForm(QuestionFields, FlaskForm):
    topic_id = SelectField("Topic", coerce=int, validate_choice=False)
    save = SubmitField("Save draft")


STARTER_ROWS = {
    "single_choice": ("options", 4),
    "multiple_response": ("options", 4),
    "matching": ("pairs", 3),
    "ordering": ("items", 4),
    "hotspot": ("regions", 2),
}


def add_starter_rows(form: QuestionFields) -> None:
    """Empty rows to type into for a new question of ``form.type.data``."""
    if form.type.data in STARTER_ROWS:
        name, count = STARTER_ROWS[form.type.data]
        for _ in range(count):
            getattr(form, name).append_entry()


class StepForm(Form):
    disclosure = TextAreaField(
        "Disclosure (Markdown, shown when this step opens; optional)", render_kw={"rows": 3}
    )
    question = FormField(QuestionFields, label="Question")


class CaseForm(FlaskForm):
    """A case scenario: vignette and ordered steps, validated by the bank's ``Case`` model."""

    key = StringField("Key", validators=[Optional(), Length(max=80)])
    topic_id = SelectField("Topic", coerce=int, validate_choice=False)
    title = StringField("Title", validators=[Length(max=200)])
    difficulty = SelectField("Difficulty", choices=DIFFICULTY_CHOICES, default="medium")
    tags = StringField("Tags (comma-separated)")
    vignette = TextAreaField(
        "Vignette (Markdown)", render_kw={"rows": 6, "data-preview": "vignette"}
    )
    steps = FieldList(FormField(StepForm), min_entries=0)
    new_step_type = SelectField("Type of the new step's question", choices=TYPE_CHOICES)
    save = SubmitField("Save draft")

    def to_data(self) -> dict[str, Any]:
        """The bank-format dict of this case (declared fields only)."""
        key = (self.key.data or "").strip()
        steps = []
        for i, entry in enumerate(self.steps.entries):
            question = entry.form.question.form.to_data()
            if not question["key"] and key:
                question["key"] = f"{key}-s{i + 1}"
            steps.append({"disclosure": entry.form.disclosure.data or "", "question": question})
        return {
            "key": key,
            "title": self.title.data or "",
            "difficulty": self.difficulty.data,
            "tags": [t.strip() for t in (self.tags.data or "").split(",") if t.strip()],
            "vignette": self.vignette.data or "",
            "steps": steps,
        }

    def to_case(self) -> Case | None:
        """The validated ``Case``, or None with each error on the field (of the step) it names."""
        try:
            return Case.model_validate(self.to_data())
        except ValidationError as exc:
            self.map_errors(exc)
            return None

    def map_errors(self, exc: ValidationError) -> None:
        self.form_errors = list(self.form_errors)
        for error in exc.errors():
            loc = list(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if (
                len(loc) >= 2
                and loc[0] == "steps"
                and isinstance(loc[1], int)
                and loc[1] < len(self.steps.entries)
            ):
                step = self.steps.entries[loc[1]].form
                if len(loc) >= 3 and loc[2] == "disclosure":
                    step.disclosure.errors = [*list(step.disclosure.errors), message]
                else:
                    step.question.form.add_error(loc[3:], message)
                continue
            head = str(loc[0]) if loc else message.split(":", 1)[0]
            field = self._fields.get(head) if head in ("title", "vignette", "tags", "key") else None
            if field is not None:
                field.errors = [*list(field.errors), message]
            else:
                self.form_errors.append(f"{head.capitalize()}: {message}" if loc else message)

    def fill(self, case: Case) -> None:
        """Set the form from a model (GET of an existing draft)."""
        self.key.data = case.key
        self.title.data = case.title
        self.difficulty.data = case.difficulty.value
        self.tags.data = ", ".join(case.tags)
        self.vignette.data = case.vignette
        while self.steps.entries:
            self.steps.pop_entry()
        for step in case.steps:
            entry = self.steps.append_entry()
            entry.form.disclosure.data = step.disclosure
            entry.form.question.form.fill(step.question)

    def apply_row_action(self, action: str) -> bool:
        """ "add:steps", "remove|up|down:steps:<i>", or a step's own row action, prefixed by
        "step:<i>:" ("step:0:add:options"). Returns True when one was applied (nothing saved).
        """
        parts = (action or "").split(":")
        if len(parts) >= 4 and parts[0] == "step" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.steps.entries):
                question = self.steps.entries[index].form.question.form
                return question.apply_row_action(":".join(parts[2:]))
            return False
        if len(parts) < 2 or parts[1] != "steps":
            return False
        if parts[0] == "add":
            entry = self.steps.append_entry()
            question = entry.form.question.form
            question.type.data = self.new_step_type.data or "single_choice"
            add_starter_rows(question)
            return True
        if len(parts) != 3 or not parts[2].isdigit():
            return False
        index = int(parts[2])
        values = [e.data for e in self.steps.entries]
        if not 0 <= index < len(values):
            return False
        if parts[0] == "remove":
            values.pop(index)
        elif parts[0] == "up" and index > 0:
            values[index - 1], values[index] = values[index], values[index - 1]
        elif parts[0] == "down" and index < len(values) - 1:
            values[index + 1], values[index] = values[index], values[index + 1]
        else:
            return False
        _set_rows(self.steps, values)
        return True


def _set_rows(field_list: FieldList, rows: list[dict[str, Any]]) -> None:
    while field_list.entries:
        field_list.pop_entry()
    for row in rows:
        field_list.append_entry(row)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _points(text: str | None) -> list[Any]:
    points: list[Any] = []
    for pair in (text or "").replace(";", " ").split():
        parts = pair.split(",")
        try:
            points.append((float(parts[0]), float(parts[1])))
        except (ValueError, IndexError):
            points.append(pair)  # pydantic reports it on the polygon field
    return points


class NewQuestionForm(FlaskForm):
    type = SelectField("Question type", choices=TYPE_CHOICES)
    submit = SubmitField("Start writing")


class CommentForm(FlaskForm):
    comment = TextAreaField("Comment", validators=[Length(max=5000)])
    approve = SubmitField("Approve and publish")
    request_changes = SubmitField("Request changes")


class EmptyForm(FlaskForm):
    submit = SubmitField("Confirm")


class UploadImageForm(FlaskForm):
    image = FileField("Image (PNG, JPEG or SVG)", validators=[FileRequired()])
    submit = SubmitField("Upload")


class ImportForm(FlaskForm):
    file = FileField("Bank file (YAML, GIFT, Moodle XML or QTI)", validators=[FileRequired()])
    format = SelectField(
        "Format",
        choices=choices(
            [
                ("", "detect"),
                ("yaml", "YAML"),
                ("gift", "GIFT"),
                ("moodle-xml", "Moodle XML"),
                ("qti", "QTI"),
            ]
        ),
    )
    topic = StringField("Topic for GIFT, Moodle XML and QTI questions", default="imported")
    submit = SubmitField("Check (dry run)")


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    submit = SubmitField("Import")


class ExportForm(FlaskForm):
    format = SelectField(
        "Format",
        choices=choices(
            [("yaml", "YAML"), ("gift", "GIFT"), ("moodle-xml", "Moodle XML"), ("qti", "QTI")]
        ),
    )
    topic = SelectField("Topic", validate_choice=False, choices=[])
    submit = SubmitField("Download")


class HofsteeForm(Form):
    c_min = FloatField("Lowest acceptable cut (%)", validators=[Optional(), NumberRange(0, 100)])
    c_max = FloatField("Highest acceptable cut (%)", validators=[Optional(), NumberRange(0, 100)])
    f_min = FloatField(
        "Lowest acceptable fail rate (%)", validators=[Optional(), NumberRange(0, 100)]
    )
    f_max = FloatField(
        "Highest acceptable fail rate (%)", validators=[Optional(), NumberRange(0, 100)]
    )


def judgement_form(item_keys: list[str]) -> type[FlaskForm]:
    """A form with one rating field per item of the module (declared fields only)."""

    class JudgementForm(FlaskForm):
        hofstee = FormField(HofsteeForm)
        submit = SubmitField("Save my ratings")

    for key in item_keys:
        setattr(
            JudgementForm,
            f"r_{key}",
            FloatField(
                key,
                validators=[Optional(), NumberRange(0, 1)],
                render_kw={"step": "0.05", "min": "0", "max": "1", "inputmode": "decimal"},
            ),
        )
    return JudgementForm


class PassMarkForm(FlaskForm):
    method = SelectField(
        "Method",
        choices=choices(
            [
                ("angoff", "Modified Angoff cut"),
                ("angoff_plus_sem", "Modified Angoff cut + 1 SEM"),
                ("hofstee", "Hofstee compromise cut"),
            ]
        ),
        validators=[InputRequired()],
    )
    submit = SubmitField("Set the pass mark")
