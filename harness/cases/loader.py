"""Load and validate case files (DESIGN.md §3) into `harness.model.Case` objects.

- `load_cases(paths)` returns the cases or raises `CaseFileError` carrying every problem.
- `validate_paths(paths)` collects every problem of every file in one pass (`fcharness validate`).
- `parse_case_dict(raw, tools_by_name=..., source=..., line=...)` builds one case from a
  mapping, for importers (BFCL).

Files: each PATH is a YAML file or a folder searched recursively for `*.yaml` / `*.yml`;
folders whose name starts with `_` or `.` hold no cases. Shared tools live in `_tools/`
folders (`tools:` only); a case file may `use:` any tool defined in a `_tools/` folder in
its own folder or an ancestor (the nearest definition wins).

Only reading files is I/O here; everything else is pure.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.cases.cache import CaseCache, tools_file
from harness.cases.fastcheck import case_ok, file_ok, tools_file_ok
from harness.cases.schema import case_validator, file_validator, schema_errors, tools_file_validator
from harness.cases.suite_checks import check_provider_ids, duplicate_ids, same_prompts
from harness.errors import CaseFileError, Problem
from harness.model import Case, Tool

if TYPE_CHECKING:  # building cases (and YAML) is imported on a cache miss only
    from harness.cases.build import Reporter

__all__ = [
    "ValidationReport",
    "check_provider_ids",
    "discover_files",
    "load_cases",
    "parse_case_dict",
    "validate_paths",
]

_SUFFIXES = (".yaml", ".yml")
TOOLS_DIR = "_tools"


@dataclass(frozen=True)
class ValidationReport:
    """Everything `validate_paths` found: the good cases and every problem."""

    cases: tuple[Case, ...]
    problems: tuple[Problem, ...]
    files: tuple[str, ...]
    """Case files read (shared tool files not included)."""
    tools: tuple[Tool, ...] = field(default=())
    """Distinct tool definitions (inline and shared) the files offer."""

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems of severity error."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems of severity warning."""
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def summary(self) -> str:
        """One line: files, cases, tools, errors, warnings."""
        return (
            f"{len(self.files)} file(s), {len(self.cases)} case(s), {len(self.tools)} tool(s): "
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        )


def discover_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Expand PATHS into case files (sorted, de-duplicated); report paths that do not exist."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.suffix in _SUFFIXES and f.is_file() and not any(s[0] in "_." for s in rel[:-1]):
                    files.append(f)
        else:
            problems.append(Problem(f"no such file or folder: {p}", file=str(p)))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


class _SharedTools:
    """Parses `_tools/` folders once and answers "which shared tools can this folder use"."""

    def __init__(self, cache: CaseCache | None = None) -> None:
        self.cache = cache
        self.by_dir: dict[Path, dict[str, Tool]] = {}
        self.pools: dict[Path, dict[str, Tool]] = {}
        self.asked: dict[Path, dict[str, Tool]] = {}
        self.problems: list[Problem] = []
        self.files: list[str] = []

    def folder(self, tools_dir: Path) -> dict[str, Tool]:
        """The tools defined in one `_tools/` folder (parsed once)."""
        key = tools_dir.resolve()
        if key in self.by_dir:
            return self.by_dir[key]
        found: dict[str, Tool] = {}
        where: dict[str, str] = {}
        for f in sorted(tools_dir.rglob("*")):
            if f.suffix not in _SUFFIXES or not f.is_file():
                continue
            self.files.append(str(f))
            for tool, line in tools_file(self.cache, f, self.problems, _read_tools_file):
                if tool.name in found:
                    self.problems.append(
                        Problem(
                            f"shared tool {tool.name!r} is defined twice; first at {where[tool.name]}",
                            file=str(f),
                            line=line,
                            field="tools",
                        )
                    )
                    continue
                found[tool.name] = tool
                where[tool.name] = f"{f}:{line}"
        self.by_dir[key] = found
        return found

    def pool_for(self, folder: Path) -> dict[str, Tool]:
        """Shared tools visible from `folder`: its own `_tools/` and every ancestor's."""
        pool = self.asked.get(folder)  # as named: no path resolution for the folder's next file
        if pool is None:
            pool = self.asked[folder] = self._pool_at(folder.resolve())
        return pool

    def _pool_at(self, key: Path) -> dict[str, Tool]:
        if key in self.pools:
            return self.pools[key]
        parent = key.parent
        pool = dict(self._pool_at(parent)) if parent != key else {}
        if (key / TOOLS_DIR).is_dir():
            pool.update(self.folder(key / TOOLS_DIR))
        self.pools[key] = pool
        return pool


