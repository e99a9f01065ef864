"""`fcharness providers [--format table|json]`: every kind and quirks profile with its capabilities."""

from __future__ import annotations

import argparse
import json

from harness.providers.capabilities import CHOICE_MODES, all_rows

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def run(args: argparse.Namespace) -> int:
    """Print the capabilities table; return 0."""
    rows = all_rows()
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
        return 0
    from tabulate import tabulate

    table = [
        [
            r.label,
            _yes(r.parallel_calls),
            _yes(r.disable_parallel),
            " ".join(m for m in CHOICE_MODES if m in r.tool_choice),
            _yes(r.strict),
            _yes(r.streaming),
            r.streamed_tool_deltas,
            r.max_tools if r.max_tools is not None else "-",
            "; ".join(r.notes),
        ]
        for r in rows
    ]
    headers = [
        "kind",
        "parallel",
        "disable parallel",
        "tool_choice",
        "strict",
        "stream",
        "streamed calls",
        "max tools",
        "notes",
    ]
    print(tabulate(table, headers=headers, tablefmt="simple"))
    return 0
