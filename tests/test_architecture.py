"""The import layering of ``app/`` (docs/architecture.md), checked on the source with ``ast``.

Nothing of ``app`` is imported: every ``import``/``from`` statement of every ``app/**.py`` is
read (also the ones inside functions and ``if TYPE_CHECKING:``) and checked against three rules:

1. A package imports only the packages ``ALLOWED`` lists for it, and the core modules (the
   single modules directly under ``app/``, such as ``app/errors.py``). Core modules import only
   core modules. ``app/__init__.py``, the application factory, wires everything and is exempt.
2. No module imports a private name (``_name``) of another package, neither with
   ``from app.x import _name`` nor as ``x._name`` through an imported module.
3. Presenters (``presenters.py``) do not import services (``services.py``).

A failure names the file and line of each offending import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Which packages of app/ each package may import, besides itself and the core modules.
# The layers, top to bottom (docs/architecture.md has the picture):
#   admin  api  demo  ops  regrade  studio   pages, the JSON API of accounts, tools
#   progress                                 dashboards and practice (shows certificates)
#   enrolment                                enrolments, cohorts (who sees what)
#   analysis  certificates  rules            read attempts against the banks; rule changes
#   quiz                                     attempts, scoring
#   banks                                    question banks: content, import/export
#   auth                                     accounts, sessions, roles
#   audit  derived  questions                the audit log; kept results; the type registry
#   core: app/*.py                           clock, config, errors, extensions, text, ...
ALLOWED: dict[str, frozenset[str]] = {
    "questions": frozenset(),
    "public": frozenset({"banks", "questions"}),
    "requirements": frozenset(),
    "jurisdictions": frozenset({"requirements"}),
    "audit": frozenset(),
    "derived": frozenset(),
    "mail": frozenset(),
    "siteconfig": frozenset({"audit"}),
    "auth": frozenset({"audit", "jurisdictions", "mail", "siteconfig"}),
    "banks": frozenset({"audit", "auth", "jurisdictions", "questions", "requirements"}),
    "quiz": frozenset({"audit", "auth", "banks", "questions"}),
    "certificates": frozenset({"audit", "auth", "banks", "quiz", "requirements", "siteconfig"}),
    "analysis": frozenset({"banks", "derived", "quiz", "questions"}),
    "enrolment": frozenset({"audit", "auth", "banks", "certificates", "quiz"}),
    "practical": frozenset(
        {"audit", "auth", "banks", "certificates", "enrolment", "mail", "requirements"}
    ),
    "licensing": frozenset(
        {
            "audit",
            "auth",
            "banks",
            "certificates",
            "enrolment",
            "jurisdictions",
            "mail",
            "practical",
            "quiz",
            "requirements",
        }
    ),
    "progress": frozenset(
        {
            "audit",
            "auth",
            "banks",
            "certificates",
            "enrolment",
            "licensing",
            "practical",
            "quiz",
            "questions",
            "requirements",
        }
    ),
    "rules": frozenset({"audit", "auth", "banks", "requirements"}),
    "studio": frozenset(
        {"analysis", "audit", "auth", "banks", "derived", "quiz", "questions", "rules"}
    ),
    "admin": frozenset(
        {
            "audit",
            "auth",
            "banks",
            "certificates",
            "derived",
            "enrolment",
            "licensing",
            "mail",
            "quiz",
            "rules",
            "siteconfig",
        }
    ),
    "notify": frozenset({"audit", "auth", "certificates", "mail"}),
    "regrade": frozenset({"audit", "auth", "banks", "certificates", "derived", "mail", "quiz"}),
    "api": frozenset({"auth"}),
    "demo": frozenset(
        {"auth", "banks", "certificates", "enrolment", "licensing", "practical", "quiz"}
    ),
    "ops": frozenset({"certificates", "quiz"}),
    "xapi": frozenset({"auth", "banks", "certificates", "mail", "quiz"}),
    "lti": frozenset({"audit", "auth", "banks", "enrolment", "quiz"}),
    "benchseed": frozenset({"auth", "banks", "enrolment", "quiz"}),
}

FACTORY = "app/__init__.py"


def module_name(rel: Path) -> str:
    """``app/quiz/services.py`` -> ``app.quiz.services``; a package -> its own name."""
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def area(module: str) -> str:
    """The package (or core module) a module belongs to: ``app.quiz.services`` -> ``quiz``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def read_sources(root: Path = ROOT) -> dict[str, str]:
    """Every ``app/**.py`` as ``{"app/…/x.py": source}``."""
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((root / "app").rglob("*.py"))
    }