def _read_tools_file(path: Path, problems: list[Problem]) -> list[tuple[Tool, int | None]]:
    """Parse one shared tools file; return its tools with their lines."""
    from harness.cases.build import parse_tools

    loaded = _read_yaml(path, problems)
    if loaded is None:
        return []
    data, rep = loaded
    for p, message in schema_errors(tools_file_validator, data, tools_file_ok):
        rep.add(p, message)
    raw = data.get("tools")
    tools = parse_tools(raw, ("tools",), rep)
    problems.extend(rep.problems)
    item_lines: list[int] = rep.lines.get(id(raw), (None, []))[1]
    names = [t.get("name") if isinstance(t, Mapping) else None for t in raw or ()]
    return [(t, item_lines[names.index(t.name)] if t.name in names else None) for t in tools]


def _read_yaml(path: Path, problems: list[Problem]) -> tuple[Any, Reporter] | None:
    from harness.cases.build import Reporter
    from harness.cases.yaml_lines import YamlSyntaxError, load_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(f"cannot read file: {exc}", file=str(path)))
        return None
    try:
        data, lines, dups = load_yaml(text)
    except YamlSyntaxError as exc:
        problems.append(Problem(str(exc), file=str(path), line=exc.line))
        return None
    rep = Reporter(file=str(path), root=data, lines=lines)
    for line, key in dups:
        problems.append(
            Problem(f"duplicate key {key!r}: YAML keeps only the last one", file=str(path), line=line)
        )
    if data is None:
        problems.append(Problem("the file is empty", file=str(path), line=1))
        return None
    if not isinstance(data, Mapping):
        problems.append(
            Problem("a case file is a mapping with `tools:`, `use:` and `cases:`", file=str(path), line=1)
        )
        return None
    return data, rep


def _in_tools_dir(path: Path) -> bool:
    return TOOLS_DIR in path.parts[:-1]


_Ids = list[tuple[str, str, int | None, str]]


def _load_file(
    path: Path, shared: _SharedTools, problems: list[Problem], ids: _Ids
) -> tuple[list[Case], list[Tool]]:
    """Load one case file: its good cases and the tools they offer; record every case id."""
    from harness.cases.build import build_case, parse_tools, resolve_use

    loaded = _read_yaml(path, problems)
    if loaded is None:
        return [], []
    data, rep = loaded
    blocked: set[int] = set()
    for p, message in schema_errors(file_validator, data, file_ok):
        rep.add(p, message, case_id=_case_id_at(data, p))
        if len(p) >= 2 and p[0] == "cases" and isinstance(p[1], int):
            blocked.add(p[1])
    if "cases" not in data:
        rep.add((), "no `cases:` in this file (shared tools belong in a _tools/ folder)")
    pool = shared.pool_for(path.parent)
    inline = parse_tools(data.get("tools"), ("tools",), rep)
    used = resolve_use(data.get("use"), ("use",), pool, rep)
    file_tools = inline + [t for t in used if t.name not in {i.name for i in inline}]
    for t in used:
        if t.name in {i.name for i in inline}:
            rep.add(("use",), f"tool {t.name!r} is both defined inline and pulled in with use:")
    full_pool = {**pool, **{t.name: t for t in inline}}
    cases: list[Case] = []
    all_tools: list[Tool] = list(file_tools)
    raw_cases = data.get("cases")
    for i, raw in enumerate(raw_cases if isinstance(raw_cases, list) else ()):
        if not isinstance(raw, Mapping):
            continue
        line = rep.lines.get(id(raw), (None,))[0]
        if isinstance(raw.get("id"), str):
            ids.append((raw["id"], str(path), line, f"cases[{i}].id"))
        case = build_case(
            raw, ("cases", i), rep, default_tools=file_tools, pool=full_pool, line=line, blocked=i in blocked
        )
        if case is not None:
            cases.append(case)
            all_tools.extend(case.tools)
    problems.extend(rep.problems)
    return cases, all_tools


def _load_cached(
    path: Path, shared: _SharedTools, problems: list[Problem], ids: _Ids, cache: CaseCache
) -> tuple[list[Case], list[Tool]]:
    """`_load_file` through the cache: a hit is used as is; a miss without errors is stored."""
    try:
        key = cache.key(path, path.read_bytes(), shared.pool_for(path.parent))
    except OSError:
        return _load_file(path, shared, problems, ids)
    hit = cache.get(key)
    if hit is not None:
        ids.extend(hit[2])
        problems.extend(hit[3])
        return hit[0], hit[1]
    n_problems, n_ids = len(problems), len(ids)
    cases, tools = _load_file(path, shared, problems, ids)
    cache.put(key, (cases, tools, ids[n_ids:], problems[n_problems:]))  # not stored when errors
    return cases, tools


