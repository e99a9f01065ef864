"""The reports the product writes for a list of rows, as texts: what the format tests read."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.reports import ReportBuilder
from harness.run.config import Price
from harness.run.results import ResultRow

__all__ = ["built_reports"]


def built_reports(
    rows: Iterable[ResultRow],
    *,
    run_id: str = "r1",
    prices: Mapping[str, Price] | None = None,
    md_limit: int | None = None,
) -> dict[str, str]:
    """Every file `ReportBuilder` writes for `rows` (as `fcharness run` and `report` do), by name;
    with `md_limit`, report.md is rendered again under that many characters."""
    with (
        tempfile.TemporaryDirectory(prefix="fcharness-reports-") as tmp,
        ReportBuilder(Path(tmp), prices=prices) as builder,
    ):
        for row in rows:
            builder.add(row)
        summary = builder.finish({"run_id": run_id})
        texts = {p.name: p.read_text(encoding="utf-8-sig") for p in sorted(Path(tmp).iterdir())}
        if md_limit is not None:
            texts["report.md"] = builder.markdown(summary, run_id, limit=md_limit)
        return texts
