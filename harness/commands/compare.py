"""`fcharness compare RUN_A RUN_B`: per-case side-by-side of two runs, as a table or Markdown."""

from __future__ import annotations

import argparse

from harness.reports import load_run
from harness.reports.compare import compare_runs, render_compare

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("run_a", metavar="RUN_A", help="run folder or results.jsonl (before)")
    parser.add_argument("run_b", metavar="RUN_B", help="run folder or results.jsonl (after)")
    parser.add_argument("--format", choices=("table", "md"), default="table", help="output format")
    parser.add_argument(
        "--pair",
        action="append",
        default=[],
        metavar="A_ID=B_ID",
        help="compare provider A_ID of RUN_A with B_ID of RUN_B (default: same ids)",
    )
    parser.add_argument("--all", action="store_true", help="list unchanged cases too")


def run(args: argparse.Namespace) -> int:
    """Print the comparison; exit 0 (use `gate` to fail on regressions)."""
    rows_a, file_a = load_run(args.run_a)
    rows_b, file_b = load_run(args.run_b)
    result = compare_runs(rows_a, rows_b, pairs=args.pair)
    print(
        render_compare(result, name_a=str(file_a), name_b=str(file_b), fmt=args.format, show_same=args.all),
        end="",
    )
    return 0
