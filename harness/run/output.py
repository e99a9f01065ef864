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
from pathlib import Path
from typing import Any

from harness.run.config import Config
from harness.run.results import ResultRow, write_results

__all__ = ["refresh_latest", "render", "write_run_dir"]


def write_run_dir(
    reports_root: Path,
    run_id: str,
    rows: Sequence[ResultRow],
    config: Config | None,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write `results.jsonl` and the reports of a run; refresh `latest/`; return the run folder."""
    run_dir = reports_root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
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
