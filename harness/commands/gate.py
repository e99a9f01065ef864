"""`fcharness gate`: compare results with the committed baseline; exit 1 on regressions."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.reports import results_file
from harness.reports.gate import (
    BASELINE_FORMAT,
    GatePolicy,
    baseline_from_rows,
    load_baseline,
    render_gate,
    run_gate,
    write_baseline,
)
from harness.run.config import load_config
from harness.run.config_tables import FLAKY_RULES

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument(
        "--baseline", metavar="FILE", default=None, help="baseline JSON (default: <reports>/baseline.json)"
    )
    parser.add_argument(
        "--results",
        metavar="FILE",
        default=None,
        help="results.jsonl or run folder (default: <reports>/latest/results.jsonl)",
    )
    parser.add_argument(
        "--max-drop",
        metavar="PCT",
        type=float,
        default=None,
        help="allowed drop of a provider's pass rate over the cases in both, in percentage points "
        "(default: [gate] max_drop, else 0)",
    )
    parser.add_argument(
        "--min-pass-rate",
        metavar="PCT",
        type=float,
        default=None,
        help="fail when a provider's pass rate is below PCT percent "
        "(absolute; default: [gate] min_pass_rate)",
    )
    parser.add_argument(
        "--flaky",
        choices=FLAKY_RULES,
        default=None,
        help="pass → flaky: tolerate (count its passing trials; the default) or fail (a regression)",
    )
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="only cases matching EXPR (as for run)")
    parser.add_argument(
        "-p",
        "--provider",
        dest="providers",
        action="append",
        default=[],
        metavar="ID",
        help="only these providers",
    )
    parser.add_argument(
        "--update-baseline", action="store_true", help="write the baseline from the results instead of gating"
    )


def run(args: argparse.Namespace) -> int:
    """Gate the results against the baseline (0 pass, 1 regressions, 2 bad input)."""
    for flag, value in (("--max-drop", args.max_drop), ("--min-pass-rate", args.min_pass_rate)):
        if value is not None and not 0 <= value <= 100:
            raise UserError(f"{flag} {value:g}: expected a number of percent between 0 and 100")
    config = load_config(getattr(args, "config", None))
    settings = config.gate
    policy = GatePolicy(
        max_drop=args.max_drop if args.max_drop is not None else (settings.default.max_drop or 0.0),
        min_pass_rate=(
            args.min_pass_rate if args.min_pass_rate is not None else settings.default.min_pass_rate
        ),
        flaky=args.flaky or settings.flaky,
        providers=settings.providers,
        categories=settings.categories,
    )
    reports = config.resolve(config.reports)
    baseline_path = Path(args.baseline) if args.baseline else reports / "baseline.json"
    from harness.reports.slim import read_slim  # what the gate reads of each row, not the rows

    results = results_file(args.results or reports / "latest" / "results.jsonl")
    rows = read_slim(results)
    if not rows:
        raise UserError(f"{results}: no result rows")
    if args.update_baseline:
        fresh = baseline_from_rows(rows)
        if args.providers:
            missing = [p for p in args.providers if p not in fresh["providers"]]
            if missing:
                raise UserError(f"{results}: no results for provider(s) {', '.join(missing)}")
            merged: dict[str, Any] = {"format": BASELINE_FORMAT, "providers": {}}
            if baseline_path.exists():
                merged = load_baseline(baseline_path)
            for pid in args.providers:
                merged["providers"][pid] = fresh["providers"][pid]
            fresh = merged
        write_baseline(baseline_path, fresh)
        n_cases = sum(len(p["cases"]) for p in fresh["providers"].values())
        print(
            f"baseline written: {baseline_path} ({len(fresh['providers'])} providers, {n_cases} case results)"
        )
        return 0
    baseline = load_baseline(baseline_path)
    result = run_gate(baseline, rows, providers=args.providers, policy=policy, keyword=args.keyword)
    print(render_gate(result, baseline_path=str(baseline_path), results_path=str(results)))
    return 0 if result.ok else 1
