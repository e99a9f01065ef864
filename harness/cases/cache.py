"""A cache of loaded case files: the `Case`s a clean file gave, as compact JSON.

`CaseCache.get/put` are used by `harness.cases.loader.validate_paths` when a cache folder is
given (`fcharness run`, `validate` and `grade` give `<project>/.fcharness_cache`, or
`FCHARNESS_CACHE`; see `harness.cassettes.replay` for the shared rules). An entry is keyed by
the sha256 of the file's bytes, its path, the shared tools it can `use:` and a fingerprint of
the code that reads cases, so any change is a miss. Files with errors are never stored; a
file's warnings are stored with it and reported again on a hit, so `validate` reports exactly
what it would without a cache. Shared tools files (`_tools/`) are cached the same way (keyed
by their bytes and path), so a warm load parses no YAML at all. The first entry written into
a generation removes the folders of the others (`harness._io.prune_generations`).

Entries are JSON (never code), read as untrusted input: bounded, and every field's type is
checked while it is turned back into a `Case`; anything unexpected is a miss. A file is
stored only when its cases come back from JSON equal to what was loaded.

An entry holds each distinct tool of the file once, its parameters as JSON text, and cases
name their tools by index: equal tools come back as one object (schema caches key on it),
and a tool already decoded from the same text (by any entry) is not decoded again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from harness import __version__
from harness._io import CacheGeneration
from harness.errors import Problem
from harness.model import Case, ExpectedCall, Message, Tool, ToolCall, Turn

__all__ = ["CaseCache", "tools_file"]

CACHE_FORMAT = 2
MAX_ENTRY_BYTES = 64 << 20


class _Bad(Exception):
    """An entry that is not what `_enc_case` writes."""


def _fingerprint() -> str:
    here = Path(__file__).resolve().parent
    harness = here.parent
    files = [
        *sorted(here.glob("*.py")),
        harness / "model.py",
        harness / "grading" / "spec_checks.py",
        harness / "grading" / "fastschema.py",
        harness / "schemas" / "case.schema.json",
    ]
    h = hashlib.sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
    for f in files:
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(str(f).encode())
    return h.hexdigest()[:16]


# --- Case <-> JSON ----------------------------------------------------------------------------


def _tool(t: Tool) -> list[Any]:
    return [t.name, t.description, t.parameters]


def _params_text(t: Tool) -> str:
    """A tool's parameters as the entry stores them (key order kept: it reaches the wire)."""
    return json.dumps(t.parameters, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _call(c: ToolCall) -> list[Any]:
    return [c.name, c.arguments, c.raw_arguments, c.id]


class _ToolTable:
    """The distinct tools of one file, in first-seen order, each known by its index."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []
        self._index: dict[int, int] = {}

    def ref(self, t: Tool) -> int:
        i = self._index.get(id(t))
        if i is None:
            i = self._index[id(t)] = len(self.rows)
            self.rows.append([t.name, t.description, _params_text(t)])
        return i


def _enc_case(c: Case, table: _ToolTable) -> list[Any]:
    return [
        c.id,
        c.category,
        [[m.role, m.content, [_call(x) for x in m.tool_calls], m.tool_call_id, m.name] for m in c.messages],
        [table.ref(t) for t in c.tools],
        [[[[e.name, e.arguments] for e in t.expect], list(t.results), t.expect_text] for t in c.turns],
        c.tool_choice,
        c.order,
        c.extra_arguments,
        list(c.tags),
        c.skip,
        list(c.only),
        c.source,
        c.line,
        c.meta,
    ]


def _t(v: Any, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(v, kind) or (isinstance(v, bool) and kind is int):
        raise _Bad
    return v


def _opt(v: Any, kind: type) -> Any:
    return None if v is None else _t(v, kind)


def _seq(v: Any, n: int | None = None) -> list[Any]:
    if type(v) is not list or (n is not None and len(v) != n):
        raise _Bad
    return v


_INTERNED: dict[tuple[str, str, str], Tool] = {}


def _dec_tool(v: Any) -> Tool:
    """A tool from a table row; the same object for the same row in any entry (as a fresh load
    shares equal tools), its parameters parsed only the first time."""
    name, description, text = _seq(v, 3)
    key = (_t(name, str), _t(description, str), _t(text, str))
    tool = _INTERNED.get(key)
    if tool is None:
        tool = Tool(name, description, _t(json.loads(text), dict))
        if len(_INTERNED) > 100_000:
            _INTERNED.clear()
        _INTERNED[key] = tool
    return tool


def _pick(table: list[Tool], refs: Any) -> tuple[Tool, ...]:
    n = len(table)
    if not all(type(i) is int and 0 <= i < n for i in _seq(refs)):
        raise _Bad
    return tuple(table[i] for i in refs)


def _dec_call(v: Any) -> ToolCall:
    name, arguments, raw, cid = _seq(v, 4)
    return ToolCall(_t(name, str), _opt(arguments, dict), _opt(raw, str), _opt(cid, str))


def _dec_message(v: Any) -> Message:
    role, content, calls, call_id, name = _seq(v, 5)
    if role not in ("system", "user", "assistant", "tool"):
        raise _Bad
    calls = tuple(_dec_call(c) for c in _seq(calls))
    return Message(role, _opt(content, str), calls, _opt(call_id, str), _opt(name, str))


def _dec_turn(v: Any) -> Turn:
    expect, results, expect_text = _seq(v, 3)
    calls = []
    for e in _seq(expect):
        name, arguments = _seq(e, 2)
        calls.append(ExpectedCall(_t(name, str), _t(arguments, dict)))
    return Turn(tuple(calls), tuple(_seq(results)), expect_text)


def _dec_case(v: Any, table: list[Tool]) -> Case:
    (cid, category, messages, tools, turns, choice, order, extra, tags, skip, only, source, line, meta) = (
        _seq(v, 14)
    )
    if order not in ("any", "strict") or extra not in ("forbid", "allow"):
        raise _Bad
    if not isinstance(choice, (str, dict)):
        raise _Bad
    str_list = [_t(x, str) for x in _seq(tags)], [_t(x, str) for x in _seq(only)]
    skip = _t(skip, dict)
    if not all(type(k) is str and type(x) is str for k, x in skip.items()):
        raise _Bad
    return Case(
        id=_t(cid, str),
        category=_t(category, str),
        messages=tuple(_dec_message(m) for m in _seq(messages)),
        tools=_pick(table, tools),
        turns=tuple(_dec_turn(t) for t in _seq(turns)),
        tool_choice=choice,
        order=order,
        extra_arguments=extra,
        tags=tuple(str_list[0]),
        skip=skip,
        only=tuple(str_list[1]),
        source=_opt(source, str),
        line=_opt(line, int),
        meta=_t(meta, dict),
    )


# --- the cache ---------------------------------------------------------------------------------

Loaded = tuple[list[Case], list[Tool], list[tuple[str, str, int | None, str]], list[Problem]]
"""What `_load_file` gives for one file: its cases, the tools offered, its case ids, its warnings."""
ToolsLoaded = tuple[list[tuple[Tool, int | None]], list[Problem]]
"""What `_read_tools_file` gives for one shared tools file: its tools with their lines, its warnings."""


class CaseCache(CacheGeneration):
    """Loaded case files keyed by content, under `<folder>/cases/v<format>-<fingerprint>/`."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder / "cases" / f"v{CACHE_FORMAT}-{_fingerprint()}")
        self._pools: dict[tuple[tuple[str, int], ...], tuple[list[Tool], str]] = {}

    def key(self, path: Path, data: bytes, pool: Mapping[str, Tool]) -> str:
        """The entry key of the file `path` holding `data`, with the shared tools `pool`."""
        # folders share their ancestors' tool objects: hash each distinct set of them once
        # (the hit holds the tools, so their ids cannot be reused by other objects meanwhile)
        same = tuple((name, id(t)) for name, t in pool.items())
        hit = self._pools.get(same)
        if hit is None:
            text = json.dumps(sorted(_tool(t) for t in pool.values()), sort_keys=True, default=repr)
            hit = self._pools[same] = (list(pool.values()), hashlib.sha256(text.encode()).hexdigest())
        h = hashlib.sha256(data)
        h.update(f"\0{path}\0{hit[1]}".encode())
        return h.hexdigest()

    def tools_key(self, path: Path, data: bytes) -> str:
        """The entry key of the shared tools file (`_tools/`) `path` holding `data`."""
        h = hashlib.sha256(data)
        h.update(f"\0{path}\0shared tools".encode())
        return h.hexdigest()

    def get(self, key: str) -> Loaded | None:
        """The cached load of a case file, or None (missing, too large or malformed)."""
        raw = self.read(key, MAX_ENTRY_BYTES)
        return None if raw is None else _decode(key, raw)

    def get_tools(self, key: str) -> ToolsLoaded | None:
        """The cached load of a shared tools file, or None (missing, too large or malformed)."""
        raw = self.read(key, MAX_ENTRY_BYTES)
        return None if raw is None else _decode_tools(key, raw)

    def put(self, key: str, loaded: Loaded) -> None:
        """Store a clean case file's load when JSON gives it back exactly; never fails the run."""
        cases, tools, ids, warnings = loaded
        table = _ToolTable()

        def doc() -> dict[str, Any]:
            return {
                "key": key,
                "cases": [_enc_case(c, table) for c in cases],
                "offered": [table.ref(t) for t in tools],
                "tools": table.rows,
                "ids": [list(i) for i in ids],
                "warnings": _enc_warnings(warnings),
            }

        loaded = (list(cases), list(tools), list(ids), list(warnings))
        self._write(key, warnings, doc, lambda text: _decode(key, text) == loaded)

    def put_tools(self, key: str, loaded: ToolsLoaded) -> None:
        """Store a clean shared tools file's load (like `put`)."""
        tools, warnings = loaded
        table = _ToolTable()

        def doc() -> dict[str, Any]:
            return {
                "key": key,
                "shared": [[table.ref(t), line] for t, line in tools],
                "tools": table.rows,
                "warnings": _enc_warnings(warnings),
            }

        loaded = (list(tools), list(warnings))
        self._write(key, warnings, doc, lambda text: _decode_tools(key, text) == loaded)

    def _write(
        self, key: str, warnings: list[Problem], doc: Callable[[], Any], same: Callable[[str], bool]
    ) -> None:
        if not self.writable or any(w.severity != "warning" for w in warnings):
            return  # a file with errors is read again (and its errors reported) every time
        try:
            text = json.dumps(doc(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            return
        if not same(text):
            return  # a value JSON cannot hold exactly (a tuple, a non-string key, a date...)
        self.write(key, text)


def _enc_warnings(warnings: list[Problem]) -> list[list[Any]]:
    return [[w.message, w.file, w.line, w.case_id, w.field] for w in warnings]


def _dec_warnings(v: Any) -> list[Problem]:
    warnings = []
    for e in _seq(v):
        message, file, line, case_id, field_path = _seq(e, 5)
        warnings.append(
            Problem(
                _t(message, str),
                _opt(file, str),
                _opt(line, int),
                _opt(case_id, str),
                _opt(field_path, str),
                severity="warning",
            )
        )
    return warnings


def _decode(key: str, raw: str | bytes) -> Loaded | None:
    """A case file's entry, its every field checked; None when it is not what `put` writes."""
    try:
        doc = json.loads(raw)
        if type(doc) is not dict or doc.get("key") != key:
            return None
        table = [_dec_tool(t) for t in _seq(doc.get("tools"))]
        cases = [_dec_case(c, table) for c in _seq(doc.get("cases"))]
        tools = list(_pick(table, doc.get("offered")))
        ids = []
        for e in _seq(doc.get("ids")):
            cid, file, line, field_path = _seq(e, 4)
            ids.append((_t(cid, str), _t(file, str), _opt(line, int), _t(field_path, str)))
        return cases, tools, ids, _dec_warnings(doc.get("warnings"))
    except (ValueError, RecursionError, _Bad):
        return None


def _decode_tools(key: str, raw: str | bytes) -> ToolsLoaded | None:
    """A shared tools file's entry, checked like `_decode`; None when it is not what `put_tools` writes."""
    try:
        doc = json.loads(raw)
        if type(doc) is not dict or doc.get("key") != key:
            return None
        table = [_dec_tool(t) for t in _seq(doc.get("tools"))]
        tools = []
        for e in _seq(doc.get("shared")):
            ref, line = _seq(e, 2)
            (tool,) = _pick(table, [ref])
            tools.append((tool, _opt(line, int)))
        return tools, _dec_warnings(doc.get("warnings"))
    except (ValueError, RecursionError, _Bad):
        return None


def tools_file(
    cache: CaseCache | None, path: Path, problems: list[Problem], parse: Callable[[Path, list[Problem]], Any]
) -> list[tuple[Tool, int | None]]:
    """`parse(path, problems)` of a shared tools file, through `cache` when there is one: a file
    that loaded cleanly is not parsed again (its warnings are added to `problems` as a parse would)."""
    if cache is None:
        return list(parse(path, problems))
    try:
        key = cache.tools_key(path, path.read_bytes())
    except OSError:
        return list(parse(path, problems))
    hit = cache.get_tools(key)
    if hit is not None:
        problems.extend(hit[1])
        return hit[0]
    before = len(problems)
    tools = list(parse(path, problems))
    cache.put_tools(key, (tools, problems[before:]))  # not stored when errors
    return tools