def _imports(
    rel: str, tree: ast.AST, modules: set[str]
) -> Iterable[tuple[int, str, str | None, str]]:
    """Each import as (line, target module, imported name or None, the local name it binds).

    ``from app.quiz import services`` targets the module ``app.quiz.services``;
    ``from app.quiz.services import to_display`` targets ``app.quiz.services``, name ``to_display``.
    """
    here = module_name(Path(rel))
    package = here if rel.endswith("__init__.py") else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "app" or alias.name.startswith("app."):
                    # ``import app.x.y`` binds ``app``; ``import app.x.y as z`` binds z.
                    yield node.lineno, alias.name, None, alias.asname or "app"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source != "app" and not source.startswith("app."):
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in modules:
                    yield node.lineno, submodule, None, alias.asname or alias.name
                else:
                    yield node.lineno, source, alias.name, alias.asname or alias.name


def check(sources: Mapping[str, str], allowed: Mapping[str, frozenset[str]] = ALLOWED) -> list[str]:
    """Every breach of the layering in ``sources`` (``{"app/…/x.py": source}``), as
    ``"app/…/x.py:LINE: reason"``; an empty list when the imports keep to the rules."""
    modules = {module_name(Path(rel)) for rel in sources}
    core = {
        Path(rel).stem
        for rel in sources
        if len(Path(rel).parts) == 2 and Path(rel).name != "__init__.py"
    }
    problems: list[str] = []
    for rel, source in sources.items():
        here = module_name(Path(rel))
        mine = area(here)
        is_presenter = here.rsplit(".", 1)[-1] == "presenters"
        tree = ast.parse(source, filename=rel)
        if mine and mine not in core and mine not in allowed:
            problems.append(
                f"{rel}:1: the package app/{mine} is not in the layering: "
                "add it to ALLOWED (tests/test_architecture.py) and docs/architecture.md"
            )
            continue
        bound: dict[str, str] = {}  # local name -> app module it names
        for line, target, name, local in _imports(rel, tree, modules):
            theirs = area(target)
            where = f"{rel}:{line}"
            if name is None:
                bound[local] = "app" if local == "app" else target
            if rel != FACTORY and theirs and theirs != mine:
                if mine in core and theirs not in core:
                    problems.append(
                        f"{where}: core module app/{mine}.py imports {target} "
                        "(core modules import only core modules)"
                    )
                elif mine not in core and theirs not in core and theirs not in allowed[mine]:
                    problems.append(f"{where}: {mine} may not import {theirs} ({target})")
                if name is not None and _private(name):
                    problems.append(f"{where}: imports the private name {name} of {target}")
            if is_presenter and "services" in target.split(".")[1:]:
                problems.append(f"{where}: a presenter imports services ({target})")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                target = _dotted(node.value, bound)
                if target is not None and area(target) and area(target) != mine:
                    problems.append(
                        f"{rel}:{node.lineno}: uses the private name {node.attr} of {target}"
                    )
    return list(dict.fromkeys(problems))  # once per line, however many names it imports


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _dotted(node: ast.expr, bound: Mapping[str, str]) -> str | None:
    """The app module an expression like ``services`` or ``app.quiz.services`` names, if any."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    return ".".join([bound[node.id], *reversed(attrs)])


# ---------------------------------------------------------------- the app itself


def test_the_allowed_imports_have_no_cycle() -> None:
    """The allowed edges form layers: following them never leads back to where it started."""
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, "cycle: " + " -> ".join((*path, package))
        if package in done:
            return
        for lower in ALLOWED.get(package, ()):
            visit(lower, (*path, package))
        done.add(package)

    for package in ALLOWED:
        visit(package, ())
    for package, lower in ALLOWED.items():
        assert lower <= ALLOWED.keys(), f"{package}: unknown packages {lower - ALLOWED.keys()}"


def test_docs_table_is_the_allowed_table() -> None:
    """docs/architecture.md's table says the same as ``ALLOWED``."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`") and cells[0].endswith("`"):
            lower = cells[1].replace("nothing", "")
            documented[cells[0].strip("`")] = frozenset(
                x.strip() for x in lower.split(",") if x.strip()
            )
    assert documented == ALLOWED