def _case_id_at(data: Any, path: Sequence[str | int]) -> str | None:
    if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
        cases = data.get("cases")
        if isinstance(cases, list) and path[1] < len(cases) and isinstance(cases[path[1]], Mapping):
            cid = cases[path[1]].get("id")
            return cid if isinstance(cid, str) else None
    return None


def validate_paths(paths: Iterable[str | Path], cache: CaseCache | None = None) -> ValidationReport:
    """Load every case file under PATHS and collect every problem (nothing raised).

    With a `cache` (`harness.cases.cache`), a file that loaded cleanly before is not parsed again.
    The cyclic GC is paused meanwhile (loading makes many long-lived objects and no cycles).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _validate_paths(list(paths), cache)
    finally:
        if enabled:  # frozen first: resumed as is, its next passes would scan all of them
            gc.freeze()
            gc.enable()


def _validate_paths(paths_list: list[str | Path], cache: CaseCache | None) -> ValidationReport:
    files, problems = discover_files(paths_list)
    shared = _SharedTools(cache)
    cases: list[Case] = []
    tools: dict[int, Tool] = {}
    case_files: list[str] = []
    ids: _Ids = []
    for f in files:
        if _in_tools_dir(f):
            shared.folder(f.parent)
            continue
        case_files.append(str(f))
        got, offered = (
            _load_cached(f, shared, problems, ids, cache) if cache else _load_file(f, shared, problems, ids)
        )
        cases.extend(got)
        for t in offered:
            tools.setdefault(id(t), t)
    for raw in paths_list:
        if Path(raw).is_dir():
            for tools_dir in sorted(Path(raw).rglob(TOOLS_DIR)):
                if tools_dir.is_dir():
                    shared.folder(tools_dir)
    problems.extend(shared.problems)
    problems.extend(duplicate_ids(ids))
    problems.extend(same_prompts(cases))
    return ValidationReport(
        cases=tuple(cases),
        problems=tuple(problems),
        files=tuple(case_files),
        tools=tuple({(t.name, id(t)): t for t in tools.values()}.values()),
    )


def load_cases(paths: Iterable[str | Path], cache: CaseCache | None = None) -> list[Case]:
    """Load the cases under PATHS; raise `CaseFileError` listing every error when any exists."""
    report = validate_paths(paths, cache)
    if report.errors:
        n = len(report.errors)
        raise CaseFileError(
            f"{n} problem(s) in case files (run `fcharness validate` for details)", report.errors
        )
    return list(report.cases)


def parse_case_dict(
    raw: Mapping[str, Any],
    *,
    tools_by_name: Mapping[str, Tool] | None = None,
    source: str | None = None,
    line: int | None = None,
    field_prefix: str = "",
) -> Case:
    """Build one Case from a mapping in the case-file format (for importers).

    The case offers its own `tools:` (mappings or `Tool`s) plus the `use:` names resolved
    in `tools_by_name`; with neither key, it offers every tool of `tools_by_name`.
    Raises `CaseFileError` carrying every error (file `source`, `line`, case id, field).
    """
    from harness.cases.build import Reporter, build_case

    pool = dict(tools_by_name or {})
    rep = Reporter(file=source, root=raw, default_line=line, field_prefix=field_prefix)
    check = dict(raw)
    if isinstance(check.get("tools"), list) and any(isinstance(t, Tool) for t in check["tools"]):
        check["tools"] = [_tool_dict(t) if isinstance(t, Tool) else t for t in check["tools"]]
    for p, message in schema_errors(case_validator, check, case_ok):
        rep.add(p, message, case_id=raw.get("id") if isinstance(raw.get("id"), str) else None)
    blocked = bool(rep.problems)
    case = build_case(raw, (), rep, default_tools=list(pool.values()), pool=pool, line=line, blocked=blocked)
    errors = [p for p in rep.problems if p.severity == "error"]
    if errors or case is None:
        raise CaseFileError(
            f"invalid case {raw.get('id')!r}" + (f" in {source}" if source else ""), tuple(errors)
        )
    return case


def _tool_dict(tool: Tool) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "parameters": dict(tool.parameters)}
