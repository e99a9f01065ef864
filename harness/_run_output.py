"""What a run leaves behind: `reports/<run-id>/` and a refreshed `reports/latest/`.

The reports themselves (summary.json, report.md, report.html, junit.xml) and the terminal
table come from `harness.reports`; this module writes `results.jsonl`, calls it, and swaps
`latest/` in as a complete copy (a reader never sees a half-written folder).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness.config import Config
from harness.results import ResultRow, write_results

__all__ = ["refresh_latest", "render", "write_run_dir"]


def write_run_dir(reports_root: Path, run_id: str, rows: Sequence[ResultRow], config: Config | None) -> Path:
    """Write `results.jsonl` and the reports of a run; refresh `latest/`; return the run folder."""
    run_dir = reports_root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    write_results(run_dir / "results.jsonl", rows)
    try:
        from harness.reports import write_reports
    except ImportError:  # TEMPORARY until harness.reports lands on main
        write_reports = _fallback_reports
    write_reports(run_dir, list(rows), config=config)
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
    try:
        from harness.reports.table import render_table
    except ImportError:  # TEMPORARY until harness.reports lands on main
        return _fallback_table(rows)
    return render_table(list(rows))


def _fallback_reports(run_dir: Path, rows: list[ResultRow], *, config: Config | None = None) -> None:
    import json
    from collections import Counter
    from xml.sax.saxutils import escape

    from harness._io import atomic_write_text

    counts = Counter(r.status for r in rows)
    atomic_write_text(run_dir / "summary.json", json.dumps({"total": len(rows), **counts}, indent=2))
    cases = []
    for r in rows:
        body = ""
        if r.status in ("fail", "error", "stale"):
            body = f'<failure message="{escape(r.status)}">{escape(r.verdict.explain())}</failure>'
        elif r.status == "unsupported":
            body = "<skipped/>"
        cases.append(
            f'<testcase classname="{escape(r.provider_id)}" name="{escape(r.case_id)}">{body}</testcase>'
        )
    fails = sum(counts[s] for s in ("fail", "error", "stale"))
    xml = f'<?xml version="1.0"?>\n<testsuite name="fcharness" tests="{len(rows)}" failures="{fails}">'
    atomic_write_text(run_dir / "junit.xml", xml + "".join(cases) + "</testsuite>\n")


def _fallback_table(rows: Sequence[ResultRow]) -> str:
    from collections import Counter

    lines = []
    for pid in sorted({r.provider_id for r in rows}):
        c = Counter(r.status for r in rows if r.provider_id == pid)
        lines.append(f"{pid}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    lines += [r.verdict.explain() for r in rows if r.status not in ("pass", "unsupported")]
    return "\n".join(lines)