def test_app_imports_keep_to_the_layering() -> None:
    sources = read_sources()
    assert "app/quiz/services.py" in sources and "app/__init__.py" in sources
    problems = check(sources)
    assert not problems, "imports that break docs/architecture.md:\n" + "\n".join(problems)


# ---------------------------------------------------------------- the check checks


BASE = {
    "app/__init__.py": "from app.quiz import routes\n",
    "app/errors.py": "",
    "app/extensions.py": "from app.errors import DomainError\n",
    "app/banks/__init__.py": "",
    "app/banks/schema.py": "",
    "app/banks/services.py": "def _upsert_case():\n    pass\n",
    "app/quiz/__init__.py": "",
    "app/quiz/models.py": "",
    "app/quiz/services.py": "def _display():\n    pass\n",
    "app/quiz/presenters.py": "from app.quiz import models\n",
    "app/quiz/routes.py": "from app.banks import schema\nfrom . import services\n",
    "app/studio/__init__.py": "",
}
RULES = {
    "banks": frozenset(),
    "quiz": frozenset({"banks"}),
    "studio": frozenset({"banks", "quiz"}),
}


def test_a_clean_tree_has_no_problems() -> None:
    assert check(BASE, RULES) == []


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        (
            "app/banks/item_analysis.py",
            '"""Doc."""\n\nfrom app.quiz.models import Attempt\n',
            "app/banks/item_analysis.py:3: banks may not import quiz (app.quiz.models)",
        ),
        (
            "app/banks/stats.py",
            "from app.quiz.models import Attempt, AttemptItem\n",
            "app/banks/stats.py:1: banks may not import quiz (app.quiz.models)",
        ),
        (
            "app/banks/stats.py",
            "def f():\n    from app.quiz import models\n",
            "app/banks/stats.py:2: banks may not import quiz (app.quiz.models)",
        ),
        (
            "app/banks/stats.py",
            "import app.quiz.models as qm\n",
            "app/banks/stats.py:1: banks may not import quiz (app.quiz.models)",
        ),
        (
            "app/banks/stats.py",
            "from ..quiz import services\n",
            "app/banks/stats.py:1: banks may not import quiz (app.quiz.services)",
        ),
        (
            "app/studio/routes.py",
            "from app.quiz.services import _display\n",
            "app/studio/routes.py:1: imports the private name _display of app.quiz.services",
        ),
        (
            "app/studio/services.py",
            "from app.banks import services as bank_services\n\nbank_services._upsert_case()\n",
            "app/studio/services.py:3: uses the private name _upsert_case of app.banks.services",
        ),
        (
            "app/quiz/presenters.py",
            "from app.quiz.models import Attempt\nfrom app.quiz.services import to_display\n",
            "app/quiz/presenters.py:2: a presenter imports services (app.quiz.services)",
        ),
        (
            "app/quiz/presenters.py",
            "from . import services\n",
            "app/quiz/presenters.py:1: a presenter imports services (app.quiz.services)",
        ),
        (
            "app/errors.py",
            "from app.banks.schema import Mode\n",
            "app/errors.py:1: core module app/errors.py imports app.banks.schema "
            "(core modules import only core modules)",
        ),
        (
            "app/reports/__init__.py",
            "",
            "app/reports/__init__.py:1: the package app/reports is not in the layering: "
            "add it to ALLOWED (tests/test_architecture.py) and docs/architecture.md",
        ),
    ],
)
def test_a_bad_import_is_reported_with_its_file_and_line(
    path: str, source: str, expected: str
) -> None:
    assert check({**BASE, path: source}, RULES) == [expected]


def test_allowed_imports_and_own_private_names_pass() -> None:
    ok = {
        "app/studio/routes.py": "from app.quiz import presenters\nfrom app.banks import schema\n",
        "app/quiz/api.py": "from app.quiz.services import _display\nfrom app import errors\n",
        "app/banks/cli.py": "from app.banks import services\n\nservices._upsert_case()\n",
    }
    assert check({**BASE, **ok}, RULES) == []
