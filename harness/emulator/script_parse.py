"""Validation of decoded emulator script documents, every problem located by line and field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from harness.emulator.script_model import KINDS, Answer, Fault, Script, ScriptedCall, ScriptSet
from harness.errors import Problem, UserError

__all__ = ["parse_scripts"]

_SCRIPT_KEYS = {"case", "turns", "by_kind", "by_model", "by_provider", "description"}
_TURN_KEYS = {"calls", "text", "fault", "delay_ms"}
_CALL_KEYS = {"name", "arguments", "arguments_raw"}
_FAULT_KEYS = {"status", "retry_after", "times", "message", "type", "mid_stream"}
_VARIANT_KEYS = {"turns"}
_TURN_SHAPE = "a turn must be a mapping with calls, text, fault or delay_ms"
_CALL_SHAPE = "a call must be a mapping with name and arguments (or arguments_raw)"
_FAULT_SHAPE = "fault must be a mapping like {status: 429, retry_after: 1, times: 1}"
#: A field path inside a scripts file (keys and list indexes).
_Path = list[str | int]


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


def _mapping(
    col: _Collector, data: Any, allowed: set[str], shape: str, path: _Path, cid: str | None
) -> dict[str, Any] | None:
    """Return `data` when it is a mapping (reporting its unknown keys), else report `shape`."""
    if not isinstance(data, dict):
        col.add(shape, path, cid)
        return None
    _unknown_keys(col, data, allowed, path, cid)
    return data


def _unknown_keys(
    col: _Collector, data: Mapping[str, Any], allowed: set[str], path: _Path, cid: str | None
) -> None:
    for key in data:
        if key not in allowed:
            col.add(f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})", [*path, key], cid)


def _parse_fault(col: _Collector, data: Any, path: _Path, cid: str | None) -> Fault | None:
    data = _mapping(col, data, _FAULT_KEYS, _FAULT_SHAPE, path, cid)
    if data is None:
        return None
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


def _parse_call(col: _Collector, data: Any, path: _Path, cid: str | None) -> ScriptedCall | None:
    data = _mapping(col, data, _CALL_KEYS, _CALL_SHAPE, path, cid)
    if data is None:
        return None
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


def _parse_turn(col: _Collector, data: Any, path: _Path, cid: str | None) -> Answer | None:
    data = _mapping(col, data, _TURN_KEYS, _TURN_SHAPE, path, cid)
    if data is None:
        return None
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


def _parse_turns(col: _Collector, data: Any, path: _Path, cid: str | None) -> tuple[Answer, ...]:
    if not isinstance(data, list) or not data:
        col.add("turns must be a non-empty list (turn i answers the (i+1)-th request)", path, cid)
        return ()
    answers = (_parse_turn(col, item, [*path, i], cid) for i, item in enumerate(data))
    return tuple(a for a in answers if a is not None)


def _parse_variants(
    col: _Collector, data: Any, path: _Path, cid: str | None
) -> dict[str, tuple[Answer, ...]]:
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
        path: _Path = ["scripts", i]
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
        by_provider = (
            _parse_variants(col, entry["by_provider"], [*path, "by_provider"], cid)
            if "by_provider" in entry
            else {}
        )
        scripts[cid] = Script(
            case_id=cid,
            turns=turns,
            by_kind=by_kind,
            by_model=tuple(by_model.items()),
            by_provider=by_provider,
            source=source,
            line=col.line_of(path),
        )
    if col.problems:
        raise UserError(f"emulator scripts in {source} are invalid", tuple(col.problems))
    return ScriptSet(scripts)
