"""Options shared by `fcharness run` and `fcharness record` (one group, `default=None`)."""

from __future__ import annotations

import argparse
import re

from harness.cases.selection import parse_shard
from harness.cassettes.layout import RECORD_MODES, RecordMode, coerce_record_mode
from harness.errors import UserError
from harness.run.config import load_config
from harness.run.runner import RunOptions
from harness.run.runner import run as run_matrix

__all__ = ["add_matrix_arguments", "run_with"]

PROFILES = ("default", "strict", "bfcl")


def add_matrix_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the case × provider options."""
    parser.add_argument("paths", nargs="*", metavar="PATHS", help="case files or folders (default: cases)")
    g = parser.add_argument_group("matrix")
    g.add_argument(
        "-p", "--provider", action="append", dest="providers", metavar="ID", help="provider id (repeatable)"
    )
    g.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="pytest-like expression over ids/categories/tags"
    )
    g.add_argument("--shard", metavar="I/N", help="run shard I of N (stable split)")
    g.add_argument("--record-mode", choices=RECORD_MODES, default=None, help="vcrpy record mode")
    g.add_argument("--concurrency", type=int, default=None, metavar="N", help="parallel calls when recording")
    g.add_argument("--profile", choices=PROFILES, default=None, help="grading profile")
    g.add_argument("--run-id", default=None, help="name of reports/<run-id>/ (default: a timestamp)")
    g.add_argument("--reports", default=None, metavar="DIR", help="reports folder (default: reports)")
    g.add_argument(
        "--base-url",
        action="append",
        default=[],
        metavar="ID=URL",
        help="point provider ID at another server (or set FCHARNESS_BASE_URL_<ID>)",
    )
    g.add_argument(
        "--replay-via-sdk",
        action="store_true",
        help="replay through the vendor SDK and vcrpy instead of the fast path",
    )
    g.add_argument(
        "--retries",
        type=int,
        default=4,
        metavar="N",
        help="when recording, retries of a transient failure (429, 5xx, no answer, a stream's error "
        "event) with exponential back-off (default: 4)",
    )
    bar = g.add_mutually_exclusive_group()
    bar.add_argument(
        "--progress",
        action="store_true",
        help="a progress bar on stderr even when it is not a terminal (default: when recording to one)",
    )
    bar.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def _base_urls(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        m = re.fullmatch(r"([^=\s]+)=(\S+)", item)
        if not m:
            raise UserError(
                f"--base-url {item!r}: expected ID=URL, e.g. emulator-openai-chat=http://127.0.0.1:8765/v1"
            )
        out[m.group(1)] = m.group(2)
    return out


def run_with(args: argparse.Namespace, default_mode: RecordMode, trials: int = 1) -> int:
    """Build RunOptions from parsed arguments, run, and return the exit code."""
    if args.concurrency is not None and args.concurrency < 1:
        raise UserError("--concurrency must be at least 1")
    if args.retries < 0:
        raise UserError("--retries must be at least 0")
    config = load_config(getattr(args, "config", None))
    mode = coerce_record_mode(args.record_mode) if args.record_mode else default_mode
    max_age = getattr(args, "max_age", None)
    if max_age is not None and not max_age > 0:
        raise UserError(f"--max-age must be a positive number of days, got {max_age:g}")
    if max_age is None:
        max_age = config.max_age_days
    options = RunOptions(
        paths=tuple(args.paths),
        providers=tuple(args.providers or ()),
        keyword=args.keyword,
        record_mode=mode,
        concurrency=args.concurrency,
        shard=parse_shard(args.shard),
        profile=args.profile,
        run_id=args.run_id,
        reports_dir=args.reports,
        replay_via_sdk=args.replay_via_sdk,
        trials=trials,
        base_urls=_base_urls(args.base_url),
        progress=False if args.no_progress else (True if args.progress else None),
        max_age_days=max_age,
        max_retries=args.retries,
        record_errors=getattr(args, "record_errors", False),
    )
    result = run_matrix(config, options)
    if result.run_dir is not None:
        print(f"reports: {result.run_dir}")
    return result.exit_code
