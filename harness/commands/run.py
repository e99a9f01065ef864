"""`fcharness run`: replay (by default) every case on every provider, grade, report.

Providers default to every profile in `fcharness.toml` that has a folder under
`cassettes/`. Replay never needs a key. `--max-age DAYS` (or `[cassettes] max_age_days` in
`fcharness.toml`) marks recordings older than DAYS, or without a recording date, `stale`.
Exit 0 when every row passed or is unsupported,
1 when any failed, errored or is stale, 2 on usage/config/input errors.
"""

from __future__ import annotations

import argparse

from harness.cassettes.layout import RecordMode
from harness.commands._matrix_args import add_matrix_arguments, run_with

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `run`'s options."""
    add_matrix_arguments(parser)
    parser.add_argument(
        "--max-age",
        type=float,
        default=None,
        metavar="DAYS",
        help="mark cassettes recorded more than DAYS ago stale (default: [cassettes] max_age_days)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the matrix in record mode `none` unless `--record-mode` says otherwise."""
    return run_with(args, RecordMode.NONE)
