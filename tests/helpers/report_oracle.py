"""The reports built whole from a list of rows: the oracle `ReportBuilder` is held to.

`harness.reports.builder.ReportBuilder` writes every report from a stream, in flat memory: it
spools each row's pieces and splices them back in report order by offset, renames testcases of
repeated cases after the fact, and takes each suite's figures from its running `Tally`.
`tests/reports/test_builder.py` checks its files byte for byte against these renderers, which
do the same the plain way, with every row in memory.

Shared with the product, so not checked by that comparison (each has its own format tests,
run on the product's files): the per-row pieces (`html.row_data`, `html.case_entry`,
`junit.testcase`, `markdown.failure_entry`, `metrics.explain_row`) and the frames
(`html.page_parts`, `markdown.markdown_text`, `junit.suite_properties` and `suite_figures`,
`ResultsCsv`).

The oracle's own, so what the comparison does prove:
- which rows are shown and in what order: sorting by (provider, case, trial), grouping by
  provider, the failing rows of report.md, the case entry kept for each case in report.html;
- trial naming (`case@trial` only where a case has several rows);
- each junit suite's counts and figures, computed here from the rows (`bucket_metrics`,
  `cost`), not from the running tally and summary the builder reads them from;
- one document assembled at once (one `json.dumps` of the page's data; one ElementTree
  indented as a whole), against the builder's pieces serialised one by one and joined;
- results.csv: every row, in arrival order (the same `ResultsCsv` writes both: only order and
  completeness are checked here; `tests/reports/test_csv.py` reads the cells back).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.reports import html as _html
from harness.reports import junit as _junit
from harness.reports.csv_export import ResultsCsv
from harness.reports.markdown import LIMIT, failure_entry, markdown_text
from harness.reports.metrics import bucket_metrics, cost, explain_row, multi_trial
from harness.run.config import Price
from harness.run.results import ResultRow

__all__ = ["render_html", "render_junit", "render_markdown", "write_results_csv"]


def _report_order(rows: Iterable[ResultRow]) -> list[ResultRow]:
    return sorted(rows, key=lambda r: (r.provider_id, r.case_id, r.trial))


def render_html(
    rows: Sequence[ResultRow],
    summary: Mapping[str, Any],
    *,
    run_id: str = "",
    meta: Mapping[str, Any] | None = None,
) -> str:
    """report.html: the page's data as one JSON object (see `harness.reports.html`)."""
    cases: dict[str, Any] = {}
    for r in rows:
        if r.case_id not in cases or (not cases[r.case_id]["case"] and r.case):
            cases[r.case_id] = _html.case_entry(r)
    title = f"fc-harness report — {run_id}" if run_id else "fc-harness report"
    data = {
        "title": title,
        "run_id": run_id,
        "meta": dict(meta or {}),
        "providers": list(summary["providers"]),
        "summary": summary,
        "cases": dict(sorted(cases.items())),
        "results": [_html.row_data(r) for r in _report_order(rows)],
    }
    head, tail = _html.page_parts(title)
    return head + _html.script_json(data) + tail


def render_markdown(
    rows: Sequence[ResultRow], summary: Mapping[str, Any], *, run_id: str = "", limit: int = LIMIT
) -> str:
    """report.md for `rows` and their `summary`, at most `limit` characters long."""
    failing = _report_order(r for r in rows if r.status in ("fail", "error", "stale"))
    by_provider: dict[str, list[ResultRow]] = {}
    for r in failing:
        by_provider.setdefault(r.provider_id, []).append(r)
    several = multi_trial(rows)

    def entries(prs: list[ResultRow]) -> Iterator[str]:
        for r in prs:
            trial = r.trial if (r.provider_id, r.case_id) in several else None
            yield failure_entry(r.case_id, r.category, r.source or r.category, trial, explain_row(r))

    groups = [(pid, len(prs), entries(prs)) for pid, prs in by_provider.items()]
    return markdown_text(summary, groups, len(failing), run_id=run_id, limit=limit)


def render_junit(
    rows: Sequence[ResultRow], *, run_id: str = "", prices: Mapping[str, Price] | None = None
) -> str:
    """junit.xml for `rows`, built as one tree and indented as a whole."""
    root = ET.Element("testsuites", name=f"fc-harness {run_id}".strip())
    by_provider: dict[str, list[ResultRow]] = defaultdict(list)
    for r in rows:
        by_provider[r.provider_id].append(r)
    totals: Counter[str] = Counter()
    for pid in sorted(by_provider):
        prs = _report_order(by_provider[pid])
        trials = Counter(r.case_id for r in prs)
        counts = Counter(r.status for r in prs)
        suite = ET.SubElement(root, "testsuite", name=pid)
        stats = {
            "tests": len(prs),
            "failures": counts["fail"],
            "errors": counts["error"] + counts["stale"],
            "skipped": counts["unsupported"],
        }
        for key, value in stats.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{sum(r.latency_ms or 0 for r in prs) / 1000:.3f}")
        figures = _junit.suite_figures(bucket_metrics(prs), cost(prs, prices)["usd"])
        props = ET.SubElement(suite, "properties")
        for name, value in _junit.suite_properties(pid, prs[0].model, prs[0].kind, figures):
            ET.SubElement(props, "property", name=name, value=value)
        for r in prs:
            name = r.case_id if trials[r.case_id] == 1 else f"{r.case_id}@{r.trial}"
            suite.append(_junit.testcase(r, name))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_results_csv(path: str | Path, rows: Iterable[ResultRow]) -> int:
    """results.csv from `rows` (any iterable, consumed once); return the row count."""
    with ResultsCsv(path) as out:
        for row in rows:
            out.add(row)
        return out.rows
