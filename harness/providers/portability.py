"""Schema portability: one neutral tool schema, each vendor's dialect (DESIGN.md §5, issue 4).

`translate_schema(schema, kind)` returns what a vendor can accept and `Note`s saying what
was dropped, changed or rejected (with a JSON path); `lint_cases(cases, kinds)` turns that,
plus name and description rules, into `Problem`s for `fcharness validate --portability`:
warnings for changes, errors for what a vendor would refuse.

Rules and their evidence (tags: [S] SDK source installed here, [C] recorded traffic,
[D] documented elsewhere, [U] unverified):

- openai-chat, openai-functions: names `[a-zA-Z0-9_-]`, at most 64 [S openai
  FunctionDefinition.name]; schema as is. `openai-strict` (strict: true): every object
  closed, every property required, optional ones nullable [S openai lib/_pydantic.py; D].
- openai-responses: names as chat [U]; schema as is.
- anthropic: names `^[a-zA-Z0-9_-]{1,64}$` [D: the API's error text]; root `type: object`
  [S anthropic InputSchemaTyped] (a root without `type` gets it; `properties: {}` is added
  when absent, which means the same).
- bedrock-converse: names `[a-zA-Z0-9_-]+`, 1-64; description at least 1 character;
  root object, applied as for anthropic [S botocore bedrock-runtime service model].
- gemini: names start with a letter or `_`, then `[a-zA-Z0-9_.:-]` (the SDK says at most 128; the
  capabilities table keeps 64); parameter
  names `[a-zA-Z_][a-zA-Z0-9_]*`, at most 64 [S google-genai FunctionDeclaration docstrings];
  `parameters` is an OpenAPI subset [S google-genai types.Schema, extra="forbid"].
- mistral, cohere: names `[a-zA-Z0-9_-]`, at most 64 [U]; schema as is [U].

Adapters sanitise names a vendor forbids (`harness.providers.base.sanitize_name`) and map
them back, so a dotted name is a warning (renamed); a name that still breaks the rule after
sanitising, or two tools of one case that sanitise to the same name, is an error.

Every adapter sends `translate_schema(parameters, kind)` for each tool
(`harness.providers._schema.wire_schema`, the one implementation); a `rejected` note there
makes the case `unsupported` on that kind instead of a vendor 400 graded as a provider error.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.errors import Problem, UserError, suggest
from harness.model import Case, Tool
from harness.providers import dialects as _dialects
from harness.providers.dialects import Note

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "Note",
    "PortabilityProblem",
    "check_kinds",
    "format_portability",
    "lint_cases",
    "name_pattern",
    "sent_name",
    "translate_schema",
]

#: Adapter kinds, plus `openai-strict` (openai-chat / openai-responses with `strict: true`).
KINDS: tuple[str, ...] = (
    "openai-chat",
    "openai-functions",
    "openai-responses",
    "openai-strict",
    "anthropic",
    "gemini",
    "bedrock-converse",
    "mistral",
    "cohere",
)


#: What `lint_cases` checks by default: every adapter kind (strict mode only when asked for).
DEFAULT_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k != "openai-strict")

#: Fallback name patterns (the capabilities table in `harness.providers.capabilities` wins),
#: with the evidence for each kind's rule.
NAME_RULES: dict[str, tuple[str, str]] = {
    "openai-chat": (r"^[a-zA-Z0-9_-]{1,64}$", "[S: openai FunctionDefinition.name]"),
    "openai-functions": (r"^[a-zA-Z0-9_-]{1,64}$", "[S: openai FunctionDefinition.name]"),
    "openai-strict": (r"^[a-zA-Z0-9_-]{1,64}$", "[S: openai FunctionDefinition.name]"),
    "openai-responses": (r"^[a-zA-Z0-9_-]{1,64}$", "[U: assumed as chat]"),
    "anthropic": (r"^[a-zA-Z0-9_-]{1,64}$", "[D: API error 'should match pattern ^[a-zA-Z0-9_-]{1,64}$']"),
    "bedrock-converse": (r"^[a-zA-Z0-9_-]{1,64}$", "[S: botocore bedrock-runtime ToolName]"),
    "gemini": (r"^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$", "[S: google-genai FunctionDeclaration.name]"),
    "mistral": (r"^[a-zA-Z0-9_-]{1,64}$", "[U]"),
    "cohere": (r"^[a-zA-Z0-9_-]{1,64}$", "[U]"),
}


def name_pattern(kind: str) -> str:
    """The function-name pattern of `kind`: the capabilities table's, else the fallback."""
    try:
        from harness.providers.capabilities import capabilities_for

        return capabilities_for("openai-chat" if kind == "openai-strict" else kind).name_pattern
    except (ImportError, KeyError, ValueError):
        return NAME_RULES[kind][0]


