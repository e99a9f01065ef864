"""Reading `fcharness grade`'s outputs file (JSONL): one case × provider per line (see grade.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness._io import MAX_DEPTH, loads_json
from harness.errors import Problem, UserError
from harness.model import Case, ModelTurn, ToolCall, Usage

__all__ = ["Output", "Steps", "decode_arguments", "parse_outputs"]


@dataclass(frozen=True)
class Steps:
    """The model's answers of a line with `turns: [{"steps": [[call, ...], ...]}, ...]`."""

    turns: tuple[tuple[ModelTurn, ...], ...]
    """Per user turn, one `ModelTurn` per model response (step), in order."""


Output = tuple[str, str, "list[ModelTurn] | Steps", int]
"""(case id, provider id, model turns or steps, line number) of one outputs line."""


def _parse_steps(data: Any, field: str) -> tuple[tuple[ModelTurn, ...] | None, list[tuple[str, str | None]]]:
    """The steps of one `{"steps": [[call, ...], ...]}` turn, or the errors."""
    if not isinstance(data, Mapping) or set(data) - {"steps"}:
        return None, [("expected an object with only `steps`", field)]
    raw = data.get("steps")
    if not isinstance(raw, list):
        return None, [("expected a list of steps (each a list of calls)", f"{field}.steps")]
    steps: list[ModelTurn] = []
    errors: list[tuple[str, str | None]] = []
    for k, step in enumerate(raw):
        if not isinstance(step, list):
            errors.append(("expected a list of calls", f"{field}.steps[{k}]"))
            continue
        turn, errs = _parse_turn({"calls": step}, f"{field}.steps[{k}]")
        errors.extend(errs)
        if turn is not None:
            steps.append(turn)
    return (tuple(steps) if not errors else None), errors


