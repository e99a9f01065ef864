"""`fcharness compare RUN_A RUN_B`: per-case side-by-side of two runs, as a table or Markdown."""

from __future__ import annotations

import argparse

from harness.reports import results_file
from harness.reports.compare import compare_runs, render_compare
from harness.reports.slim import read_slim

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
    """Print the comparison; exit 0 (use `gate` to fail on regressions).

    Each run's rows are read once, compactly (`harness.reports.slim`); the calls of a case are
    read again from its results.jsonl only when the two answers' digests differ."""
    file_a, file_b = results_file(args.run_a), results_file(args.run_b)
    ids: dict[str, str] = {}  # one copy of each case id for both runs (dropped once read)
    rows_a, rows_b = read_slim(file_a, ids), read_slim(file_b, ids)
    del ids
    result = compare_runs(rows_a, rows_b, pairs=args.pair, keep_same=args.all)
    print(
        render_compare(result, name_a=str(file_a), name_b=str(file_b), fmt=args.format, show_same=args.all),
        end="",
    )
    return 0
