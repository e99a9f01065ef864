"""Emulator scripts: what the emulated "model" answers, per case, turn, wire kind and model.

A script file is YAML:

```yaml
description: optional text
scripts:
  - case: weather.beijing.tomorrow       # a loaded case id
    turns:                               # turn i answers the request with i assistant turns
      - calls:
          - name: get_weather            # any name: an unoffered one is a hallucination
            arguments: {location: 北京, date: "2025-06-22"}
          - name: get_time
            arguments_raw: '{"city": "北京"'   # sent verbatim: malformed JSON arguments
        text: optional answer text
        delay_ms: 0                      # answer slowly
        fault: {status: 429, retry_after: 1, times: 1}   # first `times` requests fail
        # fault: {status: 529, mid_stream: true}  # streamed: HTTP 200, then an error event
    by_kind:                             # replaces `turns` for one wire kind
      gemini: {turns: [...]}
    by_model:                            # replaces `turns` for models matching a glob
      "emulator-qwen*": {turns: [...]}
```

A request carries no provider id, only a model name, so per-provider variations are keyed
by the model name the provider profile sends (`by_model`, glob patterns, checked first),
then by wire kind (`by_kind`), then the default `turns`.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import Problem, UserError
from harness.model import Case

__all__ = [
    "KINDS",
    "Answer",
    "Fault",
    "Script",
    "ScriptSet",
    "ScriptedCall",
    "check_scripts",
    "load_scripts",
    "parse_scripts",
]

#: The wire kinds the emulator tells apart (DESIGN.md §5 names).
KINDS: tuple[str, ...] = (
    "openai-chat",
    "openai-functions",
    "openai-responses",
    "anthropic",
    "gemini",
    "bedrock-converse",
    "mistral",
    "cohere",
)

_SCRIPT_KEYS = {"case", "turns", "by_kind", "by_model", "description"}
_TURN_KEYS = {"calls", "text", "fault", "delay_ms"}
_CALL_KEYS = {"name", "arguments", "arguments_raw"}
_FAULT_KEYS = {"status", "retry_after", "times", "message", "type", "mid_stream"}
_VARIANT_KEYS = {"turns"}


@dataclass(frozen=True)
class ScriptedCall:
    """One call the emulated model makes."""

    name: str
    arguments: Mapping[str, Any] | None = None
    """Arguments as an object; None when `arguments_raw` is used."""
    arguments_raw: str | None = None
    """Arguments text sent verbatim (malformed JSON on purpose)."""

    def arguments_text(self) -> str:
        """Return the arguments as the JSON text string-argument vendors send."""
        if self.arguments_raw is not None:
            return self.arguments_raw
        return json.dumps(dict(self.arguments or {}), ensure_ascii=False)

    def arguments_object(self) -> Any:
        """Return the arguments for object-argument vendors (the raw text when malformed)."""
        if self.arguments_raw is not None:
            return self.arguments_raw
        return dict(self.arguments or {})


@dataclass(frozen=True)
class Fault:
    """An error answer: the first `times` matching requests fail (every request when None)."""

    status: int
    retry_after: float | None = None
    times: int | None = None
    message: str | None = None
    type: str | None = None
    """The vendor's error type/code, when the default for the status is not wanted."""
    mid_stream: bool = False
    """For a streamed request: answer HTTP 200, start the stream, then send the vendor's error
    event (plain requests still get the error status)."""


@dataclass(frozen=True)
class Answer:
    """What the emulated model answers in one turn."""

    calls: tuple[ScriptedCall, ...] = ()
    text: str | None = None
    fault: Fault | None = None
    delay_ms: int = 0


@dataclass(frozen=True)
class Script:
    """The answers for one case."""

    case_id: str
    turns: tuple[Answer, ...]
    by_kind: Mapping[str, tuple[Answer, ...]] = field(default_factory=dict)
    by_model: tuple[tuple[str, tuple[Answer, ...]], ...] = ()
    source: str | None = None
    line: int | None = None

    def turns_for(self, kind: str, model: str) -> tuple[tuple[Answer, ...], str]:
        """Return the turns for a wire kind and model, and which variant was chosen."""
        for pattern, turns in self.by_model:
            if fnmatch.fnmatchcase(model, pattern):
                return turns, f"by_model[{pattern}]"
        if kind in self.by_kind:
            return self.by_kind[kind], f"by_kind[{kind}]"
        return self.turns, "turns"


