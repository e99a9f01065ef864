"""YAML reading for case files: JSON-like scalars and the line of every key and item.

PyYAML's default (YAML 1.1) resolver turns `2025-06-22` into a `datetime.date`, `10:30`
into 630, `no` into False and `012` into 10 — all wrong for function arguments, which are
JSON. `CaseLoader` resolves only YAML 1.2 core-schema scalars (null, true/false, decimal
and `0x`/`0o` integers, floats with a `.` or exponent, `.inf`, `.nan`); everything else
(`012`, `10:30`, `yes`) stays a string. Explicit tags that build non-JSON values
(`!!timestamp`, `!!binary`, `!!set`, `!!omap`, `!!pairs`) are refused.

Lines are kept in a side table (`LineMap`, keyed by the id of each mapping and list) so
the loaded data stays plain `dict`/`list`: nothing downstream sees loader artefacts.
The C parser (libyaml) is used when available. Case loading is on the replay's path, so
`load_yaml` first tries `_fast_load` (libyaml's composer, values built from its nodes in
Python), which gives exactly `CaseLoader`'s result or declines (a hypothesis test checks this).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import yaml

from harness._io import (
    MAX_DEPTH,
    InputLimitError,
    check_depth,
    check_int_length,
    check_yaml_text,
    checked_int,
    too_deep,
)

__all__ = ["LineMap", "YamlSyntaxError", "line_of", "load_yaml"]

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+|0o[0-7]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)

#: id(mapping) → (line of the mapping, {key: line of the key}); id(list) → (line, [item lines]).
LineMap = dict[int, tuple[int, Any]]


class YamlSyntaxError(Exception):
    """A YAML file could not be parsed; carries the 1-based line when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class CaseLoader(_Base):  # type: ignore[misc]
    """SafeLoader with JSON-like scalars that records the line of every key and list item."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: LineMap = {}
        self.duplicate_keys: list[tuple[int, str]] = []

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        """Build a dict and record the line of each of its keys."""
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))
        key_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = key_node.value
            if key in key_lines and key_node.tag == "tag:yaml.org,2002:str":
                self.duplicate_keys.append((key_node.start_mark.line + 1, str(key)))
            key_lines[key] = key_node.start_mark.line + 1
        self.lines[id(data)] = (node.start_mark.line + 1, key_lines)

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Any:
        """Build a list and record the line of each item."""
        data: list[Any] = []
        yield data
        data.extend(self.construct_sequence(node))
        self.lines[id(data)] = (node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value])

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """Decimal, 0x and 0o integers only (no YAML 1.1 octal or sexagesimal)."""
        return _int(str(self.construct_scalar(node)))


def _not_json(loader: CaseLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"the tag {node.tag} is not JSON data (case files hold JSON values only)", node.start_mark
    )


for _tag in ("timestamp", "binary", "set", "omap", "pairs"):
    CaseLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _not_json)
CaseLoader.add_constructor("tag:yaml.org,2002:map", CaseLoader.construct_yaml_map)
CaseLoader.add_constructor("tag:yaml.org,2002:seq", CaseLoader.construct_yaml_seq)
CaseLoader.add_constructor("tag:yaml.org,2002:int", CaseLoader.construct_yaml_int)
CaseLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
CaseLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
CaseLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
CaseLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


# --- fast path: libyaml composes, Python builds (CaseLoader's exact result, or None) ------------

_BaseComposer: type = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class _Composer(_BaseComposer):  # type: ignore[misc]
    """The same parser as `CaseLoader`; each node's tag records what its resolver would be asked.

    The parser calls `resolve(kind, value, implicit)` for every node without an explicit tag (or
    with the non-specific `!`); here it is a C-level builtin returning `" " + str(implicit)`:
    `" (True, …)"` for a scalar the resolver tries as plain, `" (False, …)"` for a scalar it makes
    a string, `" True"` / `" False"` for a collection (always a map or a seq). Explicit tags come
    through unchanged (a tag never starts with a space), and `_node` declines them.
    """

    resolve = " {2}".format
    descend_resolver = "".format
    ascend_resolver = "".format


_PLAIN_TAGS = frozenset({" (True, False)", " (True, True)"})
_STR_TAGS = frozenset({" (False, True)", " (False, False)"})
_COLLECTION_TAGS = frozenset({" True", " False"})
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = CaseLoader.yaml_implicit_resolvers
_WILDCARD = _RESOLVERS.get(None, [])
_BY_FIRST = {k: v + _WILDCARD for k, v in _RESOLVERS.items() if k is not None}
_SAFE = yaml.constructor.SafeConstructor


class _Decline(Exception):
    """The document holds something the fast builder leaves to `CaseLoader`."""


def _int(text: str) -> int:
    if text.startswith(("0x", "0o")):
        check_int_length(text[2:])
        return int(text[2:], 16 if text[1] == "x" else 8)
    return checked_int(text)


def _float(text: str) -> float:
    value = text.replace("_", "").lower()  # SafeConstructor.construct_yaml_float, step by step
    sign = -1 if value[0] == "-" else +1
    if value[0] in "+-":
        value = value[1:]
    if value == ".inf":
        return sign * _SAFE.inf_value
    if value == ".nan":
        return _SAFE.nan_value  # one shared object, as in SafeConstructor
    if ":" in value:
        raise _Decline
    return sign * float(value)


_CONSTRUCT: dict[str, Any] = {
    "tag:yaml.org,2002:null": lambda text: None,
    "tag:yaml.org,2002:bool": lambda text: _SAFE.bool_values[text.lower()],
    "tag:yaml.org,2002:int": _int,
    "tag:yaml.org,2002:float": _float,
    "tag:yaml.org,2002:str": str,
}


def _plain(value: str) -> Any:
    """A plain scalar as `CaseLoader` resolves (first matching implicit resolver) and builds it."""
    for tag, regexp in _BY_FIRST.get(value[:1], _WILDCARD):
        if regexp.match(value):
            return _CONSTRUCT[tag](value)
    return value


def _node(node: yaml.Node, lines: LineMap, dups: list[tuple[int, int, str]], depth: int) -> Any:
    tag = node.tag
    if tag in _PLAIN_TAGS:
        try:
            return _plain(node.value)
        except InputLimitError as exc:
            raise InputLimitError(str(exc), node.start_mark.line + 1) from None
    if tag in _STR_TAGS:
        return node.value
    if tag not in _COLLECTION_TAGS:
        raise _Decline  # an explicit tag
    if depth >= MAX_DEPTH:
        raise too_deep(node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        data: dict[Any, Any] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_tag, raw = key_node.tag, key_node.value
            if key_tag in _STR_TAGS:
                key: Any = raw
            elif key_tag in _PLAIN_TAGS:
                key = _plain(raw)
            else:
                raise _Decline  # a collection as a key (unhashable) or an explicit tag
            line = key_node.start_mark.line + 1
            if raw in key_lines and type(key) is str:  # CaseLoader: the key resolved to a string
                dups.append((depth, line, raw))
            key_lines[raw] = line
            # a quoted or block string value inline (most values), anything else recursively
            data[key] = (
                value_node.value if value_node.tag in _STR_TAGS else _node(value_node, lines, dups, depth + 1)
            )
        lines[id(data)] = (node.start_mark.line + 1, key_lines)
        return data
    items = [
        item.value if item.tag in _STR_TAGS else _node(item, lines, dups, depth + 1) for item in node.value
    ]
    lines[id(items)] = (node.start_mark.line + 1, [item.start_mark.line + 1 for item in node.value])
    return items


def _fast_load(text: str) -> tuple[Any, LineMap, list[tuple[int, str]]] | None:
    """`_slow_load(text)` for documents without tags or aliases; None for anything else.

    Duplicate keys come out in `CaseLoader`'s order: it builds a document level by level, so
    they are sorted (stably) by depth.
    """
    lines: LineMap = {}
    dups: list[tuple[int, int, str]] = []
    try:
        loader = _Composer(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        data = None if node is None else _node(node, lines, dups, 0)
    except InputLimitError:
        raise
    except Exception:  # a syntax error, an explicit tag, deep nesting, any doubt: CaseLoader decides
        return None
    dups.sort(key=lambda d: d[0])
    return data, lines, [(line, key) for _, line, key in dups]


def load_yaml(text: str) -> tuple[Any, LineMap, list[tuple[int, str]]]:
    """Parse one YAML document; return (data, line map, duplicate keys as (line, key))."""
    try:
        check_yaml_text(text)  # refuses anchors and aliases: the fast builder may take the rest
        fast = _fast_load(text)
        if fast is not None:
            return fast
    except InputLimitError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", exc.line) from None
    return _slow_load(text)


def _slow_load(text: str) -> tuple[Any, LineMap, list[tuple[int, str]]]:
    """`load_yaml` through `CaseLoader` (PyYAML's constructor): the reference behaviour."""
    loader = CaseLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        what = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        raise YamlSyntaxError(f"{what}: {problem}{context}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", None) from None
    except InputLimitError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", exc.line) from None
    except (RecursionError, MemoryError):
        raise YamlSyntaxError(f"YAML error: {too_deep()}", None) from None
    finally:
        loader.dispose()
    try:
        check_depth(data)
    except InputLimitError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", None) from None
    if "&" in text and "*" in text:  # anchors and aliases: refuse a value that contains itself
        looped = _self_containing(data)
        if looped is not None:
            entry = loader.lines.get(id(looped))
            raise YamlSyntaxError(
                "YAML error: an alias refers to a mapping or list that contains it",
                entry[0] if entry else None,
            )
    return data, loader.lines, loader.duplicate_keys


def _self_containing(data: Any) -> Any:
    """A mapping or list that contains itself (through aliases), or None."""
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            continue
        if not isinstance(node, (dict, list)):
            continue
        if id(node) in on_path:
            return node
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in (node.values() if isinstance(node, dict) else node))
    return None


def line_of(root: Any, path: Sequence[str | int], lines: LineMap) -> int | None:
    """Return the line of the deepest element of `path` found under `root`."""
    line: int | None = None
    node = root
    entry = lines.get(id(node))
    if entry is not None:
        line = entry[0]
    for step in path:
        entry = lines.get(id(node))
        if isinstance(node, dict) and step in node:
            if entry is not None:
                line = entry[1].get(step, line)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            if entry is not None:
                line = entry[1][step]
            node = node[step]
        else:
            break
    return line
