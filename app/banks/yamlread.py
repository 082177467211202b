"""Reading a bank file's YAML quickly, into exactly what ``yaml.safe_load`` gives.

Pure: no Flask. A bank of 10,000 questions is about 16 MB of YAML. PyYAML with libyaml
(``CSafeLoader``) parses it in C, but two steps stay in Python for every one of its 400,000
nodes:

- the resolver, which decides each plain scalar's tag (``true`` is a bool, ``12`` an int);
  PyYAML's ``resolve`` builds a list and checks path resolvers for every scalar;
- the constructor, which turns the node tree into dicts, lists and strings through generic
  machinery (a call, a dict of constructed objects and a generator per node).

:class:`Loader` answers ``resolve`` from the same table of implicit resolvers, without the rest,
and :func:`load` builds plain mappings, sequences and strings directly. Every other node (an
int, a date, ``!!binary``, ``!!set``, a merge key ``<<``...) is left to PyYAML's own safe
constructor, so its value and its errors are PyYAML's. When the fast builder meets something it
does not make itself (a tagged collection, a merge key, an unhashable key, a recursive alias or
nesting deeper than Python's recursion allows), PyYAML's constructor builds the whole document
instead. Aliases are built once and shared, as PyYAML does, so an alias bomb stays small.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
#: keys PyYAML's safe constructor treats specially: ``<<`` merges, ``=`` becomes a string
_SPECIAL_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_BUILDING = object()


class _Fallback(Exception):
    """The fast builder met a node it leaves to PyYAML's constructor."""


class Loader(_BASE):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (libyaml's parser when PyYAML has it) with a shorter ``resolve``:
    the same implicit resolvers, looked up by the scalar's first character. Path resolvers are
    not used by the safe loader; should one ever be added, PyYAML's ``resolve`` answers."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        resolvers = self.yaml_implicit_resolvers
        if kind is not ScalarNode or self.yaml_path_resolvers or None in resolvers:
            return super().resolve(kind, value, implicit)
        if implicit[0]:
            for tag, regexp in resolvers.get(value[:1], ()):
                if regexp.match(value):
                    return tag
        return self.DEFAULT_SCALAR_TAG


def load(text: str) -> Any:
    """The document in ``text`` as ``yaml.safe_load`` reads it (None when empty). Raises
    ``yaml.YAMLError`` as the loader does."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _build(node, loader, {})
        except (_Fallback, RecursionError):
            loader.constructed_objects = {}
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _build(node: yaml.Node, loader: Any, built: dict[int, Any]) -> Any:
    kind = node.__class__
    if kind is ScalarNode:
        return node.value if node.tag == _STR else loader.construct_object(node, deep=True)
    key = id(node)
    done = built.get(key)
    if done is not None:
        if done is _BUILDING:
            raise _Fallback  # a recursive alias: PyYAML's constructor makes the cycle
        return done
    built[key] = _BUILDING
    if kind is MappingNode and node.tag == _MAP:
        value: Any = {}
        for key_node, value_node in node.value:
            if key_node.tag in _SPECIAL_KEYS:
                raise _Fallback
            name = _build(key_node, loader, built)
            item = _build(value_node, loader, built)
            try:
                value[name] = item
            except TypeError:  # an unhashable key: PyYAML's constructor says so
                raise _Fallback from None
    elif kind is SequenceNode and node.tag == _SEQ:
        value = [_build(item, loader, built) for item in node.value]
    else:
        raise _Fallback
    built[key] = value
    return value