def sent_name(name: str, kind: str) -> str:
    """The name the adapter sends: unchanged when the vendor accepts it, else sanitised."""
    if re.match(name_pattern(kind), name):
        return name
    try:
        from harness.model import sanitize_name
    except ImportError:  # pragma: no cover - base.py ships with the package
        return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64]
    return sanitize_name(name, 64)


#: Description length limits: kind → (min, max, evidence).
DESCRIPTION_RULES: dict[str, tuple[int, int | None, str]] = {
    "bedrock-converse": (1, None, "[S: botocore NonEmptyString]"),
    "openai-chat": (0, 1024, "[U]"),
    "openai-functions": (0, 1024, "[U]"),
    "openai-strict": (0, 1024, "[U]"),
    "openai-responses": (0, 1024, "[U]"),
}
_GEMINI_PARAM = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")


@dataclass(frozen=True)
class PortabilityProblem(Problem):
    """A portability finding for one tool on one vendor kind."""

    kind: str = ""
    tool: str = ""


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """Return `kinds` validated against `KINDS`, or raise a UserError naming the valid ones."""
    out = []
    for kind in kinds:
        if kind not in KINDS:
            raise UserError(f"unknown kind {kind!r}{suggest(kind, KINDS)}; known kinds: {', '.join(KINDS)}")
        out.append(kind)
    return tuple(out)


def translate_schema(
    schema: dict[str, Any], kind: str, *, strict: bool = False
) -> tuple[dict[str, Any], list[Note]]:
    """Translate one neutral JSON Schema into `kind`'s dialect; return (schema, notes).

    `strict=True` (or kind `openai-strict`) applies OpenAI strict-mode rules for the
    OpenAI kinds. The input is never modified.
    """
    check_kinds([kind])
    work = copy.deepcopy(dict(schema))
    if kind == "openai-strict" or (strict and kind.startswith("openai-")):
        return _dialects.openai_strict(work)
    if kind == "gemini":
        return _dialects.gemini(work)
    if kind == "anthropic":
        return work, _dialects.close_root(work, "Anthropic", "[S: anthropic InputSchemaTyped.type]")
    if kind == "bedrock-converse":
        return work, _dialects.close_root(work, "Bedrock Converse", "[S: botocore ToolInputSchema doc]")
    return work, []


def lint_cases(cases: Sequence[Case], kinds: Sequence[str] | None = None) -> list[Problem]:
    """Report, per distinct tool and vendor kind, what translation drops, changes or rejects.

    `kinds` defaults to `DEFAULT_KINDS` (add `openai-strict` to check strict mode too).
    """
    kinds = check_kinds(kinds) if kinds else DEFAULT_KINDS
    problems: list[Problem] = []
    seen: set[str] = set()
    for case in cases:
        for tool in case.tools:
            key = json.dumps([tool.name, tool.description, tool.parameters], sort_keys=True, default=str)
            if key in seen:
                continue
            seen.add(key)
            for kind in kinds:
                problems.extend(_lint_tool(tool, kind, case))
        for kind in kinds:
            problems.extend(_collisions(case, kind))
    return problems


