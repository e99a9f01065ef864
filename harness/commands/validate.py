"""`fcharness validate [PATHS] [--portability] [--kind K]... [--format text|json]`.

Checks every case file under PATHS (default: `[harness] cases` of fcharness.toml) and
reports every problem in one run, each with file, line, case id and field path.
Exit 0 when there is no error (warnings are printed), 2 when there is any.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.cases.loader import check_provider_ids, validate_paths
from harness.errors import Problem
from harness.run.config import load_config

__all__ = ["add_arguments", "run"]

EXIT_OK = 0
EXIT_ERRORS = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of `fcharness validate`."""
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="case files or folders (default: from config)"
    )
    parser.add_argument(
        "--portability",
        action="store_true",
        help="also check how each tool schema translates to each vendor's dialect",
    )
    parser.add_argument(
        "--kind",
        action="append",
        default=None,
        metavar="K",
        help="with --portability: only this provider kind (repeatable; default: every adapter kind; "
        "openai-strict checks OpenAI strict mode)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    """Validate the case files; print problems and a summary; return the exit code."""
    paths: Sequence[str] = args.paths
    config = load_config(getattr(args, "config", None))
    if not paths:
        paths = [_display(config.resolve(p)) for p in config.cases]
    report = validate_paths(paths)
    order = {f: i for i, f in enumerate(report.files)}
    found = list(report.problems)
    if config.providers:  # skip/only ids are checked against the configured provider profiles
        found += check_provider_ids(report.cases, config.providers)
    problems = sorted(found, key=lambda p: (order.get(p.file or "", len(order)), p.line or 0))
    portability: list[Problem] = []
    if args.portability or args.kind:
        from harness.providers.portability import check_kinds, lint_cases

        kinds = check_kinds(args.kind) if args.kind else None
        portability = lint_cases(report.cases, kinds)
    errors = sum(1 for p in [*problems, *portability] if p.severity == "error")
    warnings = sum(1 for p in [*problems, *portability] if p.severity == "warning")
    if args.format == "json":
        _print_json(report, problems, portability, errors, warnings)
    else:
        _print_text(problems, portability)
        status = "ok" if not errors else "FAILED"
        print(
            f"{status}: {len(report.files)} file(s), {len(report.cases)} case(s), "
            f"{len(report.tools)} tool(s); {errors} error(s), {warnings} warning(s)"
            + (" (portability checked)" if args.portability or args.kind else "")
        )
    return EXIT_ERRORS if errors else EXIT_OK


def _display(path: Path) -> str:
    """`path` relative to the working folder when it lies below it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _print_text(problems: Sequence[Problem], portability: Sequence[Problem]) -> None:
    for p in problems:
        print(str(p))
    if portability:
        from harness.providers.portability import format_portability

        print(format_portability(portability))
    sys.stdout.flush()


def _problem_dict(p: Problem) -> dict[str, Any]:
    from harness.providers.portability import PortabilityProblem  # only --portability makes them

    extra = {"kind": p.kind, "tool": p.tool} if isinstance(p, PortabilityProblem) else {}
    return {
        **extra,
        "severity": p.severity,
        "file": p.file,
        "line": p.line,
        "case_id": p.case_id,
        "field": p.field,
        "message": p.message,
    }


def _print_json(
    report: Any, problems: Sequence[Problem], portability: Sequence[Problem], e: int, w: int
) -> None:
    out = {
        "ok": e == 0,
        "summary": {
            "files": len(report.files),
            "cases": len(report.cases),
            "tools": len(report.tools),
            "errors": e,
            "warnings": w,
        },
        "problems": [_problem_dict(p) for p in problems],
        "portability": [_problem_dict(p) for p in portability],
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
