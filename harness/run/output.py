"""What a run leaves behind: `reports/<run-id>/` and a refreshed `reports/latest/`.

The reports themselves (summary.json, summary.csv, results.csv, report.md, report.html,
junit.xml) and the terminal table come from `harness.reports`; this module writes
`results.jsonl`, calls it, and swaps `latest/` in as a complete copy (a reader never sees a
half-written folder).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.run.config import Config
from harness.run.results import ResultRow, ResultsWriter, write_results

__all__ = ["new_run_id", "now_utc", "refresh_latest", "render", "write_run_dir"]


def now_utc() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id(reports_root: Path) -> str:
    """A UTC timestamp id, suffixed when a run with the same id exists."""
    base = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    rid, n = base, 1
    while (reports_root / rid).exists():
        n += 1
        rid = f"{base}-{n}"
    return rid


def write_run_dir(
    reports_root: Path,
    run_id: str,
    rows: Sequence[ResultRow],
    config: Config | None,
    meta: Mapping[str, Any] | None = None,
    results: ResultsWriter | None = None,
) -> Path:
    """Write `results.jsonl` and the reports of a run; refresh `latest/`; return the run folder.

    `results`: the rows were streamed to this writer as the run went; it is committed here.
    """
    run_dir = reports_root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    if results is not None:
        results.commit()
    else:
        write_results(run_dir / "results.jsonl", rows)
    from harness.reports import write_reports

    write_reports(run_dir, list(rows), config=config, meta={"run_id": run_id, **(meta or {})})
    refresh_latest(reports_root, run_dir)
    return run_dir


def refresh_latest(reports_root: Path, run_dir: Path) -> Path:
    """Replace `reports_root/latest` by a copy of `run_dir` (copy aside, then two renames)."""
    latest = reports_root / "latest"
    tmp = Path(tempfile.mkdtemp(prefix=".latest.", dir=reports_root))
    shutil.copytree(run_dir, tmp, dirs_exist_ok=True)
    old = None
    if latest.exists() or latest.is_symlink():
        old = reports_root / f".latest.old.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(old)
        os.replace(latest, old)
    os.replace(tmp, latest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return latest


def render(rows: Sequence[ResultRow]) -> str:
    """The terminal comparison table of a run."""
    from harness.reports.table import render_table

    return render_table(list(rows))
