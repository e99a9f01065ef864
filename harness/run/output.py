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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError
from harness.run.config import Config
from harness.run.results import ResultRow, ResultsWriter, read_results, write_results

if TYPE_CHECKING:
    from harness.reports.builder import ReportBuilder

__all__ = [
    "RunOutputs",
    "RunResult",
    "check_run_id",
    "exit_code",
    "new_run_id",
    "now_utc",
    "refresh_latest",
    "render",
    "write_run_dir",
]


@dataclass(frozen=True)
class RunResult:
    """How a run ended and where its rows are (they are not held in memory once written)."""

    run_id: str
    run_dir: Path | None
    ok: bool
    """Every row passed or is unsupported (exit code 0)."""
    kept: list[ResultRow] | None = None
    """The rows, when the run wrote no results.jsonl (`RunOptions.write_reports` off)."""

    @property
    def rows(self) -> list[ResultRow]:
        """The rows in job order: those kept, else read back from the run's results.jsonl."""
        if self.kept is not None or self.run_dir is None:
            return list(self.kept or ())
        return read_results(self.run_dir / "results.jsonl")

    @property
    def exit_code(self) -> int:
        """0 when every row passed or is unsupported, 1 otherwise (DESIGN.md §7)."""
        return 0 if self.ok else 1


class RunOutputs:
    """Where a run's rows go as they are produced: results.jsonl (`ResultsWriter`, temporary until
    `finish`) and the reports (`ReportBuilder`); kept in a list only when nothing is written."""

    def __init__(self, reports_root: Path, run_id: str, config: Config, *, write: bool, table: bool) -> None:
        self.root, self.run_id, self.config, self.table = reports_root, run_id, config, table
        self.writer: ResultsWriter | None = None
        self.builder: ReportBuilder | None = None
        self.kept: list[ResultRow] | None = None if write else []
        if write:
            reports_root.mkdir(parents=True, exist_ok=True)
            self.writer = ResultsWriter(reports_root / run_id / "results.jsonl", temp_dir=reports_root)
        if write or table:
            from harness.reports.builder import ReportBuilder

            out = reports_root / run_id if write else None
            self.builder = ReportBuilder(out, prices=config.prices, temp_dir=reports_root if out else None)

    def add(self, row: ResultRow) -> None:
        """Take one row (in job order)."""
        if self.writer is not None:
            self.writer.write(row)
        if self.builder is not None:
            self.builder.add(row)
        if self.kept is not None:
            self.kept.append(row)

    def abort(self) -> None:
        """The run failed: drop every temporary file."""
        if self.writer is not None:
            self.writer.abort()
        if self.builder is not None:
            self.builder.close()

    def finish(self, meta: Mapping[str, Any]) -> RunResult:
        """Write the run folder and refresh `latest/`; print the table when asked."""
        run_dir, builder = None, self.builder
        try:
            if self.writer is not None:
                run_dir = write_run_dir(self.root, self.run_id, (), self.config, meta, self.writer, builder)
            if self.table and builder is not None:  # the run's table has never shown costs
                print(builder.table(builder.summary(parity=False), show_cost=False))
        except BaseException:
            self.abort()
            raise
        if builder is not None:
            builder.close()
        ok = builder.tally.ok if builder is not None else exit_code(self.kept or ()) == 0
        return RunResult(self.run_id, run_dir, ok, self.kept)


def exit_code(rows: Iterable[ResultRow]) -> int:
    """0 when every row passed or is unsupported, 1 otherwise (stable, DESIGN.md §7)."""
    return 0 if all(r.status in ("pass", "unsupported") for r in rows) else 1


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


def now_utc() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_run_dir(
    reports_root: Path,
    run_id: str,
    rows: Sequence[ResultRow],
    config: Config | None,
    meta: Mapping[str, Any] | None = None,
    results: ResultsWriter | None = None,
    reports: ReportBuilder | None = None,
) -> Path:
    """Write `results.jsonl` and the reports of a run; refresh `latest/`; return the run folder.

    `results`: the rows were streamed to this writer as the run went; it is committed here.
    `reports`: ... and to this builder, which writes the reports (`rows` is then not read).
    """
    run_dir = reports_root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    if results is not None:
        results.commit()
    else:
        write_results(run_dir / "results.jsonl", rows)
    full_meta = {"run_id": run_id, **(meta or {})}
    if reports is not None:
        reports.finish(full_meta)
    else:
        from harness.reports import write_reports

        write_reports(run_dir, rows, config=config, meta=full_meta)
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
