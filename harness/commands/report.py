"""`fcharness report SOURCE... [--out DIR] [--run-id ID]`: rebuild every report from results.

A SOURCE is a run folder or a `results.jsonl`. Several sources (the shards of a run split
with `--shard I/N` over CI jobs) are merged into one set of reports and one `results.jsonl`
written to `--out`; a case × provider × trial found in two sources is an error naming both.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness._io import loads_json
from harness.errors import UserError
from harness.reports import load_run, render_table, write_reports
from harness.run.config import load_config
from harness.run.results import ResultRow, write_results

__all__ = ["add_arguments", "merge_rows", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument(
        "sources",
        nargs="+",
        metavar="RUN_DIR|results.jsonl",
        help="a run folder or its results.jsonl; several are merged (the shards of one run)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="where to write (default: beside the results; required when merging)",
    )
    parser.add_argument(
        "--run-id", default=None, help="run id of merged reports (default: the first source's)"
    )


def _previous_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = loads_json((folder / "summary.json").read_text(encoding="utf-8")).get("meta")
    except (OSError, ValueError, AttributeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def merge_rows(sources: list[tuple[list[ResultRow], Path]]) -> list[ResultRow]:
    """The rows of every source, in order; a case × provider × trial in two sources is a UserError."""
    seen: dict[tuple[str, str, int], Path] = {}
    merged: list[ResultRow] = []
    for rows, file in sources:
        for row in rows:
            key = (row.case_id, row.provider_id, row.trial)
            first = seen.get(key)
            if first is not None:
                where = "twice in" if first == file else f"in both {first} and"
                raise UserError(
                    f"case {row.case_id!r} on provider {row.provider_id!r} (trial {row.trial}) is {where} "
                    f"{file}: shards must not overlap (the same shard given twice?)"
                )
            seen[key] = file
            merged.append(row)
    return merged


def run(args: argparse.Namespace) -> int:
    """Rebuild every report (summary, CSVs, report.md, report.html, junit.xml); print the table."""
    config = load_config(getattr(args, "config", None))
    loaded = [load_run(s) for s in args.sources]
    if len(loaded) == 1:
        rows, file = loaded[0]
        out = Path(args.out) if args.out else file.parent
        meta = _previous_meta(file.parent)
        if args.run_id:
            meta["run_id"] = args.run_id
    else:
        if not args.out:
            raise UserError("merging several results needs --out DIR (where the merged reports go)")
        rows = merge_rows(loaded)
        out = Path(args.out)
        metas = [_previous_meta(f.parent) for _, f in loaded]
        providers = list(dict.fromkeys(p for m in metas for p in m.get("providers") or ()))
        meta = {
            "run_id": args.run_id or (rows[0].run_id if rows else ""),
            "merged_from": [str(f) for _, f in loaded],
            **({"providers": providers} if providers else {}),
        }
        out.mkdir(parents=True, exist_ok=True)
        write_results(out / "results.jsonl", rows)
    write_reports(out, rows, config=config, meta=meta)
    print(render_table(rows, config.prices))
    names = "summary.json, summary.csv, results.csv, report.md, report.html, junit.xml"
    what = "results.jsonl, " if len(loaded) > 1 else ""
    print(f"\nreports written to {out}/ ({what}{names})")
    return 0