@dataclass(frozen=True)
class ScriptSet:
    """Loaded scripts, by case id."""

    scripts: Mapping[str, Script] = field(default_factory=dict)

    def get(self, case_id: str) -> Script | None:
        """Return the script of a case, or None."""
        return self.scripts.get(case_id)

    def __len__(self) -> int:
        return len(self.scripts)

    def merged(self, other: ScriptSet) -> ScriptSet:
        """Return both sets together; a case scripted twice is an error."""
        dupes = sorted(set(self.scripts) & set(other.scripts))
        if dupes:
            problems = tuple(
                Problem(
                    f"case scripted twice (also in {self.scripts[c].source}:{self.scripts[c].line})",
                    file=other.scripts[c].source,
                    line=other.scripts[c].line,
                    case_id=c,
                    field="case",
                )
                for c in dupes
            )
            raise UserError("emulator scripts are invalid", problems)
        return ScriptSet({**self.scripts, **other.scripts})


class _Collector:
    """Collects problems with the line of each field path, read from the YAML node tree."""

    def __init__(self, source: str, root: yaml.Node | None) -> None:
        self.source = source
        self.root = root
        self.problems: list[Problem] = []

    def line_of(self, path: Sequence[str | int]) -> int | None:
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for key in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                node = None
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    def add(self, message: str, path: Sequence[str | int], case_id: str | None = None) -> None:
        self.problems.append(
            Problem(message, file=self.source, line=self.line_of(path), case_id=case_id, field=_dotted(path))
        )


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _unknown_keys(
    col: _Collector, data: Mapping[str, Any], allowed: set[str], path: list, cid: str | None
) -> None:
    for key in data:
        if key not in allowed:
            col.add(f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})", [*path, key], cid)


def _parse_fault(col: _Collector, data: Any, path: list, cid: str | None) -> Fault | None:
    if not isinstance(data, dict):
        col.add("fault must be a mapping like {status: 429, retry_after: 1, times: 1}", path, cid)
        return None
    _unknown_keys(col, data, _FAULT_KEYS, path, cid)
    status = data.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        col.add(f"fault status must be an HTTP error status 400-599, got {status!r}", [*path, "status"], cid)
        return None
    retry_after = data.get("retry_after")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) or retry_after < 0
    ):
        col.add(
            f"retry_after must be a number of seconds >= 0, got {retry_after!r}", [*path, "retry_after"], cid
        )
        retry_after = None
    times = data.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        col.add(
            f"times must be an integer >= 1 (omit it to fail always), got {times!r}", [*path, "times"], cid
        )
        times = None
    for key in ("message", "type"):
        if key in data and not isinstance(data[key], str):
            col.add(f"{key} must be a string", [*path, key], cid)
    if not isinstance(data.get("mid_stream", False), bool):
        col.add("mid_stream must be true or false", [*path, "mid_stream"], cid)
    return Fault(
        status=status,
        retry_after=float(retry_after) if retry_after is not None else None,
        times=times,
        message=data.get("message") if isinstance(data.get("message"), str) else None,
        type=data.get("type") if isinstance(data.get("type"), str) else None,
        mid_stream=data.get("mid_stream") is True,
    )


def _parse_call(col: _Collector, data: Any, path: list, cid: str | None) -> ScriptedCall | None:
    if not isinstance(data, dict):
        col.add("a call must be a mapping with name and arguments (or arguments_raw)", path, cid)
        return None
    _unknown_keys(col, data, _CALL_KEYS, path, cid)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        col.add("call name must be a non-empty string", [*path, "name"], cid)
        return None
    if "arguments" in data and "arguments_raw" in data:
        col.add("give either arguments or arguments_raw, not both", [*path, "arguments_raw"], cid)
        return None
    if "arguments_raw" in data:
        raw = data["arguments_raw"]
        if not isinstance(raw, str):
            col.add("arguments_raw must be a string (sent verbatim)", [*path, "arguments_raw"], cid)
            return None
        return ScriptedCall(name=name, arguments_raw=raw)
    arguments = data.get("arguments", {})
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        col.add(
            "arguments must be a mapping (use arguments_raw for text that is not a JSON object)",
            [*path, "arguments"],
            cid,
        )
        return None
    return ScriptedCall(name=name, arguments=arguments)


