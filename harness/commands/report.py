"""`fcharness report RUN_DIR|results.jsonl [--out DIR]`: rebuild every report from a results file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness._io import loads_json
from harness.reports import load_run, render_table, write_reports
from harness.run.config import load_config

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("source", metavar="RUN_DIR|results.jsonl", help="a run folder or its results.jsonl")
    parser.add_argument(
        "--out", metavar="DIR", default=None, help="where to write (default: beside the results)"
    )


def _previous_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = loads_json((folder / "summary.json").read_text(encoding="utf-8")).get("meta")
    except (OSError, ValueError, AttributeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def run(args: argparse.Namespace) -> int:
    """Rebuild every report (summary, CSVs, report.md, report.html, junit.xml); print the table."""
    config = load_config(getattr(args, "config", None))
    rows, file = load_run(args.source)
    out = Path(args.out) if args.out else file.parent
    meta = _previous_meta(file.parent)
    write_reports(out, rows, config=config, meta=meta)
    print(render_table(rows, config.prices))
    names = "summary.json, summary.csv, results.csv, report.md, report.html, junit.xml"
    print(f"\nreports written to {out}/ ({names})")
    return 0
