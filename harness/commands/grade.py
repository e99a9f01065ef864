"""`fcharness grade`: grade outputs produced elsewhere (JSONL) against cases (README, "Commands").

Each line of `--outputs` is one case × provider:

    {"case_id": "weather.beijing.tomorrow", "provider_id": "my-model",
     "calls": [{"name": "get_weather", "arguments": {"location": "北京"}}], "text": "..."}

`arguments` is a JSON object or JSON text; text that does not decode to an object is graded
as `invalid_arguments_json` (never a crash); absent, null or "" means `{}`. A multi-turn
case's line may carry `"turns": [{"calls": [...], "text": ...}, ...]` instead of `calls`.
A case with executable backends (BFCL's multi-turn entries included) takes
`"turns": [{"steps": [[call, ...], ...]}, ...]` (DESIGN.md §9, stable): one entry per user turn,
one list of calls per model response; `--profile bfcl` grades it with BFCL's multi-turn checker,
the other profiles execute the calls on fresh backends and check `expect` and `expect_state`.

Exit codes: 0 every verdict passes, 1 any fails, 2 bad input (an unknown case id, a
malformed line, a duplicate case × provider line — each named with file and line).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness._io import MAX_DEPTH, loads_json
from harness.commands._grade_render import render_json, render_table, summarize
from harness.errors import Problem, UserError
from harness.model import Case, ModelTurn, ToolCall, Verdict

__all__ = [
    "Steps",
    "add_arguments",
    "grade_output",
    "parse_outputs",
    "render_json",
    "render_table",
    "run",
    "summarize",
    "warn_missing",
]


@dataclass(frozen=True)
class Steps:
    """The model's answers of a line with `turns: [{"steps": [[call, ...], ...]}, ...]`."""

    turns: tuple[tuple[ModelTurn, ...], ...]
    """Per user turn, one `ModelTurn` per model response (step), in order."""


Output = tuple[str, str, "list[ModelTurn] | Steps", int]
"""(case id, provider id, model turns or steps, line number) of one outputs line."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of `fcharness grade`."""
    parser.add_argument(
        "--cases", action="append", required=True, metavar="PATH", help="case file or folder (repeatable)"
    )
    parser.add_argument(
        "--outputs",
        required=True,
        metavar="FILE.jsonl",
        help="one JSON object per line: case_id, provider_id, calls (or turns), text",
    )
    parser.add_argument(
        "--profile",
        choices=("default", "strict", "bfcl"),
        default="default",
        help="grading profile (default: default)",
    )
    parser.add_argument(
        "--tool-names",
        choices=("exact", "sanitized"),
        default="exact",
        help="sanitized: `a_b` counts as the offered `a.b` (default: exact)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    parser.add_argument(
        "--report",
        metavar="DIR",
        default=None,
        help="also write DIR/<run-id>/ (results.jsonl, report.html, report.md, summary.json, junit.xml) "
        "and DIR/latest/",
    )


def warn_missing(loaded: Sequence[Case], outputs: Sequence[Output], cases: Mapping[str, Case]) -> list[str]:
    """One warning per provider that has no output line for some of the loaded cases."""
    got: dict[str, set[str]] = {}
    for cid, pid, _, _ in outputs:
        got.setdefault(pid, set()).add(cases[cid].id)
    warnings = []
    for pid, ids in sorted(got.items()):
        missing = [c.id for c in loaded if c.id not in ids]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            warnings.append(
                f"warning: {pid} has no output for {len(missing)} of {len(loaded)} case(s), "
                f"not graded: {shown}"
            )
    return warnings


def _write_report(
    root: Path, outputs: Sequence[Output], verdicts: Sequence[Verdict], cases: Mapping[str, Case]
) -> Path:
    from harness.run.output import new_run_id, write_run_dir
    from harness.run.results import ResultRow, case_summary

    run_id = new_run_id(root)
    rows = []
    for (cid, pid, turns, _), verdict in zip(outputs, verdicts, strict=True):
        case = cases[cid]
        rows.append(
            ResultRow(
                run_id=run_id,
                case_id=case.id,
                provider_id=pid,
                kind="outputs",
                model=pid,
                category=case.category,
                verdict=verdict,
                tags=tuple(case.tags),
                source=case.source,
                trial=1,
                turns=tuple(t for s in turns.turns for t in s) if isinstance(turns, Steps) else tuple(turns),
                case=case_summary(case),
            )
        )
    rows.sort(key=lambda r: (r.case_id, r.provider_id))
    return write_run_dir(root, run_id, rows, None, {"graded": "outputs file"})


