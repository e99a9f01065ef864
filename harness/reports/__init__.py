"""Reports of a run: summary.json, summary.csv, results.csv, report.md, report.html, junit.xml
and the terminal table.

Everything here reads `ResultRow`s only (from the runner or a results.jsonl), so a report can be
rebuilt later with `fcharness report RUN_DIR`. The files are built from a stream of rows
(`harness.reports.builder.ReportBuilder`): a run of any size is reported in flat memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError

if TYPE_CHECKING:  # the renderers are imported when used: `harness.reports.bfcl` needs none of them
    from harness.reports.builder import ReportBuilder
    from harness.reports.table import render_table
    from harness.run.config import Config
    from harness.run.results import ResultRow

__all__ = [
    "SUMMARY_FORMAT",
    "ReportBuilder",
    "build_summary",
    "load_run",
    "render_table",
    "results_file",
    "write_reports",
]


def __getattr__(name: str) -> Any:
    if name == "render_table":
        from harness.reports.table import render_table

        return render_table
    if name == "ReportBuilder":
        from harness.reports.builder import ReportBuilder

        return ReportBuilder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Bumped when summary.json changes incompatibly.
SUMMARY_FORMAT = 1


def build_summary(
    rows: Sequence[ResultRow],
    *,
    config: Config | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return summary.json's content: run id, metrics per provider and category, failures, cost."""
    from harness.reports.metrics import summarize

    run_id = (meta or {}).get("run_id") or (rows[0].run_id if rows else "")
    return {
        "format": SUMMARY_FORMAT,
        "run_id": run_id,
        "meta": {k: v for k, v in (meta or {}).items() if k != "run_id"},
        **summarize(rows, config.prices if config else None),
    }


def write_reports(
    run_dir: str | Path,
    rows: Iterable[ResultRow],
    *,
    config: Config | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write summary.json, summary.csv, results.csv, report.md, report.html and junit.xml into
    `run_dir`, each atomically; return summary.json's content.

    `rows` is read once, in order (a list, or a generator over results.jsonl): the reports are
    built by a `ReportBuilder`, which keeps counts and offsets, never the rows.
    """
    from harness.reports.builder import ReportBuilder

    with ReportBuilder(run_dir, prices=config.prices if config else None) as builder:
        for row in rows:
            builder.add(row)
        return builder.finish(meta or {}, summary_format=SUMMARY_FORMAT)


def results_file(path: str | Path) -> Path:
    """The results.jsonl of a run folder, or `path` itself; a UserError when it does not exist."""
    p = Path(path)
    file = p / "results.jsonl" if p.is_dir() else p
    if not file.exists():
        what = "run folder has no results.jsonl" if p.is_dir() else "results file not found"
        raise UserError(f"{file}: {what}")
    return file


def load_run(path: str | Path) -> tuple[list[ResultRow], Path]:
    """Read the rows of a run folder (its results.jsonl) or of a results.jsonl; return rows and file."""
    from harness.run.results import read_results

    file = results_file(path)
    return read_results(file), file