def decode_arguments(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    """A call's `arguments` as (object or None when not an object, the raw text if any)."""
    if type(value) is dict:
        return value, None
    if value is None or value == "":
        return {}, value
    if isinstance(value, str):
        try:
            decoded = loads_json(value)
        except ValueError:
            return None, value
        return (decoded, value) if isinstance(decoded, dict) else (None, value)
    if isinstance(value, dict):
        return value, None
    return None, json.dumps(value, ensure_ascii=False)


def _parse_turn(data: Any, field: str) -> tuple[ModelTurn | None, list[tuple[str, str | None]]]:
    """Return the model turn in `data` (an object with `calls` and `text`), or the errors."""
    if type(data) is not dict and not isinstance(data, Mapping):
        return None, [(f"expected an object, got {type(data).__name__}", field or None)]
    prefix = f"{field}." if field else ""
    errors: list[tuple[str, str | None]] = []
    raw_calls = data.get("calls")
    raw_calls = [] if raw_calls is None else raw_calls
    if not isinstance(raw_calls, list):
        return None, [(f"expected a list, got {type(raw_calls).__name__}", f"{prefix}calls")]
    calls = []
    for k, c in enumerate(raw_calls):
        if type(c) is not dict and not isinstance(c, Mapping):
            errors.append(("expected an object with name and arguments", f"{prefix}calls[{k}]"))
            continue
        name = c.get("name")
        if type(name) is not str or not name:
            errors.append(("expected a function name (string)", f"{prefix}calls[{k}].name"))
            continue
        arguments = c.get("arguments")
        raw = None
        if type(arguments) is not dict:
            arguments, raw = decode_arguments(arguments)
        call_id = c.get("id")
        calls.append(ToolCall(name, arguments, raw, call_id if type(call_id) is str else None))
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        errors.append((f"expected a string or null, got {type(text).__name__}", f"{prefix}text"))
    if errors:
        return None, errors
    return ModelTurn(tuple(calls), text, None, _NO_USAGE), []


_NO_USAGE = Usage()
_LINE_KEYS = frozenset({"case_id", "provider_id", "calls", "text", "turns"})


def _parse_line(obj: Any, cases: Mapping[str, Case]) -> tuple[Output | None, list[tuple[str, str | None]]]:
    """Return the output of one decoded line, or its (message, field) errors."""
    if not isinstance(obj, Mapping):
        return None, [(f"expected a JSON object, got {type(obj).__name__}", None)]
    if not obj.keys() <= _LINE_KEYS:
        unknown = sorted(set(obj) - _LINE_KEYS)
        return None, [
            (f"unknown key {unknown[0]!r} (expected case_id, provider_id, calls, text, turns)", unknown[0])
        ]
    cid, pid = obj.get("case_id"), obj.get("provider_id", "")
    if not isinstance(cid, str) or not cid:
        return None, [("missing case_id (a string)", "case_id")]
    if not isinstance(pid, str):
        return None, [("provider_id must be a string", "provider_id")]
    case = cases.get(cid)
    if case is None:
        return None, [(f"unknown case id {cid!r} (not in the --cases files)", "case_id")]
    turns: list[ModelTurn] = []
    errors: list[tuple[str, str | None]] = []
    if "turns" in obj:
        if "calls" in obj or "text" in obj:
            return None, [("give either calls/text or turns, not both", "turns")]
        raw_turns = obj["turns"]
        if not isinstance(raw_turns, list) or not raw_turns:
            return None, [("turns: expected a non-empty list of {calls, text} or {steps}", "turns")]
        if any(isinstance(d, Mapping) and "steps" in d for d in raw_turns):
            stepped: list[tuple[ModelTurn, ...]] = []
            for t, data in enumerate(raw_turns):
                steps, errs = _parse_steps(data, f"turns[{t}]")
                errors.extend(errs)
                if steps is not None:
                    stepped.append(steps)
            if errors:
                return None, errors
            if not case.executable and len(stepped) > len(case.turns):
                return None, [
                    (f"turns: {len(stepped)} turns, but case {cid!r} has {len(case.turns)}", "turns")
                ]
            return (cid, pid, Steps(tuple(stepped)), 0), []
        if len(raw_turns) > len(case.turns) and not case.executable:
            return None, [(f"turns: {len(raw_turns)} turns, but case {cid!r} has {len(case.turns)}", "turns")]
        for t, data in enumerate(raw_turns):
            turn, errs = _parse_turn(data, f"turns[{t}]")
            errors.extend(errs)
            if turn is not None:
                turns.append(turn)
    else:
        turn, errs = _parse_turn(obj, "")
        errors.extend(errs)
        if turn is not None:
            turns.append(turn)
    if errors:
        return None, errors
    return (cid, pid, turns, 0), []


_scan_once: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # what json.loads runs


def _loads_line(line: str) -> Any:
    """`loads_json(line)`; an object line without surrounding blanks is scanned without its
    wrapper (the same scanner `json.loads` runs), anything else goes through `loads_json`."""
    if line[:1] == "{" and line[-1:] == "}" and line.count("{") + line.count("[") < MAX_DEPTH:
        try:
            obj, end = _scan_once(line, 0)
            if end == len(line):
                return obj
        except (StopIteration, ValueError, RecursionError):
            pass
    return loads_json(line)


def parse_outputs(path: Path, cases: Mapping[str, Case]) -> list[Output]:
    """Read an outputs JSONL file; raise UserError naming every bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read outputs file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    problems: list[Problem] = []
    outputs: list[Output] = []
    seen: dict[tuple[str, str], int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = _loads_line(line)
        except ValueError as exc:
            problems.append(Problem(f"not valid JSON: {exc}", file=str(path), line=n))
            continue
        out, errors = _parse_line(obj, cases)
        if errors:
            cid = (
                obj.get("case_id")
                if isinstance(obj, Mapping) and isinstance(obj.get("case_id"), str)
                else None
            )
            for message, field in errors:
                problems.append(Problem(message, file=str(path), line=n, case_id=cid, field=field))
        if out is None:
            continue
        key = (out[0], out[1])
        if key in seen:
            problems.append(
                Problem(
                    f"duplicate line for case {out[0]!r} × provider {out[1]!r} (first on line {seen[key]})",
                    file=str(path),
                    line=n,
                    case_id=out[0],
                )
            )
            continue
        seen[key] = n
        outputs.append((out[0], out[1], out[2], n))
    if problems:
        raise UserError(f"{path}: {len(problems)} problem(s) in the outputs file", tuple(problems))
    if not outputs:
        raise UserError(f"{path}: no outputs to grade (the file is empty)")
    return outputs