def run(args: argparse.Namespace) -> int:
    """Grade the outputs file; print a table or JSON; return the exit code."""
    from harness.cases.cache import CaseCache
    from harness.cases.loader import load_cases
    from harness.cassettes.replay import cache_dir_for

    # the project's cache (beside fcharness.toml, or in the current folder)
    folder = cache_dir_for(Path(getattr(args, "config", None) or "fcharness.toml").resolve().parent)
    loaded = load_cases([Path(p) for p in args.cases], CaseCache(folder) if folder is not None else None)
    cases = {c.id: c for c in loaded}
    # Imported BFCL cases also answer to BFCL's own id (kept in meta when the case id differs).
    cases.update({c.meta["bfcl_id"]: c for c in loaded if c.meta.get("bfcl_id", c.id) not in cases})
    # Reading and grading allocate many long-lived objects and no cycles: the cyclic collector's
    # scans of them (and of the cases) were a sixth of a warm `--profile bfcl` run.
    enabled = gc.isenabled()
    gc.disable()
    try:
        outputs = parse_outputs(Path(args.outputs), cases)
        verdicts = [
            grade_output(cases[cid], pid, turns, args.profile, args.tool_names)
            for cid, pid, turns, _ in outputs
        ]
    finally:
        if enabled:
            gc.enable()
    for warning in warn_missing(loaded, outputs, cases):
        print(f"fcharness: {warning}", file=sys.stderr)
    bfcl = None
    if args.profile == "bfcl":
        from harness.reports.bfcl import bfcl_scores

        bfcl = bfcl_scores(loaded, verdicts)
    print(render_json(verdicts, bfcl) if args.format == "json" else render_table(verdicts, bfcl))
    if args.report:
        where = _write_report(Path(args.report), outputs, verdicts, cases)
        print(f"reports: {where}", file=sys.stderr)
    return 0 if all(v.passed for v in verdicts) else 1


def grade_output(
    case: Case, provider_id: str, turns: list[ModelTurn] | Steps, profile: str, tool_names: str
) -> Verdict:
    """Grade one outputs line; an executable-backend case's calls are executed for its state."""
    if not case.executable and not isinstance(turns, Steps):
        if profile == "bfcl":  # what `grade(profile="bfcl")` calls, without importing the grader
            from harness.bfcl.checker import grade as bfcl_grade

            return bfcl_grade(case, turns, provider_id=provider_id, tool_names=tool_names)
        from harness.grading.grader import grade

        return grade(case, turns, provider_id=provider_id, profile=profile, tool_names=tool_names)
    from harness.grading.executed import grade_steps
    from harness.grading.grader import grade

    steps = turns.turns if isinstance(turns, Steps) else tuple((t,) for t in turns)
    if not case.executable:
        merged = [
            ModelTurn(calls=tuple(c for s in t for c in s.calls), text=t[-1].text if t else None)
            for t in steps
        ]
        return grade(case, merged, provider_id=provider_id, profile=profile, tool_names=tool_names)
    states: list[Any] = []
    if profile != "bfcl":
        from harness.run.backends import replay_states

        states = replay_states(case, steps)
    return grade_steps(
        case, steps, states=states, provider_id=provider_id, profile=profile, tool_names=tool_names
    )


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


def _decode_arguments(value: Any) -> tuple[dict[str, Any] | None, str | None]:
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
        arguments, raw = _decode_arguments(c.get("arguments"))
        call_id = c.get("id")
        calls.append(ToolCall(name, arguments, raw, call_id if isinstance(call_id, str) else None))
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        errors.append((f"expected a string or null, got {type(text).__name__}", f"{prefix}text"))
    if errors:
        return None, errors
    return ModelTurn(calls=tuple(calls), text=text), []


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
