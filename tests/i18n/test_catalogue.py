"""The catalogues are current and complete, and no template text is left unmarked.

When one of these fails:

- "stale catalogue": run ``make translations-update`` (it extracts the marked strings into
  app/translations/messages.pot and merges them into each .po), then translate what it added;
- "untranslated": translate the listed msgids in app/translations/fr_CA/LC_MESSAGES/messages.po
  (no empty, no fuzzy entry; the same %(placeholders)s as the English);
- "unmarked": wrap the listed text in ``{{ _("...") }}`` (docs/i18n.md says how).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.i18n.unmarked import all_offenders

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
POT = TRANSLATIONS / "messages.pot"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%%")

PENDING_MERGE: tuple[str, ...] = ()
"""Templates whose owners are marking them on their own branches: their unmarked text is
reported (printed) but does not fail yet. Whoever merges them removes them from this list;
the test fails when an entry here has nothing left to mark, so the list only shrinks."""


def _msgids(path: Path) -> set[object]:
    with path.open("rb") as source:
        return {m.id for m in read_po(source) if m.id}


def test_the_committed_catalogue_template_is_current(tmp_path):
    fresh = tmp_path / "messages.pot"
    command = [
        *(sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"),
        *("-k", "lazy_gettext", "-k", "_l", "--no-location", "-o", str(fresh), "."),
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    committed, extracted = _msgids(POT), _msgids(fresh)
    missing = sorted(map(str, extracted - committed))
    gone = sorted(map(str, committed - extracted))
    assert not missing and not gone, (
        "stale catalogue: run `make translations-update` and translate the new strings.\n"
        f"Marked but not in messages.pot: {missing[:20]}\nIn messages.pot but no longer "
        f"marked: {gone[:20]}"
    )


@pytest.mark.parametrize("locale", ["fr_CA"])
def test_every_string_is_translated_with_the_same_placeholders(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=locale)
    expected = _msgids(POT)
    present = {m.id for m in catalog if m.id}
    assert present == expected, (
        f"stale {locale} catalogue: run `make translations-update`; missing "
        f"{sorted(map(str, expected - present))[:10]}, obsolete "
        f"{sorted(map(str, present - expected))[:10]}"
    )
    problems = []
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in sources))
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {sources[0]!r}")
        elif any(set(PLACEHOLDER.findall(s)) - wanted for s in strings) or not wanted <= set(
            PLACEHOLDER.findall("".join(strings))
        ):
            problems.append(f"placeholders differ: {sources[0]!r} -> {strings[0]!r}")
    assert not problems, "\n".join(problems)


def test_no_unmarked_text_in_templates(app):
    offenders = all_offenders(app.jinja_env, ROOT / "app" / "templates")
    pending = [o for o in offenders if o.template.startswith(PENDING_MERGE)]
    failing = [o for o in offenders if not o.template.startswith(PENDING_MERGE)]
    if pending:
        print(f"{len(pending)} unmarked texts in templates pending their owners' marking:")
        print("\n".join(map(str, pending)))
    assert not failing, "unmarked: wrap in {{ _(...) }}:\n" + "\n".join(map(str, failing))
    done = [p for p in PENDING_MERGE if not any(o.template.startswith(p) for o in pending)]
    assert not done, f"nothing left to mark in {done}: remove them from PENDING_MERGE"


def test_the_checker_finds_what_it_should(app):
    from tests.i18n.unmarked import offenders_in

    source = (
        '<p title="Help text">Hello {{ name }}</p><script>var x = "ok";</script>'
        '<img alt="{{ _("Logo") }}"><code>GET /api</code>{{ "never" }}'
        "{% trans %}Fine{% endtrans %}<b aria-hidden=\"true\">{{ '✓' if a else 'none' }}</b>"
        '<span aria-label="Dry Needling Academy">&middot; {{ n }}</span>'
    )
    found = [o.text for o in offenders_in(app.jinja_env, "sample.html", source)]
    assert found == ["title=Help text", "Hello …", "{{ 'never' }}", "{{ 'none' }}"]
