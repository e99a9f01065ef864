"""Reports of a run: summary.json, summary.csv, results.csv, report.md, report.html, junit.xml
and the terminal table.

Everything here reads `ResultRow`s only (from the runner or a results.jsonl), so a report can be
rebuilt later with `fcharness report RUN_DIR`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._io import atomic_write_text
from harness.errors import UserError

if TYPE_CHECKING:  # the renderers are imported when used: `harness.reports.bfcl` needs none of them
    from harness.reports.table import render_table
    from harness.run.config import Config
    from harness.run.results import ResultRow

__all__ = ["SUMMARY_FORMAT", "build_summary", "load_run", "render_table", "write_reports"]


def __getattr__(name: str) -> Any:
    if name == "render_table":
        from harness.reports.table import render_table

        return render_table
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
    rows: Sequence[ResultRow],
    *,
    config: Config | None = None,
    meta: Mapping[str, Any] | None = None,
) -> None:
    """Write summary.json, summary.csv, results.csv, report.md, report.html and junit.xml into
    `run_dir`, each atomically."""
    from harness.reports.csv_export import write_results_csv, write_summary_csv
    from harness.reports.html import render_html
    from harness.reports.junit import render_junit
    from harness.reports.markdown import render_markdown

    out = Path(run_dir)
    summary = build_summary(rows, config=config, meta=meta)
    run_id = summary["run_id"]
    atomic_write_text(
        out / "summary.json",
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n",
    )
    write_summary_csv(out / "summary.csv", summary)
    write_results_csv(out / "results.csv", rows)
    atomic_write_text(out / "report.md", render_markdown(rows, summary, run_id=run_id))
    atomic_write_text(out / "report.html", render_html(rows, summary, run_id=run_id, meta=summary["meta"]))
    prices = config.prices if config else None
    atomic_write_text(out / "junit.xml", render_junit(rows, run_id=run_id, prices=prices))


def load_run(path: str | Path) -> tuple[list[ResultRow], Path]:
    """Read the rows of a run folder (its results.jsonl) or of a results.jsonl; return rows and file."""
    from harness.run.results import read_results

    p = Path(path)
    file = p / "results.jsonl" if p.is_dir() else p
    if not file.exists():
        what = "run folder has no results.jsonl" if p.is_dir() else "results file not found"
        raise UserError(f"{file}: {what}")
    return read_results(file), file
