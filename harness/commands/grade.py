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
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from harness.commands._grade_render import render_json, render_table, summarize
from harness.commands._outputs import Output, Steps, parse_outputs
from harness.errors import UserError
from harness.model import TOOL_NAMES, Case, ModelTurn, Verdict

__all__ = [
    "Steps",
    "add_arguments",
    "grade_output",
    "parse_outputs",
    "render_json",
    "render_table",
    "run",
    "summarize",
    "tool_name_modes",
    "warn_missing",
]


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
        action="append",
        type=_tool_names_arg,
        default=[],
        metavar="[PROVIDER=]MODE",
        help="exact or sanitized (`a_b` counts as the offered `a.b`); PROVIDER=MODE sets one provider's "
        "mode, e.g. for BFCL's underscore_to_dot models (repeatable; default: exact)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    parser.add_argument(
        "--report",
        metavar="DIR",
        default=None,
        help="also write DIR/<run-id>/ (results.jsonl, report.html, report.md, summary.json, junit.xml) "
        "and DIR/latest/",
    )


def _tool_names_arg(value: str) -> tuple[str, str]:
    """`MODE` → ("", MODE); `PROVIDER=MODE` → (PROVIDER, MODE)."""
    provider, sep, mode = value.rpartition("=")
    if mode not in TOOL_NAMES or (sep and not provider):
        raise argparse.ArgumentTypeError(f"{value!r}: expected exact, sanitized, or PROVIDER=exact|sanitized")
    return provider, mode


def tool_name_modes(given: Sequence[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The default mode and the per-provider modes of the `--tool-names` options given.

    Raises UserError when the default or a provider's mode is given twice, differently.
    """
    default = ""
    modes: dict[str, str] = {}
    for provider, mode in given:
        before = modes.get(provider) if provider else default
        if before and before != mode:
            who = f"provider {provider!r}" if provider else "the default"
            raise UserError(f"--tool-names: {who} is given both {before} and {mode}")
        if provider:
            modes[provider] = mode
        else:
            default = mode
    return default or "exact", modes


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

    default, modes = tool_name_modes(args.tool_names)
    # the project's cache (beside fcharness.toml, or in the current folder)
    folder = cache_dir_for(Path(getattr(args, "config", None) or "fcharness.toml").resolve().parent)
    loaded = load_cases([Path(p) for p in args.cases], CaseCache(folder) if folder is not None else None)
    cases = {c.id: c for c in loaded}
    # Imported BFCL cases also answer to BFCL's own id (kept in meta when the case id differs).
    cases.update({c.meta["bfcl_id"]: c for c in loaded if c.meta.get("bfcl_id", c.id) not in cases})
    # Reading and grading allocate many long-lived objects and no cycles: the cyclic collector's
    # scans of them (and of the cases) were a sixth of a warm `--profile bfcl` run, and a third
    # when it resumed without the freeze (its next passes then scanned everything allocated).
    enabled = gc.isenabled()
    gc.disable()
    try:
        outputs = parse_outputs(Path(args.outputs), cases)
        verdicts = _grade_all(outputs, cases, args.profile, default, modes)
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
    for warning in warn_missing(loaded, outputs, cases):
        print(f"fcharness: {warning}", file=sys.stderr)
    unused = sorted(set(modes) - {pid for _, pid, _, _ in outputs})
    if unused:
        print(
            f"fcharness: warning: --tool-names names provider(s) with no output line: {', '.join(unused)}",
            file=sys.stderr,
        )
    bfcl = None
    if args.profile == "bfcl":
        from harness.reports.bfcl import bfcl_scores

        bfcl = bfcl_scores(loaded, verdicts)
    print(render_json(verdicts, bfcl) if args.format == "json" else render_table(verdicts, bfcl))
    if args.report:
        where = _write_report(Path(args.report), outputs, verdicts, cases)
        print(f"reports: {where}", file=sys.stderr)
    return 0 if all(v.passed for v in verdicts) else 1


def _grade_all(
    outputs: Sequence[Output], cases: Mapping[str, Case], profile: str, default: str, modes: Mapping[str, str]
) -> list[Verdict]:
    """Every outputs line's verdict, in order (`grade_output`, its plain grader looked up once)."""
    plain = _plain_grader(profile)
    get = modes.get
    verdicts = []
    for cid, pid, turns, _ in outputs:
        case = cases[cid]
        if not case.executable and not isinstance(turns, Steps):
            verdicts.append(plain(case, turns, provider_id=pid, tool_names=get(pid, default)))
        else:
            verdicts.append(grade_output(case, pid, turns, profile, get(pid, default)))
    return verdicts


def _plain_grader(profile: str) -> Callable[..., Verdict]:
    """`grade(case, turns, *, provider_id, tool_names)` of `profile` for turns without steps on a
    case without backends."""
    if profile == "bfcl":  # what `grade(profile="bfcl")` calls, without importing the grader
        from harness.bfcl.checker import grade as bfcl_grade

        return bfcl_grade
    from harness.grading.grader import grade

    return partial(grade, profile=profile)


def grade_output(
    case: Case, provider_id: str, turns: list[ModelTurn] | Steps, profile: str, tool_names: str
) -> Verdict:
    """Grade one outputs line; an executable-backend case's calls are executed for its state."""
    if not case.executable and not isinstance(turns, Steps):
        return _plain_grader(profile)(case, turns, provider_id=provider_id, tool_names=tool_names)
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
