"""`load_yaml(text)`: PyYAML's SafeLoader semantics, built faster (the replay's hot path).

Loading cassettes is the hot path of a replay. libyaml composes the node tree (C); building
Python values from it with PyYAML's SafeConstructor costs a Python call per node plus an
implicit-tag resolution per scalar. `_build` walks the same tree with fast paths for the
values cassettes hold (mappings, sequences, strings, null, booleans, numbers), hands every
other plain scalar to PyYAML's own resolver and constructor and explicitly tagged scalars to
SafeConstructor, and leaves documents with merge keys (`<<`) or tagged collections to
SafeLoader, so the result is exactly SafeLoader's (a hypothesis test checks this).
"""

from __future__ import annotations

import re
import threading
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from harness._io import MAX_DEPTH, InputLimitError, check_depth, check_yaml_text, checked_int, too_deep

try:  # libyaml composes the node tree in C
    from yaml import CBaseLoader as _BaseComposer
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import BaseLoader as _BaseComposer  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = ["load_yaml"]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_RESOLVER = Resolver()
_WORDS: dict[str, Any] = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
}  # fmt: skip


_IMPLICIT = "!fcharness-implicit"
#: A non-specific tag (`! value`): the only implicit node whose plain style is not enough to
#: resolve it like SafeLoader (it makes a plain scalar a string); such documents fall back.
_NON_SPECIFIC = re.compile(r"(?:^|[\s\[{,:-])!(?:\s|$)", re.MULTILINE)


class _Composer(_BaseComposer):
    """libyaml's composer with its per-node resolver callbacks as C-level builtins.

    Every implicitly tagged node gets `_IMPLICIT`; `_build` tells plain from quoted scalars by
    their style and resolves plain ones like PyYAML (`_plain`).
    """

    resolve = _IMPLICIT.format  # str.format ignores its (kind, value, implicit) arguments
    descend_resolver = "".format  # type: ignore[assignment]
    ascend_resolver = "".format  # type: ignore[assignment]


class _Fallback(Exception):
    """The document uses a construct the fast builder leaves to SafeLoader."""


_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")


class _Constructors(threading.local):
    """SafeConstructor keeps per-document state: one per thread (recording loads concurrently)."""

    def __init__(self) -> None:
        self.loader = yaml.SafeLoader("")


_SAFE = _Constructors()


def _construct(node: Node) -> Any:
    loader = _SAFE.loader
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.constructed_objects.clear()
        loader.recursive_objects.clear()


#: First characters of plain scalars that PyYAML may resolve to something other than a string.
_MAYBE_NOT_STR = frozenset(k for k in Resolver.yaml_implicit_resolvers if k)


#: YAML 1.1 booleans and nulls: the only non-strings a plain scalar starting with a letter can be.
_WORDS_11: dict[str, Any] = {
    **_WORDS,
    **dict.fromkeys(("yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "off", "Off", "OFF"), False),
}


def _plain(value: str) -> Any:
    if not value:
        return None
    first = value[0]
    if first not in _MAYBE_NOT_STR:
        return value
    if first.isalpha():
        return _WORDS_11.get(value, value)
    if value in _WORDS:
        return _WORDS[value]
    if _INT.fullmatch(value):
        return checked_int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    tag = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR:
        return value
    if tag == "tag:yaml.org,2002:merge":
        raise _Fallback
    return _construct(ScalarNode(tag, value))


def _build(node: Node, depth: int = 0) -> Any:
    tag = node.tag
    if isinstance(node, ScalarNode):
        if tag == _IMPLICIT:
            if node.style:
                return node.value
            try:
                return _plain(node.value)
            except InputLimitError as exc:
                raise InputLimitError(str(exc), node.start_mark.line + 1) from None
        if tag == _STR:
            return node.value
        return _construct(node)
    if depth >= MAX_DEPTH:
        raise too_deep(node.start_mark.line + 1)
    if isinstance(node, MappingNode) and tag in (_IMPLICIT, _MAP):
        return {_build(k, depth + 1): _build(v, depth + 1) for k, v in node.value}
    if isinstance(node, SequenceNode) and tag in (_IMPLICIT, _SEQ):
        return [_build(item, depth + 1) for item in node.value]
    raise _Fallback  # a tagged collection (!!set, !!omap, ...): SafeLoader builds the document


def load_yaml(text: str) -> Any:
    """`yaml.load(text, Loader=SafeLoader)`, faster, within the limits of `harness._io`.

    Raises InputLimitError (a ValueError, with the line where known) for anchors and aliases,
    nesting deeper than MAX_DEPTH, integers over MAX_INT_DIGITS and documents over
    MAX_YAML_CHARS; `yaml.YAMLError` for syntax errors.
    """
    check_yaml_text(text)
    if ("! " in text or "!\n" in text) and _NON_SPECIFIC.search(text):
        return _slow(text)
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    if node is None:
        return None
    try:
        return _build(node)
    except (_Fallback, RecursionError):
        return _slow(text)


def _slow(text: str) -> Any:
    """SafeLoader itself (tagged documents), with the same limits."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except RecursionError:
        raise too_deep() from None
    except ValueError as exc:  # int() over Python's own digit limit, in a tagged scalar
        if isinstance(exc, InputLimitError):
            raise
        raise InputLimitError(f"a value cannot be read: {exc}") from None
    check_depth(data)
    return data
