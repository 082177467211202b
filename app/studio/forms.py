"""Studio forms. A question form is turned into a dict and validated by the bank's pydantic
model (``app.banks.schema``): one set of rules for files and forms. Pydantic's errors are
mapped back onto the form's fields.

Only the fields declared here are ever read (``to_data``); ``author_id``, ``status``, ids of
other objects and anything else a client adds to the POST body are ignored.
"""

from __future__ import annotations

import threading
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from pydantic import ValidationError
from wtforms import (
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.form import FormMeta
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.banks.schema import (
    DEFAULT_USE,
    QUESTION_ADAPTER,
    Case,
    CognitiveLevel,
    Difficulty,
    QuestionBase,
    Use,
)
from app.i18n import gettext
from app.i18n import lazy_gettext as _l
from app.input_guard import NumberRange  # refuses a huge integer (WTForms fails on it)
from app.questions import studio_facet
from app.questions.studio_facet import StudioFacet, set_rows
from app.studio.messages import plain


def choices(pairs: list[tuple[Any, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def type_choices() -> list[SelectChoice]:
    """The type chooser: every type with a studio facet, in the facets' order."""
    return choices([(type_id, studio_facet.label(type_id)) for type_id, _ in studio_facet.facets()])


DIFFICULTY_CHOICES = choices([(d.value, d.value) for d in Difficulty])
COGNITIVE_LEVEL_CHOICES = choices(
    [
        ("", _l("not set")),
        (CognitiveLevel.RECALL.value, _l("recall: remember a fact")),
        (CognitiveLevel.APPLICATION.value, _l("application: a patient, a setting and a decision")),
        (CognitiveLevel.ANALYSIS.value, _l("analysis: several findings to weigh")),
    ]
)
REVIEWER_NOTES_LABEL = _l("Reviewer notes (for reviewers only; never shown to a trainee)")
USE_CHOICES = choices(
    [
        (Use.PRACTICE.value, _l("practice: served in practice, key shown once answered")),
        (Use.EXAM.value, _l("exam: secure, its key never shown to a trainee")),
    ]
)


class _QuestionFieldsMeta(FormMeta):
    """Adds the fields of every registered studio facet to ``QuestionFields`` before a form is
    built, so that a type registered later (a test's throwaway type) is editable too.

    The fields keep the order of the old single class: the common fields of
    ``QuestionFields``, then the facets' fields in chooser order, then a subclass's own fields.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        with _sync_lock:
            generation = _sync_facet_fields()
            if cls.__dict__.get("_facet_generation") != generation:
                cls._facet_generation = generation
                cls._unbound_fields = None
            if cls._unbound_fields is None:
                cls._unbound_fields = _ordered_fields(cls)
        return super().__call__(*args, **kwargs)


class QuestionFields(Form, metaclass=_QuestionFieldsMeta):
    """The fields every question has, plus each registered type's own fields (its studio
    facet's ``fields``); ``type`` decides which facet reads and fills them.

    A plain form so that a case step can hold one (``FormField``); ``QuestionForm`` adds the
    topic, the save button and CSRF for a standalone question.
    """

    key = StringField(_l("Key"), validators=[Optional(), Length(max=80)])
    type = SelectField(_l("Type"), choices=type_choices)
    title = StringField(_l("Title"), validators=[Length(max=200)])
    stem = TextAreaField(_l("Stem (Markdown)"), render_kw={"rows": 6, "data-preview": "stem"})
    explanation = TextAreaField(_l("Explanation (Markdown)"), render_kw={"rows": 4})
    references = TextAreaField(_l("References (one per line)"), render_kw={"rows": 3})
    objective = StringField(
        _l("Learning objective"),
        validators=[Optional(), Length(max=80)],
        description=_l(
            "Pick one of the modules' objectives (type to filter by id or words), or leave empty."
        ),
    )
    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES, default="medium")
    # Practice or exam (a case step's is its case's: set by the case form).
    use = SelectField(_l("Use"), choices=USE_CHOICES, default=DEFAULT_USE.value)
    tags = StringField(_l("Tags (comma-separated)"))
    cognitive_level = SelectField(
        _l("Cognitive level"), choices=COGNITIVE_LEVEL_CHOICES, default=""
    )
    # A rule-dependent item (a jurisdiction's rule): when it was checked, when to check again.
    as_of = StringField(_l("Rule checked on (as_of, YYYY-MM-DD)"), validators=[Length(max=10)])
    review_by = StringField(
        _l("Check the rule again by (review_by, YYYY-MM-DD)"), validators=[Length(max=10)]
    )
    reviewer_notes = TextAreaField(REVIEWER_NOTES_LABEL, render_kw={"rows": 3})

    # ------------------------------------------------------------ form <-> model

    def facet(self) -> StudioFacet | None:
        """The studio facet of this form's type (None for an unknown type)."""
        return studio_facet.facet(self.type.data)

    def to_data(self) -> dict[str, Any]:
        """The bank-format dict of this form (declared fields only, the type's own by its
        facet)."""
        data: dict[str, Any] = {
            "key": (self.key.data or "").strip(),
            "type": self.type.data,
            "difficulty": self.difficulty.data,
            "use": self.use.data or DEFAULT_USE.value,
            "title": self.title.data or "",
            "stem": self.stem.data or "",
            "explanation": self.explanation.data or "",
            "references": studio_facet.lines(self.references.data),
            "tags": [t.strip() for t in (self.tags.data or "").split(",") if t.strip()],
        }
        if (self.objective.data or "").strip():
            data["objective"] = self.objective.data.strip()
        data.update(self._review_data())
        facet = self.facet()
        if facet is not None:
            self._drop_blank_rows()
            data.update(facet.to_data(self))
            self._generate_ids(data)
        return data

    def _drop_blank_rows(self) -> None:
        """Rows left wholly empty (a starter row not used) are not part of the question: they
        are dropped, not reported as errors ("Option 4: text is required")."""
        for name in row_lists():
            field = self._fields.get(name)
            if not isinstance(field, FieldList):
                continue
            kept = [e for e in field.entries if not _blank(e)]
            if len(kept) != len(field.entries):
                field.entries = kept

    def _generate_ids(self, data: dict[str, Any]) -> None:
        """Ids of the rows the author added (options, regions…): generated, never typed.

        A row that has an id (loaded from a saved version, posted back in a hidden field) keeps
        it, so a revision's history and the attempts' responses stay stable; a new row gets the
        first free ``<letter><n>`` ("o3" for an option) that no other row of the list uses.
        """
        for name in row_lists():
            rows, field = data.get(name), self._fields.get(name)
            if not isinstance(rows, list) or not isinstance(field, FieldList):
                continue
            entries = field.entries
            typed = [
                "id" in getattr(e, "form", {}) and bool((e.form.id.data or "").strip())
                for e in entries
            ]
            if len(typed) != len(rows) or all(typed):
                continue
            taken = {r.get("id") for r, kept in zip(rows, typed, strict=True) if kept}
            number = 0
            for row, kept in zip(rows, typed, strict=True):
                if kept or not isinstance(row, dict) or "id" not in row:
                    continue
                number += 1
                while f"{name[0]}{number}" in taken:
                    number += 1
                row["id"] = f"{name[0]}{number}"
                taken.add(row["id"])

    def _review_data(self) -> dict[str, Any]:
        """The reviewer metadata of the form (left out when empty, as in bank files)."""
        data: dict[str, Any] = {"reviewer_notes": self.reviewer_notes.data or ""}
        for name in ("cognitive_level", "as_of", "review_by"):
            value = (getattr(self, name).data or "").strip()
            if value:
                data[name] = value
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
            self.add_error(list(error["loc"]), plain(error))

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
        facet = self.facet()
        names = dict(facet.error_fields) if facet is not None else {}
        if not loc:
            # a model validator's message names its field first ("pairs: …", kept untranslated
            # in every language; French puts a no-break space before the colon)
            head = message.split(":", 1)[0].strip()
            loc = [head] if head in self._fields or head in names else []
            if not loc:
                return None
        head = str(loc[0])
        if head in row_lists() and len(loc) >= 2 and isinstance(loc[1], int):
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
        self.use.data = d.get("use", DEFAULT_USE.value)
        self.tags.data = ", ".join(d.get("tags", []))
        self.cognitive_level.data = d.get("cognitive_level") or ""
        self.as_of.data = d.get("as_of") or ""
        self.review_by.data = d.get("review_by") or ""
        self.reviewer_notes.data = d.get("reviewer_notes", "")
        facet = self.facet()
        if facet is not None:
            facet.fill(self, d)

    def set_media_choices(self, images: list[SelectChoice]) -> None:
        """Offer the studio's uploaded images in every facet's image field."""
        for _, facet in studio_facet.facets():
            if facet.media_field is not None:
                getattr(self, facet.media_field).choices = images

    def apply_row_action(self, action: str) -> bool:
        """Handle "add:options", "remove:options:2", "up:items:1", "down:pairs:0" (no JS needed).

        Returns True when an action was applied (the form is shown again, nothing saved).
        """
        parts = (action or "").split(":")
        if len(parts) < 2 or parts[1] not in row_lists():
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
        set_rows(rows, values)
        return True


# ---------------------------------------------------------------- the facets' fields

_COMMON_FIELDS = frozenset(
    name for name in vars(QuestionFields) if hasattr(getattr(QuestionFields, name), "_formfield")
)
_facet_fields: dict[str, UnboundField] = {}  # name -> field, as set on QuestionFields
_facet_field_cache: dict[int, tuple[StudioFacet, dict[str, UnboundField]]] = {}
_generation = 0
_sync_lock = threading.RLock()


def _fields_of(facet: StudioFacet) -> dict[str, UnboundField]:
    """A facet's fields, created once (so the form keeps the same field objects)."""
    cached = _facet_field_cache.get(id(facet))
    if cached is None or cached[0] is not facet:
        cached = (facet, dict(facet.fields()))
        _facet_field_cache[id(facet)] = cached
    return cached[1]


def _sync_facet_fields() -> int:
    """Make ``QuestionFields`` hold exactly the registered facets' fields; returns a number that
    changes whenever they change."""
    global _generation
    wanted: dict[str, UnboundField] = {}
    for type_id, facet in studio_facet.facets():
        for name, unbound in _fields_of(facet).items():
            if name in _COMMON_FIELDS or name.startswith("_"):
                raise ValueError(f"question type {type_id!r}: field name {name!r} is reserved")
            wanted.setdefault(name, unbound)  # a shared name: the first type's field
    if wanted.keys() == _facet_fields.keys() and all(wanted[n] is _facet_fields[n] for n in wanted):
        return _generation
    for name in _facet_fields.keys() - wanted.keys():
        delattr(QuestionFields, name)
    for name, unbound in wanted.items():
        setattr(QuestionFields, name, unbound)
    _facet_fields.clear()
    _facet_fields.update(wanted)
    _generation += 1
    return _generation


def _ordered_fields(cls: type) -> list[tuple[str, UnboundField]]:
    """``cls``'s unbound fields: common ones, the facets' (in chooser order), then the rest."""
    facet_rank = {name: i for i, name in enumerate(_facet_fields)}
    found = [
        (name, getattr(cls, name))
        for name in dir(cls)
        if not name.startswith("_") and hasattr(getattr(cls, name), "_formfield")
    ]

    def rank(item: tuple[str, UnboundField]) -> tuple[int, int, str]:
        name, unbound = item
        if name in _COMMON_FIELDS:
            return (0, unbound.creation_counter, name)
        if name in facet_rank:
            return (1, facet_rank[name], name)
        return (2, unbound.creation_counter, name)

    return sorted(found, key=rank)


def row_lists() -> dict[str, str]:
    """Every facet's row lists: field name -> the label of one row."""
    found: dict[str, str] = {}
    for _, facet in studio_facet.facets():
        for name, row_label in facet.row_lists.items():
            found.setdefault(name, row_label)
    return found


def _blank(entry: Any) -> bool:
    """Whether a row of a row list holds nothing the author typed or ticked."""
    form = getattr(entry, "form", None)
    if form is None:
        return False
    for sub in form:
        value = sub.data
        if isinstance(value, str) and value.strip() or value not in (None, "", False):
            return False
    return True


class SummaryLine(str):
    """One line of an error summary; ``anchor`` is the id of the field it is about (the
    summary links to it)."""

    anchor: str = ""

    @classmethod
    def of(cls, text: str, anchor: str) -> SummaryLine:
        line = cls(text)
        line.anchor = anchor
        return line


def error_summary(form: Form | FlaskForm, prefix: str = "") -> list[SummaryLine]:
    """Readable lines for a form's errors: "Stem: …", "Option 2: text: …", not raw structures,
    each with the id of its field (``anchor``; a form-level error has none).

    Walks the fields themselves (errors mapped from pydantic after validation are set on the
    sub-fields of row lists, which ``form.errors`` of a ``FieldList`` does not see again). A
    nested form (a case step's question) is prefixed by its own label.
    """
    lines = [
        SummaryLine.of(f"{prefix}{e}" if prefix else str(e), "")
        for e in getattr(form, "form_errors", [])
    ]
    for name, field in form._fields.items():
        label = f"{prefix}{field.label.text if prefix == '' else field.label.text.lower()}"
        if isinstance(field, FieldList):
            row_label = {**row_lists(), "steps": _l("Step")}.get(name, field.label.text)
            for i, entry in enumerate(field.entries):
                head = f"{prefix}{row_label} {i + 1}: "
                if isinstance(entry, FormField):
                    lines.extend(error_summary(entry.form, head))
                else:
                    lines.extend(
                        SummaryLine.of(f"{head}{e}", entry.id) for e in _strings(entry.errors)
                    )
            anchor = field.entries[0].id if field.entries else field.id
            lines.extend(SummaryLine.of(f"{label}: {e}", anchor) for e in _strings(field.errors))
        elif isinstance(field, FormField):
            lines.extend(error_summary(field.form, f"{label}: "))
        else:
            lines.extend(SummaryLine.of(f"{label}: {e}", field.id) for e in _strings(field.errors))
    return lines


def _strings(errors: Any) -> list[str]:
    """The plain messages of a field's errors (row structures are reported per row)."""
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, list | tuple):
        return [e for e in errors if isinstance(e, str)]
    return []


class QuestionForm(QuestionFields, FlaskForm):
    topic_id = SelectField(_l("Topic"), coerce=int, validate_choice=False)
    save = SubmitField(_l("Save draft"))


def add_starter_rows(form: QuestionFields) -> None:
    """Empty rows to type into for a new question of ``form.type.data`` (its facet's)."""
    facet = form.facet()
    for name, count in (facet.starter_rows if facet is not None else {}).items():
        for _ in range(count):
            getattr(form, name).append_entry()


class StepForm(Form):
    disclosure = TextAreaField(
        _l("Disclosure (Markdown, shown when this step opens; optional)"), render_kw={"rows": 3}
    )
    question = FormField(QuestionFields, label=_l("Question"))
    reviewer_notes = TextAreaField(
        _l("Reviewer notes on this step (never shown to a trainee)"), render_kw={"rows": 2}
    )


class CaseForm(FlaskForm):
    """A case scenario: vignette and ordered steps, validated by the bank's ``Case`` model."""

    key = StringField(_l("Key"), validators=[Optional(), Length(max=80)])
    topic_id = SelectField(_l("Topic"), coerce=int, validate_choice=False)
    title = StringField(_l("Title"), validators=[Length(max=200)])
    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES, default="medium")
    use = SelectField(
        _l("Use (shared by every step)"), choices=USE_CHOICES, default=DEFAULT_USE.value
    )
    tags = StringField(_l("Tags (comma-separated)"))
    vignette = TextAreaField(
        _l("Vignette (Markdown)"), render_kw={"rows": 6, "data-preview": "vignette"}
    )
    reviewer_notes = TextAreaField(REVIEWER_NOTES_LABEL, render_kw={"rows": 3})
    steps = FieldList(FormField(StepForm), min_entries=0)
    new_step_type = SelectField(_l("Type of the new step's question"), choices=type_choices)
    save = SubmitField(_l("Save draft"))

    def to_data(self) -> dict[str, Any]:
        """The bank-format dict of this case (declared fields only)."""
        key = (self.key.data or "").strip()
        use = self.use.data or DEFAULT_USE.value
        steps = []
        for i, entry in enumerate(self.steps.entries):
            question = {**entry.form.question.form.to_data(), "use": use}
            if not question["key"] and key:
                question["key"] = f"{key}-s{i + 1}"
            steps.append(
                {
                    "disclosure": entry.form.disclosure.data or "",
                    "reviewer_notes": entry.form.reviewer_notes.data or "",
                    "question": question,
                }
            )
        return {
            "key": key,
            "title": self.title.data or "",
            "difficulty": self.difficulty.data,
            "use": use,
            "tags": [t.strip() for t in (self.tags.data or "").split(",") if t.strip()],
            "vignette": self.vignette.data or "",
            "reviewer_notes": self.reviewer_notes.data or "",
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
            message = plain(error)
            if (
                len(loc) >= 2
                and loc[0] == "steps"
                and isinstance(loc[1], int)
                and loc[1] < len(self.steps.entries)
            ):
                step = self.steps.entries[loc[1]].form
                if len(loc) >= 3 and loc[2] in ("disclosure", "reviewer_notes"):
                    target = step[loc[2]]
                    target.errors = [*list(target.errors), message]
                else:
                    step.question.form.add_error(loc[3:], message)
                continue
            head = str(loc[0]) if loc else message.split(":", 1)[0].strip()
            named = ("title", "vignette", "tags", "key", "use", "reviewer_notes")
            field = self._fields.get(head) if head in named else None
            if field is not None:
                field.errors = [*list(field.errors), message]
            else:
                self.form_errors.append(
                    gettext("%(field)s: %(message)s", field=head.capitalize(), message=message)
                    if loc
                    else message
                )

    def fill(self, case: Case) -> None:
        """Set the form from a model (GET of an existing draft)."""
        self.key.data = case.key
        self.title.data = case.title
        self.difficulty.data = case.difficulty.value
        self.use.data = case.use.value
        self.tags.data = ", ".join(case.tags)
        self.vignette.data = case.vignette
        self.reviewer_notes.data = case.reviewer_notes
        while self.steps.entries:
            self.steps.pop_entry()
        for step in case.steps:
            entry = self.steps.append_entry()
            entry.form.disclosure.data = step.disclosure
            entry.form.reviewer_notes.data = step.reviewer_notes
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
            question.type.data = self.new_step_type.data or studio_facet.default_type()
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
        set_rows(self.steps, values)
        return True


class NewQuestionForm(FlaskForm):
    type = SelectField(_l("Question type"), choices=type_choices)
    submit = SubmitField(_l("Start writing"))


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])
    approve = SubmitField(_l("Approve and publish"))
    request_changes = SubmitField(_l("Request changes"))


class EmptyForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


class UploadImageForm(FlaskForm):
    image = FileField(_l("Image (PNG, JPEG or SVG)"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload"))


class ImportForm(FlaskForm):
    file = FileField(_l("Bank file (YAML, GIFT, Moodle XML or QTI)"), validators=[FileRequired()])
    format = SelectField(
        _l("Format"),
        choices=choices(
            [
                ("", _l("detect")),
                ("yaml", "YAML"),
                ("gift", "GIFT"),
                ("moodle-xml", "Moodle XML"),
                ("qti", "QTI"),
            ]
        ),
    )
    topic = StringField(
        _l("Topic for GIFT, Moodle XML and QTI questions"),
        default="imported",
        validators=[Length(max=80)],  # a topic's slug
    )
    submit = SubmitField(_l("Check (dry run)"))


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    submit = SubmitField(_l("Import"))


class ExportForm(FlaskForm):
    format = SelectField(
        _l("Format"),
        choices=choices(
            [("yaml", "YAML"), ("gift", "GIFT"), ("moodle-xml", "Moodle XML"), ("qti", "QTI")]
        ),
    )
    topic = SelectField(_l("Topic"), validate_choice=False, choices=[])
    submit = SubmitField(_l("Download"))


class HofsteeForm(Form):
    c_min = FloatField(
        _l("Lowest acceptable cut (%)"), validators=[Optional(), NumberRange(0, 100)]
    )
    c_max = FloatField(
        _l("Highest acceptable cut (%)"), validators=[Optional(), NumberRange(0, 100)]
    )
    f_min = FloatField(
        _l("Lowest acceptable fail rate (%)"), validators=[Optional(), NumberRange(0, 100)]
    )
    f_max = FloatField(
        _l("Highest acceptable fail rate (%)"), validators=[Optional(), NumberRange(0, 100)]
    )


def judgement_form(item_keys: list[str]) -> type[FlaskForm]:
    """A form with one rating field per item of the module (declared fields only)."""

    class JudgementForm(FlaskForm):
        hofstee = FormField(HofsteeForm)
        submit = SubmitField(_l("Save my ratings"))

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


class PlainFloatField(FloatField):
    """A FloatField whose parse error is a sentence ("Not a valid float value" is not)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Enter a number, e.g. 0.6."))) from exc


class RatingForm(FlaskForm):
    """One judge's Angoff rating of one item (saved by its own POST: a judge saves as they go)."""

    rating = PlainFloatField(
        _l("Probability that a minimally competent candidate answers this item correctly (0 to 1)"),
        validators=[
            InputRequired(message=_l("Enter a probability between 0 and 1, e.g. 0.6.")),
            NumberRange(0, 1, message=_l("Enter a probability between 0 and 1, e.g. 0.6.")),
        ],
        render_kw={"step": "0.05", "min": "0", "max": "1", "inputmode": "decimal"},
    )
    save_next = SubmitField(_l("Save and go to the next item"))
    save = SubmitField(_l("Save"))


class LimitsForm(FlaskForm):
    """A judge's Hofstee limits on their own (the Angoff ratings are kept)."""

    hofstee = FormField(HofsteeForm)
    submit = SubmitField(_l("Save my limits"))


class PassMarkForm(FlaskForm):
    method = SelectField(
        _l("Method"),
        choices=choices(
            [
                ("angoff", _l("Modified Angoff cut")),
                ("angoff_plus_sem", _l("Modified Angoff cut + 1 SEM")),
                ("hofstee", _l("Hofstee compromise cut")),
            ]
        ),
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Propose this pass mark"))


class RulesForm(FlaskForm):
    """A rule-change proposal: the rule fields are read by name (``app.rules.fields``), the
    reason is shown to the administrator who decides."""

    reason = TextAreaField(
        _l("Why (the administrator who decides sees it)"),
        validators=[InputRequired(), Length(max=2000)],
    )
    submit = SubmitField(_l("Propose the change"))
