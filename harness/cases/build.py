"""Semantic checks on case mappings and their conversion into `harness.model` objects.

Everything here is defensive: it runs on mappings that may have failed the structural
(JSON Schema) check, so that one run reports every problem, and it builds a `Case` only
when the case has no error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.cases.backends import parse_backends
from harness.cases.messages import check_messages
from harness.cases.user_turns import build_user_turn
from harness.cases.yaml_lines import LineMap, line_of
from harness.errors import Problem, suggest
from harness.grading.spec_checks import alternatives, check_spec, schema_problems, validate_literal
from harness.model import CATEGORIES, Case, ExpectedCall, Tool, Turn

__all__ = ["Reporter", "build_case", "format_path", "parse_tools"]

Path = tuple[str | int, ...]
_SIMPLE_KEY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-$")
_EMPTY_PARAMS: Mapping[str, Any] = {"type": "object", "properties": {}}


def format_path(path: Sequence[str | int], prefix: str = "") -> str:
    """Render a path as `cases[3].expect[0].arguments.date` (odd keys quoted)."""
    out = prefix
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step and set(step) <= _SIMPLE_KEY:
            out += f".{step}" if out else step
        else:
            out += f"[{json.dumps(step, ensure_ascii=False)}]"
    return out


@dataclass
class Reporter:
    """Collects located problems for one file (or one importer-built case)."""

    file: str | None
    root: Any
    lines: LineMap = field(default_factory=dict)
    default_line: int | None = None
    field_prefix: str = ""
    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        path: Path,
        message: str,
        *,
        case_id: str | None = None,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        """Record a problem at `path` (relative to `root`)."""
        line = line_of(self.root, path, self.lines) if self.lines else None
        self.problems.append(
            Problem(
                message,
                file=self.file,
                line=line if line is not None else self.default_line,
                case_id=case_id,
                field=format_path(path, self.field_prefix) or None,
                severity=severity,
            )
        )

    def errors(self) -> int:
        """Number of errors so far."""
        return sum(1 for p in self.problems if p.severity == "error")


def parse_tools(raw: Any, path: Path, rep: Reporter, case_id: str | None = None) -> list[Tool]:
    """Check and build inline tool definitions (malformed entries are reported and skipped)."""
    tools: list[Tool] = []
    if not isinstance(raw, list):
        return tools
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        if isinstance(item, Tool):  # importers may pass built tools
            _check_tool_schema(item.parameters, (*path, i, "parameters"), rep, case_id)
            tools.append(item)
            continue
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue  # reported by the structural check
        name = item["name"]
        if name in seen:
            rep.add(
                (*path, i, "name"),
                f"tool {name!r} is defined twice (also {path[-1]}[{seen[name]}])",
                case_id=case_id,
            )
        seen[name] = i
        params = item.get("parameters", _EMPTY_PARAMS)
        if isinstance(params, Mapping):
            _check_tool_schema(params, (*path, i, "parameters"), rep, case_id)
        else:
            params = _EMPTY_PARAMS
        desc = item.get("description", "")
        tools.append(Tool(name=name, description=desc if isinstance(desc, str) else "", parameters=params))
    return tools


def _check_tool_schema(params: Mapping[str, Any], path: Path, rep: Reporter, case_id: str | None) -> None:
    for sub, message in schema_problems(params):
        rep.add((*path, *sub), message, case_id=case_id)
    if params.get("type") != "object":
        rep.add(
            (*path, "type"), "a tool's parameters must be an object schema (type: object)", case_id=case_id
        )
    props = params.get("properties", {})
    required = params.get("required", [])
    if isinstance(props, Mapping) and isinstance(required, list):
        for j, name in enumerate(required):
            if isinstance(name, str) and name not in props:
                rep.add(
                    (*path, "required", j),
                    f"required parameter {name!r} is not in properties{suggest(name, list(props))}",
                    case_id=case_id,
                    severity="warning",
                )


def resolve_use(
    raw: Any, path: Path, pool: Mapping[str, Tool], rep: Reporter, case_id: str | None = None
) -> list[Tool]:
    """Resolve `use:` names against the shared (and file) tools."""
    tools: list[Tool] = []
    if not isinstance(raw, list):
        return tools
    for i, name in enumerate(raw):
        if not isinstance(name, str):
            continue
        tool = pool.get(name)
        if tool is None:
            known = ", ".join(sorted(pool)) or "(none: no _tools/ folder beside or above this file)"
            rep.add(
                (*path, i),
                f"use: unknown shared tool {name!r}{suggest(name, list(pool))}; known: {known}",
                case_id=case_id,
            )
        else:
            tools.append(tool)
    return tools


def build_case(
    raw: Mapping[str, Any],
    path: Path,
    rep: Reporter,
    *,
    default_tools: Sequence[Tool],
    pool: Mapping[str, Tool],
    line: int | None = None,
    blocked: bool = False,
) -> Case | None:
    """Check one case mapping semantically; return the Case, or None when it has errors.

    `blocked` says the structural (schema) check already found an error in this case.
    """
    errors_before = rep.errors()
    cid = raw.get("id") if isinstance(raw.get("id"), str) else None

    def add(p: Path, message: str, severity: Literal["error", "warning"] = "error") -> None:
        rep.add((*path, *p), message, case_id=cid, severity=severity)

    if "tools" in raw or "use" in raw:
        inline = parse_tools(raw.get("tools"), (*path, "tools"), rep, cid)
        used = resolve_use(raw.get("use"), (*path, "use"), pool, rep, cid)
        for name in sorted({t.name for t in inline} & {t.name for t in used}):
            add(("use",), f"tool {name!r} is offered twice (inline and through use:)")
        tools = inline + used
    else:
        tools = list(default_tools)
    backends = parse_backends(raw.get("backends"), add)
    executable = "backends" in raw
    if executable and "turns" not in raw:
        add(("backends",), "a case with backends needs turns: (its user turns)")
    offered = {t.name: t for t in tools}
    messages = check_messages(raw.get("messages"), offered, add)
    extra = raw.get("extra_arguments", "forbid")
    turn_raws: list[tuple[Mapping[str, Any], Path]]
    if "turns" in raw and isinstance(raw["turns"], list):
        turn_raws = [(t, ("turns", i)) for i, t in enumerate(raw["turns"]) if isinstance(t, Mapping)]
    else:
        turn_raws = [({"expect": raw.get("expect"), "expect_text": raw.get("expect_text")}, ())]
    turns: list[Turn] = []
    for t_raw, t_path in turn_raws:
        if executable:
            added = parse_tools(t_raw.get("tools"), (*path, *t_path, "tools"), rep, cid)
            turn = build_user_turn(t_raw, t_path, offered, added, add)
            offered = {**offered, **{t.name: t for t in turn.tools}}
            _ = _check_expect(t_raw.get("expect"), (*t_path, "expect"), offered, extra, add)
            turns.append(turn)
            continue
        for key in ("messages", "tools", "expect_state"):
            if key in t_raw:
                add((*t_path, key), f"`{key}` in a turn needs executable backends (case `backends:`)")
        if t_path and "expect" not in t_raw:
            add(t_path, "a turn needs `expect` (the calls of that assistant turn)")
        expect = _check_expect(t_raw.get("expect"), (*t_path, "expect"), offered, extra, add)
        results = t_raw.get("results")
        results = results if isinstance(results, list) else None
        n_expect = len(expect)
        if isinstance(results, list) and len(results) != n_expect:
            add(
                (*t_path, "results"),
                f"{len(results)} result(s) for {n_expect} expected call(s): "
                "the i-th result answers the call matched to expect[i]",
            )
        last = t_path == () or t_path[1] == len(turn_raws) - 1
        if t_path and not last and n_expect and results is None:
            add(
                (*t_path, "results"),
                f"turn {t_path[1]} expects {n_expect} call(s) but has no results "
                "to send back before the next turn",
            )
        if t_path and not last and not n_expect:
            add(
                (*t_path, "expect"),
                "a turn without calls ends the conversation; only the last turn may have expect: []",
            )
        for p, message in check_spec(t_raw.get("expect_text"), (*t_path, "expect_text")):
            add(p, message)
        turns.append(
            Turn(expect=tuple(expect), results=tuple(results or ()), expect_text=t_raw.get("expect_text"))
        )
    tool_choice = _check_tool_choice(raw.get("tool_choice", "auto"), offered, turns, add)
    category = _check_category(raw.get("category"), "turns" in raw, turns, tools, add)
    if blocked or rep.errors() > errors_before or cid is None:
        return None
    skip = raw.get("skip") or {}
    meta = dict(raw["meta"]) if isinstance(raw.get("meta"), Mapping) else {}
    if isinstance(raw.get("description"), str):
        meta.setdefault("description", raw["description"])
    return Case(
        id=cid,
        category=category,
        messages=tuple(messages),
        tools=tuple(tools),
        turns=tuple(turns),
        tool_choice=tool_choice,
        order="strict" if raw.get("order") == "strict" else "any",
        extra_arguments="allow" if extra == "allow" else "forbid",
        tags=tuple(raw.get("tags") or ()),
        skip=dict(skip),
        only=tuple(raw.get("only") or ()),
        source=rep.file,
        line=line,
        meta=meta,
        backends=backends,
    )


def _check_expect(
    raw: Any, path: Path, offered: Mapping[str, Tool], extra: Any, add: Any
) -> list[ExpectedCall]:
    calls: list[ExpectedCall] = []
    if not isinstance(raw, list):
        return calls
    valid: dict[str, bool] = {}  # tool name → whether its schema is valid JSON Schema
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("call"), str):
            continue
        name = item["call"]
        args = item.get("arguments", {})
        args = args if isinstance(args, Mapping) else {}
        calls.append(ExpectedCall(name=name, arguments=args))
        tool = offered.get(name)
        if tool is None:
            names = list(offered)
            add(
                (*path, i, "call"),
                f"expects a call to {name!r}, which the case does not offer"
                f"{suggest(name, names)}; offered: {', '.join(names) or '(no tools)'}",
            )
        for arg, spec in args.items():
            a_path = (*path, i, "arguments", arg)
            findings = list(check_spec(spec, a_path))
            for p, message in findings:
                add(p, message)
            if tool is not None and not findings:
                _check_against_tool(tool, str(arg), spec, a_path, add, valid)
        if tool is not None and extra != "allow":
            required = tool.parameters.get("required", [])
            for req in required if isinstance(required, list) else ():
                if req not in args:
                    add(
                        (*path, i, "arguments"),
                        f"required parameter {req!r} of {name!r} has no expectation: "
                        "a model must send it, and extra_arguments: forbid will fail it as "
                        "unexpected_argument (add `$any: true` or a value)",
                        "warning",
                    )
    return calls


def _check_against_tool(
    tool: Tool, arg: str, spec: Any, path: Path, add: Any, valid: dict[str, bool]
) -> None:
    params = tool.parameters
    props = params.get("properties", {})
    props = props if isinstance(props, Mapping) else {}
    if isinstance(spec, Mapping) and spec.get("$absent") is True:
        if arg in (params.get("required") or ()):
            add(path, f"{arg!r} is required by {tool.name!r}'s schema, yet expected absent", "warning")
        return
    optional = isinstance(spec, Mapping) and "$optional" in spec
    if arg not in props:
        extra = params.get("additionalProperties")
        if extra in (None, False) and not params.get("patternProperties"):
            message = (
                f"{tool.name!r} has no parameter {arg!r}{suggest(arg, list(props))}; "
                f"its parameters: {', '.join(props) or '(none)'}"
            )
            if optional:
                add(path, message + " (expected as optional, so the case can still pass)", "warning")
            else:
                add(path, message)
        return
    if tool.name not in valid:
        valid[tool.name] = not schema_problems(params)
    if not valid[tool.name]:
        return
    values, open_ = alternatives(spec)
    found = [(v, validate_literal(params, arg, v)) for v in values]
    bad = [(v, msgs) for v, msgs in found if msgs]
    if not bad:
        return
    # Error only when no schema-valid call can meet the expectation; else a dead alternative.
    dead_only = open_ or len(bad) < len(values)
    for _, messages in bad:
        for message in messages:
            if dead_only:
                add(path, message + " (this alternative can never match a schema-valid call)", "warning")
            else:
                add(path, message)


def _check_tool_choice(raw: Any, offered: Mapping[str, Tool], turns: list[Turn], add: Any) -> Any:
    if isinstance(raw, Mapping):
        name = raw.get("name")
        if isinstance(name, str) and name not in offered:
            add(
                ("tool_choice", "name"),
                f"tool_choice forces {name!r}, which the case does not offer{suggest(name, list(offered))}",
            )
        for k, turn in enumerate(turns):
            wrong = sorted({c.name for c in turn.expect if c.name != name})
            if not turn.expect or wrong:
                add(
                    ("tool_choice",),
                    f"tool_choice forces {name!r} but turn {k} expects "
                    f"{', '.join(map(repr, wrong)) if wrong else 'no call'}",
                )
        return {"name": name}
    for k, turn in enumerate(turns):
        if raw == "none" and turn.expect:
            add(("tool_choice",), f"tool_choice none forbids calls, but turn {k} expects {len(turn.expect)}")
        if raw == "required" and not turn.expect:
            add(("tool_choice",), f"tool_choice required forces a call, but turn {k} expects none")
    return raw if isinstance(raw, str) else "auto"


def _check_category(raw: Any, has_turns: bool, turns: list[Turn], tools: list[Tool], add: Any) -> str:
    calls = turns[0].expect if turns else ()
    names = {c.name for c in calls}
    if has_turns:
        inferred = "multi_turn"
    elif not calls:
        inferred = "irrelevance"
    elif len(calls) > 1:
        inferred = "parallel" if len(names) == 1 else "parallel_multiple"
    else:
        inferred = "multiple" if len(tools) > 1 else "simple"
    if not isinstance(raw, str) or raw not in CATEGORIES:
        return inferred
    if raw != inferred and not (raw == "simple" and inferred == "multiple"):
        add(
            ("category",),
            f"category {raw!r} does not fit the expectations, which look like {inferred!r}",
            "warning",
        )
    return raw
