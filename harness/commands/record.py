"""`fcharness record`: record cassettes (record mode `all` unless `--record-mode`).

Needs the API key of each provider recorded (its profile's `api_key_env`); a missing key
is an error naming the variable. Without `-p`, only the `emulator-*` profiles are recorded:
real vendors cost money, so they are recorded only when named explicitly. `--trials K`
records K samples per case and provider (`<case-id>.yaml`, `<case-id>@2.yaml`, ...);
`fcharness run` replays every trial present.
"""

from __future__ import annotations

import argparse

from harness.cassettes.layout import RecordMode
from harness.commands._matrix_args import add_matrix_arguments, run_with
from harness.errors import UserError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `record`'s options."""
    add_matrix_arguments(parser)
    parser.add_argument("--trials", type=int, default=1, metavar="K", help="samples per case and provider")
    parser.add_argument(
        "--record-errors",
        action="store_true",
        help="keep an error answer (4xx/5xx, a stream's error event) as the cassette, to pin a vendor's "
        "error; by default such a case is reported as provider_error and nothing is saved",
    )


def run(args: argparse.Namespace) -> int:
    """Record, grade and report."""
    if args.trials < 1:
        raise UserError("--trials must be at least 1")
    if args.record_mode == "none":
        raise UserError("fcharness record --record-mode none would record nothing; use fcharness run")
    return run_with(args, RecordMode.ALL, trials=args.trials)
