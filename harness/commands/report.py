"""`fcharness report SOURCE... [--out DIR] [--run-id ID]`: rebuild every report from results.

A SOURCE is a run folder or a `results.jsonl`. Several sources (the shards of a run split
with `--shard I/N` over CI jobs) are merged into one set of reports and one `results.jsonl`
written to `--out`; a case × provider × trial found in two sources is an error naming both.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from harness._io import loads_json
from harness.errors import UserError
from harness.reports import ReportBuilder, results_file
from harness.run.config import Config, load_config
from harness.run.results import ResultRow, ResultsWriter, iter_results

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
    return list(_merged((iter(rows), file) for rows, file in sources))


def _merged(sources: Iterable[tuple[Iterator[ResultRow], Path]]) -> Iterator[ResultRow]:
    """Each source's rows in turn. An overlap is reported once every source has been read (a
    malformed row anywhere is reported first, as when the sources were read before merging)."""
    seen: dict[tuple[str, str, int], Path] = {}
    overlap: str | None = None
    for rows, file in sources:
        for row in rows:
            if overlap is not None:
                continue  # read on: a malformed row is reported before the overlap
            key = (row.case_id, row.provider_id, row.trial)
            first = seen.get(key)
            if first is None:
                seen[key] = file
                yield row
                continue
            where = "twice in" if first == file else f"in both {first} and"
            overlap = (
                f"case {row.case_id!r} on provider {row.provider_id!r} (trial {row.trial}) is {where} "
                f"{file}: shards must not overlap (the same shard given twice?)"
            )
    if overlap is not None:
        raise UserError(overlap)


def run(args: argparse.Namespace) -> int:
    """Rebuild every report (summary, CSVs, report.md, report.html, junit.xml); print the table.

    The rows are streamed: read once from the sources (and, merging, written to the merged
    results.jsonl as they are read); nothing is written when a source is bad or sources overlap.
    """
    config = load_config(getattr(args, "config", None))
    files = [results_file(s) for s in args.sources]
    if len(files) == 1:
        out = Path(args.out) if args.out else files[0].parent
        meta = _previous_meta(files[0].parent)
        if args.run_id:
            meta["run_id"] = args.run_id
    else:
        if not args.out:
            raise UserError("merging several results needs --out DIR (where the merged reports go)")
        out = Path(args.out)
        metas = [_previous_meta(f.parent) for f in files]
        providers = list(dict.fromkeys(p for m in metas for p in m.get("providers") or ()))
        meta = {
            "merged_from": [str(f) for f in files],
            **({"providers": providers} if providers else {}),
        }
        if args.run_id:
            meta["run_id"] = args.run_id
    created = not out.exists()
    try:
        table = _write(files, out, config, meta)
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    print(table)
    names = "summary.json, summary.csv, results.csv, report.md, report.html, junit.xml"
    what = "results.jsonl, " if len(files) > 1 else ""
    print(f"\nreports written to {out}/ ({what}{names})")
    return 0


def _write(files: list[Path], out: Path, config: Config, meta: dict[str, Any]) -> str:
    """Stream the rows of `files` into the reports in `out` (and, for several, a merged results.jsonl)."""
    with contextlib.ExitStack() as stack:
        out.mkdir(parents=True, exist_ok=True)
        builder = stack.enter_context(ReportBuilder(out, prices=config.prices))
        rows: Iterator[ResultRow] = iter_results(files[0])
        if len(files) > 1:
            # committed (renamed onto results.jsonl) when the block ends: after every report
            merged = stack.enter_context(ResultsWriter(out / "results.jsonl"))
            rows = _merged((iter_results(f), f) for f in files)
        for row in rows:
            if len(files) > 1:
                merged.write(row)
            builder.add(row)
        summary = builder.finish(meta)
        return builder.table(summary)