def _parse_turn(col: _Collector, data: Any, path: list, cid: str | None) -> Answer | None:
    if not isinstance(data, dict):
        col.add("a turn must be a mapping with calls, text, fault or delay_ms", path, cid)
        return None
    _unknown_keys(col, data, _TURN_KEYS, path, cid)
    calls: list[ScriptedCall] = []
    raw_calls = data.get("calls", [])
    if raw_calls is None:
        raw_calls = []
    if not isinstance(raw_calls, list):
        col.add("calls must be a list", [*path, "calls"], cid)
        raw_calls = []
    for i, item in enumerate(raw_calls):
        call = _parse_call(col, item, [*path, "calls", i], cid)
        if call is not None:
            calls.append(call)
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        col.add("text must be a string", [*path, "text"], cid)
        text = None
    fault = _parse_fault(col, data["fault"], [*path, "fault"], cid) if "fault" in data else None
    delay = data.get("delay_ms", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= 600_000:
        col.add(f"delay_ms must be an integer from 0 to 600000, got {delay!r}", [*path, "delay_ms"], cid)
        delay = 0
    answers_nothing = not calls and text is None and not raw_calls
    if answers_nothing and ("fault" not in data or (fault is not None and fault.times is not None)):
        col.add("a turn needs calls, text, or a fault that always fails", path, cid)
    return Answer(calls=tuple(calls), text=text, fault=fault, delay_ms=delay)


def _parse_turns(col: _Collector, data: Any, path: list, cid: str | None) -> tuple[Answer, ...]:
    if not isinstance(data, list) or not data:
        col.add("turns must be a non-empty list (turn i answers the (i+1)-th request)", path, cid)
        return ()
    answers = (_parse_turn(col, item, [*path, i], cid) for i, item in enumerate(data))
    return tuple(a for a in answers if a is not None)


def _parse_variants(col: _Collector, data: Any, path: list, cid: str | None) -> dict[str, tuple[Answer, ...]]:
    out: dict[str, tuple[Answer, ...]] = {}
    if not isinstance(data, dict):
        col.add("must map a name to {turns: [...]}", path, cid)
        return out
    for key, variant in data.items():
        if path[-1] == "by_kind" and key not in KINDS:
            col.add(f"unknown wire kind {key!r} (kinds: {', '.join(KINDS)})", [*path, key], cid)
            continue
        if not isinstance(variant, dict) or "turns" not in variant:
            col.add("a variant must be a mapping with turns", [*path, key], cid)
            continue
        _unknown_keys(col, variant, _VARIANT_KEYS, [*path, key], cid)
        out[str(key)] = _parse_turns(col, variant["turns"], [*path, key, "turns"], cid)
    return out


def parse_scripts(data: Any, source: str = "<scripts>", root: yaml.Node | None = None) -> ScriptSet:
    """Validate a decoded script document; raise UserError listing every problem."""
    col = _Collector(source, root)
    scripts: dict[str, Script] = {}
    entries: Any = data.get("scripts") if isinstance(data, dict) else None
    if isinstance(data, dict):
        _unknown_keys(col, data, {"scripts", "description"}, [], None)
    if not isinstance(entries, list):
        col.add("a script file must be a mapping with a list under `scripts:`", ["scripts"], None)
        entries = []
    for i, entry in enumerate(entries):
        path: list[str | int] = ["scripts", i]
        if not isinstance(entry, dict):
            col.add("a script must be a mapping with case and turns", path, None)
            continue
        cid = entry.get("case")
        if not isinstance(cid, str) or not cid:
            col.add("case must be the id of a loaded case", [*path, "case"], None)
            continue
        _unknown_keys(col, entry, _SCRIPT_KEYS, path, cid)
        if cid in scripts:
            col.add(f"case scripted twice (first at line {scripts[cid].line})", [*path, "case"], cid)
            continue
        turns = _parse_turns(col, entry.get("turns"), [*path, "turns"], cid)
        by_kind = (
            _parse_variants(col, entry["by_kind"], [*path, "by_kind"], cid) if "by_kind" in entry else {}
        )
        by_model = (
            _parse_variants(col, entry["by_model"], [*path, "by_model"], cid) if "by_model" in entry else {}
        )
        scripts[cid] = Script(
            case_id=cid,
            turns=turns,
            by_kind=by_kind,
            by_model=tuple(by_model.items()),
            source=source,
            line=col.line_of(path),
        )
    if col.problems:
        raise UserError(f"emulator scripts in {source} are invalid", tuple(col.problems))
    return ScriptSet(scripts)


def load_scripts(paths: Iterable[str | Path]) -> ScriptSet:
    """Load and validate script files; raise UserError naming file, line, case id and field."""
    result = ScriptSet()
    for path in paths:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read emulator scripts {p}: {exc.strerror or exc}") from None
        try:
            loader = yaml.SafeLoader(text)
            try:
                root = loader.get_single_node()
                data = loader.construct_document(root) if root is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = Problem(f"YAML syntax error: {getattr(exc, 'problem', exc)}", file=str(p), line=line)
            raise UserError(f"emulator scripts in {p} are invalid", (problem,)) from None
        result = result.merged(parse_scripts(data, str(p), root))
    return result


def check_scripts(scripts: ScriptSet, cases: Iterable[Case]) -> list[Problem]:
    """Return a problem for each script naming a case that is not loaded."""
    known = {c.id for c in cases}
    return [
        Problem(
            f"no loaded case has the id {s.case_id!r}",
            file=s.source,
            line=s.line,
            case_id=s.case_id,
            field="case",
        )
        for s in scripts.scripts.values()
        if s.case_id not in known
    ]
