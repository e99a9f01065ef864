"""What a run leaves behind: `reports/<run-id>/` (unique ids) and a refreshed `reports/latest/`.

The reports themselves (summary.json, summary.csv, results.csv, report.md, report.html,
junit.xml) and the terminal table come from `harness.reports`; this module writes
`results.jsonl`, calls it, and swaps `latest/` in as a complete copy (a reader never sees a
half-written folder).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.run.config import Config
from harness.run.results import ResultRow, write_results

__all__ = ["check_run_id", "new_run_id", "refresh_latest", "render", "write_run_dir"]


_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_run_id(run_id: str) -> str:
    """Return `run_id` if it is a plain folder name; UserError otherwise (no `/`, `..`, `latest`)."""
    if not _RUN_ID.fullmatch(run_id) or run_id == "latest":
        raise UserError(
            f"--run-id {run_id!r}: a run id is a plain name of letters, digits, '.', '_' and '-' "
            "(at most 100, not starting with '.' or '-', not 'latest'); it names reports/<run-id>/"
        )
    return run_id


def new_run_id(reports_root: Path, reserve: bool = True) -> str:
    """A UTC timestamp and a short random suffix; with `reserve`, the folder is created here.

    Two runs started in the same second get different ids: `os.mkdir` fails for the second
    one on the (astronomically rare) equal suffix, and it draws again.
    """
    base = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    if not reserve:
        return f"{base}-{secrets.token_hex(2)}"
    reports_root.mkdir(parents=True, exist_ok=True)
    while True:
        rid = f"{base}-{secrets.token_hex(2)}"
        try:
            (reports_root / rid).mkdir()
        except FileExistsError:
            continue
        return rid


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
    """Replace `reports_root/latest` by a complete copy of `run_dir`.

    The copy is made aside and renamed into place. A rename cannot replace a non-empty folder,
    so the old `latest` is first renamed away (to a unique name, removed afterwards) and the
    rename retried: with runs finishing at the same time, each attempt either installs a
    complete copy or moves a complete one aside, and the last run to finish wins. A reader
    never sees a half-written `latest/` (at worst, for an instant, none).
    """
    latest = reports_root / "latest"
    tmp = Path(tempfile.mkdtemp(prefix=".latest.", dir=reports_root))
    shutil.copytree(run_dir, tmp, dirs_exist_ok=True)
    aside: list[Path] = []
    try:
        for _ in range(1000):
            try:
                os.replace(tmp, latest)
                break
            except OSError:  # `latest` exists (not empty) or is not a folder: move it away
                old = Path(tempfile.mkdtemp(prefix=".latest.old.", dir=reports_root))
                try:
                    os.replace(latest, old)
                except FileNotFoundError:  # another run moved it first
                    old.rmdir()
                    continue
                except OSError:
                    old.rmdir()
                    raise
                aside.append(old)
        else:  # pragma: no cover - a thousand runs finishing in the same instant
            raise OSError(f"could not replace {latest}")
    finally:
        for old in aside:
            shutil.rmtree(old, ignore_errors=True)
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return latest


def render(rows: Sequence[ResultRow]) -> str:
    """The terminal comparison table of a run."""
    from harness.reports.table import render_table

    return render_table(list(rows))
