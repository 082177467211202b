"""app.banks.yamlread gives what yaml.safe_load gives: values, shared aliases and errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from app.banks import yamlread
from app.banks.loader import load_bank

# Documents that leave the fast builder's plain path, or that its resolver must read as
# PyYAML's does. Each is compared with yaml.safe_load.
DOCUMENTS = {
    "implicit scalars": (
        "a: [yes, No, on, OFF, true, ~, null, '', 12, -0x1F, 0o17, 017, 1_000, 3.5e2, .inf,"
        " -.Inf, 2002-12-14, 2001-12-14t21:59:43.10-05:00, 190:20:30, '12', \"true\", +1, .5]"
    ),
    "block": "questions:\n  - id: q1\n    stem: |\n      Two\n      lines\n    tags: [a]\n",
    "anchors and aliases": "base: &b {x: 1, y: [1, 2]}\nagain: *b\nlist: &l [3]\nboth: [*l, *l]\n",
    "merge keys": "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n",
    "merge of a list": "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
    "value key": "= : the value key\nother: 1\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!float '1'\nd: !!binary aGVsbG8=\n",
    "set omap pairs": "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\np: !!pairs [{a: 1}, {a: 2}]\n",
    "tagged collections": "m: !!map {a: 1}\nq: !!seq [1]\n",
    "integer and bool keys": "1: one\ntrue: yes\n~: none\n2.5: half\n",
    "duplicate keys": "a: 1\na: 2\n",
    "empty values": "a:\nb: []\nc: {}\n",
    "unicode": 'stem: "caf\\u00e9 \\U0001F489"\nplain: naïve — “quoted”\n',
    "empty document": "",
    "comment only": "# nothing\n",
    "a scalar document": "just text\n",
}

# Documents PyYAML refuses: the fast reader refuses them with the same kind of error.
REFUSED = {
    "unhashable key": "? [1, 2]\n: x\n",
    "mapping as key": "? {a: 1}\n: x\n",
    "unknown tag": "a: !!python/object:os.system ls\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "unclosed": "questions: [unclosed\n",
    "tab indent": "a:\n\t- b\n",
    "unknown alias": "a: *nowhere\n",
}


def _same(left: object, right: object) -> bool:
    """Equal, with NaN equal to itself."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return type(left) is type(right) and left == right


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_a_document_reads_as_safe_load_reads_it(text: str) -> None:
    expected = yaml.safe_load(text)
    assert _same(yamlread.load(text), expected)


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_a_document_safe_load_refuses_is_refused(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError) as got:
        yamlread.load(text)
    assert type(got.value).__name__ == type(expected.value).__name__


def test_an_alias_is_the_same_object_as_its_anchor() -> None:
    data = yamlread.load("base: &b {x: [1, 2]}\nagain: *b\nlist: [*b, *b]\n")
    assert data["again"] is data["base"]
    assert data["list"][0] is data["list"][1] is data["base"]


def test_an_alias_bomb_stays_shared_rather_than_copied() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    data = yamlread.load("\n".join(lines) + "\n")
    assert data["i"][0] is data["i"][8] is data["h"]  # 9**9 strings if copied; 81 list slots
    assert data["b"][0] is data["a"]


def test_a_recursive_alias_is_built_as_pyyaml_builds_it() -> None:
    data = yamlread.load("a: &a [1, *a]\n")
    assert data["a"][1] is data["a"]
    assert data["a"][0] == 1


def test_nesting_deeper_than_the_builder_recurses_is_still_read() -> None:
    depth = 990  # libyaml's limit is 1,000; Python's recursion stops the fast builder first
    text = "a: " + "[" * depth + "x" + "]" * depth + "\n"
    data = yamlread.load(text)
    for _ in range(depth):
        (data,) = data["a"] if isinstance(data, dict) else data
    assert data == "x"


def test_a_file_nested_too_deeply_is_a_problem_of_the_bank_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("questions: " + "[" * 3000 + "]" * 3000 + "\n")
    bank = load_bank(tmp_path)
    assert [p.message for p in bank.problems] == [
        "not valid YAML (line 1, column 1011): exceeded maximum nesting depth"
    ]


_KEYS = st.text(max_size=8) | st.integers() | st.booleans() | st.none()
_SCALARS = (
    st.text(max_size=20)
    | st.sampled_from(["yes", "no", "on", "Off", "~", "null", "0x1f", "1_0", "2001-01-01", ".nan"])
    | st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.none()
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(data=_DATA, flow=st.sampled_from([None, True, False]))
def test_what_pyyaml_writes_reads_back_as_safe_load_reads_it(data: object, flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert _same(yamlread.load(text), yaml.safe_load(text))