def _problem(case: Case, kind: str, tool: str, field: str, message: str, error: bool) -> PortabilityProblem:
    return PortabilityProblem(
        message=f"[{kind}] {message}",
        file=case.source,
        line=case.line,
        case_id=None,
        field=f"tool {tool}: {field}",
        severity="error" if error else "warning",
        kind=kind,
        tool=tool,
    )


def _lint_tool(tool: Tool, kind: str, case: Case) -> list[PortabilityProblem]:
    out: list[PortabilityProblem] = []
    pattern, evidence = name_pattern(kind), NAME_RULES[kind][1]
    if not re.match(pattern, tool.name):
        new = sent_name(tool.name, kind)
        if re.match(pattern, new):
            message = (
                f"name {tool.name!r} does not match {pattern} {evidence}: the adapter sends it as "
                f"{new!r} and maps calls back"
            )
            out.append(_problem(case, kind, tool.name, "name", message, error=False))
        else:
            message = f"name {tool.name!r} does not match {pattern} {evidence}, even renamed ({new!r})"
            out.append(_problem(case, kind, tool.name, "name", message, error=True))
    if kind in DESCRIPTION_RULES:
        low, high, evidence = DESCRIPTION_RULES[kind]
        n = len(tool.description)
        if n < low:
            out.append(
                _problem(
                    case,
                    kind,
                    tool.name,
                    "description",
                    f"empty description: the vendor requires "
                    f"at least {low} character(s) {evidence}; the adapter must leave it out",
                    error=False,
                )
            )
        if high is not None and n > high:
            out.append(
                _problem(
                    case,
                    kind,
                    tool.name,
                    "description",
                    f"description of {n} characters exceeds {high} {evidence}",
                    error=evidence.startswith("[S"),
                )
            )
    if kind == "gemini":
        props = tool.parameters.get("properties", {})
        for pname in props if isinstance(props, dict) else ():
            if not _GEMINI_PARAM.match(str(pname)):
                out.append(
                    _problem(
                        case,
                        kind,
                        tool.name,
                        f"$.properties.{pname}",
                        f"parameter name {pname!r} "
                        "must start with a letter or '_' and use only [a-zA-Z0-9_], at most 64 "
                        "[S: google-genai FunctionDeclaration.parameters]",
                        error=True,
                    )
                )
    _, notes = translate_schema(dict(tool.parameters), kind)
    for note in notes:
        out.append(
            _problem(
                case,
                kind,
                tool.name,
                note.path,
                f"{note.action}: {note.message}",
                error=note.action == "rejected",
            )
        )
    return out


def _collisions(case: Case, kind: str) -> list[PortabilityProblem]:
    by_sent: dict[str, str] = {}
    out = []
    for tool in case.tools:
        sent = sent_name(tool.name, kind)
        other = by_sent.setdefault(sent, tool.name)
        if other != tool.name:
            out.append(
                _problem(
                    case,
                    kind,
                    tool.name,
                    "name",
                    f"{other!r} and {tool.name!r} are both sent as "
                    f"{sent!r} in case {case.id!r}: calls cannot be mapped back",
                    error=True,
                )
            )
    return out


def format_portability(problems: Sequence[Problem]) -> str:
    """Render portability problems grouped per tool, then per vendor kind."""
    found = [p for p in problems if isinstance(p, PortabilityProblem)]
    if not found:
        return "portability: every tool translates unchanged for the kinds checked"
    lines = ["portability (per tool and vendor):"]
    tools: dict[str, list[PortabilityProblem]] = {}
    for p in found:
        tools.setdefault(p.tool, []).append(p)
    for tool, items in tools.items():
        lines.append(f"  tool {tool!r} (first used by the case at {items[0].file}:{items[0].line})")
        for kind in KINDS:
            for p in (x for x in items if x.kind == kind):
                where = p.field.split(": ", 1)[-1] if p.field else ""
                text = p.message.removeprefix(f"[{kind}] ")
                lines.append(f"    {kind:<17} {p.severity:<7} {where}: {text}")
    return "\n".join(lines)
