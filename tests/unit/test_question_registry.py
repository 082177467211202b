"""The question-type registry: every type complete, and its identifier only in its own paths."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from app.banks.schema import QuestionType, question_models
from app.questions import registry
from app.questions.facets import templates_for

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TYPES = [spec.id for spec in registry.all_types()]

# At most this many Python files outside the type paths may name an identifier (e.g. a
# format's own name for a type).
MAX_PYTHON_FILES_NAMING_A_TYPE = 2


def _own_path(rel: str, type_id: str) -> object:
    own = (f"app/questions/types/{type_id}/", f"app/templates/questions/{type_id}/")
    return rel.startswith(own) or re.match(
        rf"app/static/(js|css)/questions/{type_id}([./-]|$)", rel
    )


KEYWORD_USES = re.compile(
    r"""inputmode=["']numeric["']|\b(?:hour|minute|second|day|month|year):\s*["']numeric["']"""
)
"""HTML's ``inputmode="numeric"`` and Intl's ``{hour: "numeric"}`` are keywords of the web
platform, not the numeric question type."""


def _naming(paths: list[Path]) -> dict[str, list[str]]:
    """file -> the identifiers it names as a quoted string, outside that type's own paths."""
    found: dict[str, list[str]] = {}
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        text = KEYWORD_USES.sub("", path.read_text(encoding="utf-8"))
        names = [
            t
            for t in TYPES
            if not _own_path(rel, t) and re.search(rf"""["']{t}["']""", text) is not None
        ]
        if names:
            found[rel] = names
    return found


def test_nine_types_are_registered_in_display_order():
    assert len(TYPES) >= 9
    assert [str(t) for t in QuestionType] == TYPES
    orders = [spec.content.order for spec in registry.all_types()]
    assert orders == sorted(orders)


@pytest.mark.parametrize("type_id", TYPES)
def test_every_type_has_its_content_and_quiz_facets_and_partials(type_id):
    spec = registry.get(type_id)
    assert spec.content is not None and spec.quiz is not None
    literal = spec.content.model.model_fields["type"].annotation
    assert typing.get_args(literal) == (type_id,)
    assert question_models()[type_id] is spec.content.model
    for part, name in templates_for(type_id, spec.quiz).items():
        assert (APP / "templates" / name).is_file(), f"{type_id}: no {part} partial {name}"
    for src in spec.quiz.scripts:
        assert (APP / "static" / src).is_file(), f"{type_id}: no script {src}"
    for href in spec.quiz.styles:
        assert (APP / "static" / href).is_file(), f"{type_id}: no stylesheet {href}"
        assert _own_path(f"app/static/{href}", type_id), f"{type_id}: {href} not in its paths"


def test_stylesheets_outside_the_type_paths_style_no_type():
    """A type's look lives in ``css/questions/<id>.css``, loaded through its quiz facet."""
    found = {}
    for path in APP.glob("static/css/**/*.css"):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        for t in TYPES:
            names = {t, t.replace("_", "-")}
            if not _own_path(rel, t) and any(re.search(rf"\.{n}[-\s.:{{,\[]", text) for n in names):
                found.setdefault(rel, []).append(t)
    assert found == {}


def test_templates_and_scripts_do_not_name_a_type_outside_its_paths():
    files = [*APP.glob("templates/**/*.html"), *APP.glob("static/js/**/*.js")]
    assert _naming(files) == {}


def test_few_python_files_name_a_type_outside_its_paths():
    naming = _naming(list(APP.glob("**/*.py")))
    assert len(naming) <= MAX_PYTHON_FILES_NAMING_A_TYPE, naming


def test_an_unknown_type_is_refused():
    with pytest.raises(registry.UnknownQuestionType):
        registry.get("no_such_type")
    assert "no_such_type" not in QuestionType
    with pytest.raises(AttributeError):
        QuestionType.NO_SUCH_TYPE  # noqa: B018
