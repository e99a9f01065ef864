"""CSV exports of a run, for spreadsheets: `results.csv` and `summary.csv`.

- `results.csv` — one row per case × provider × trial, in the order of `results.jsonl`:
  ids, category, tags, trial, status, outcome (the heatmap's label), the verdict's flags,
  failure kinds and explanation (turns and calls numbered from 0, as everywhere), the calls
  of each turn as JSON, the final text, latency, tokens, error and cassette.
- `summary.csv` — one row per provider and category (category `all` first): the metrics of
  summary.json (pass rate, tool selection, arguments, schema-valid and irrelevance
  accuracy, status counts, latency p50/p95, tokens, cost).

Written row by row (`ResultsCsv.add`) to a temporary file renamed into place on success, so a
run can stream its rows and a reader never sees half a file. UTF-8 with a byte-order mark
(spreadsheets then read Chinese as Chinese), `\\r\\n` line ends (RFC 4180). Model output is
untrusted: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets
a leading `'` so a spreadsheet never evaluates it as a formula.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from harness._io import atomic_writer
from harness.reports.metrics import row_kind
from harness.run.results import ResultRow

__all__ = [
    "RESULTS_COLUMNS",
    "SUMMARY_COLUMNS",
    "ResultsCsv",
    "read_csv",
    "result_record",
    "write_summary_csv",
]

RESULTS_COLUMNS: tuple[str, ...] = (
    "run_id",
    "case_id",
    "provider_id",
    "kind",
    "model",
    "category",
    "tags",
    "source",
    "trial",
    "status",
    "outcome",
    "passed",
    "tool_selection_ok",
    "arguments_ok",
    "schema_ok",
    "failure_kinds",
    "explanation",
    "turns",
    "calls",
    "text",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "error",
    "cassette",
)

SUMMARY_COLUMNS: tuple[str, ...] = (
    "provider_id",
    "kind",
    "model",
    "category",
    "total",
    "counted",
    "passed",
    "pass_rate",
    "tool_selection_accuracy",
    "argument_accuracy",
    "schema_valid_rate",
    "irrelevance_accuracy",
    "fail",
    "error",
    "stale",
    "unsupported",
    "latency_p50_ms",
    "latency_p95_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell: None → empty, booleans as true/false, text defused against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _explanation(row: ResultRow) -> str:
    parts = []
    for f in row.verdict.failures:
        where = f"turn {f.turn}" + (f", call {f.call}" if f.call is not None else "")
        parts.append(f"{f.kind} ({where}): {f.message}")
    return "\n".join(parts)


def _calls(row: ResultRow) -> str:
    turns = [
        [
            {"name": c.name, "arguments": c.arguments if c.arguments is not None else c.raw_arguments}
            for c in t.calls
        ]
        for t in row.turns
    ]
    return json.dumps(turns, ensure_ascii=False, separators=(",", ":"), default=str) if turns else ""


def result_record(row: ResultRow) -> dict[str, Any]:
    """The `results.csv` record of one row (values before cell formatting)."""
    v = row.verdict
    texts = [t.text for t in row.turns if t.text]
    return {
        "run_id": row.run_id,
        "case_id": row.case_id,
        "provider_id": row.provider_id,
        "kind": row.kind,
        "model": row.model,
        "category": row.category,
        "tags": " ".join(row.tags),
        "source": row.source,
        "trial": row.trial,
        "status": row.status,
        "outcome": row_kind(row),
        "passed": v.passed,
        "tool_selection_ok": v.tool_selection_ok,
        "arguments_ok": v.arguments_ok,
        "schema_ok": v.schema_ok,
        "failure_kinds": " ".join(dict.fromkeys(f.kind for f in v.failures)),
        "explanation": _explanation(row),
        "turns": len(row.turns),
        "calls": _calls(row),
        "text": texts[-1] if texts else None,
        "latency_ms": row.latency_ms,
        "input_tokens": row.usage.input_tokens,
        "output_tokens": row.usage.output_tokens,
        "error": row.error,
        "cassette": row.cassette,
    }


class ResultsCsv:
    """`results.csv`, written row by row: `with ResultsCsv(path) as out: out.add(row)`."""

    def __init__(self, path: str | Path, temp_dir: str | Path | None = None) -> None:
        self.path = Path(path)
        self._temp_dir = temp_dir
        self._stack = contextlib.ExitStack()
        self._writer: Any = None
        self.rows = 0

    def __enter__(self) -> ResultsCsv:
        fh = self._stack.enter_context(
            atomic_writer(self.path, encoding="utf-8-sig", temp_dir=self._temp_dir)
        )
        self._writer = csv.writer(fh, lineterminator="\r\n")
        self._writer.writerow(RESULTS_COLUMNS)
        return self

    def add(self, row: ResultRow) -> None:
        """Append one result row."""
        record = result_record(row)
        self._writer.writerow([_cell(record[c]) for c in RESULTS_COLUMNS])
        self.rows += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.__exit__(exc_type, exc, tb)


def _summary_record(pid: str, provider: Mapping[str, Any], category: str, m: Mapping[str, Any]) -> list[Any]:
    sc = m.get("status_counts") or {}
    lat = m.get("latency_ms") or {}
    tok = m.get("tokens") or {}
    cost = (m.get("cost") or {}).get("usd") if category == "all" else None
    values = {
        "provider_id": pid,
        "kind": provider.get("kind"),
        "model": provider.get("model"),
        "category": category,
        "total": m.get("total"),
        "counted": m.get("counted"),
        "passed": m.get("passed"),
        "pass_rate": m.get("pass_rate"),
        "tool_selection_accuracy": m.get("tool_selection_accuracy"),
        "argument_accuracy": m.get("argument_accuracy"),
        "schema_valid_rate": m.get("schema_valid_rate"),
        "irrelevance_accuracy": m.get("irrelevance_accuracy"),
        "fail": sc.get("fail"),
        "error": sc.get("error"),
        "stale": sc.get("stale"),
        "unsupported": sc.get("unsupported"),
        "latency_p50_ms": lat.get("p50"),
        "latency_p95_ms": lat.get("p95"),
        "input_tokens": tok.get("input"),
        "output_tokens": tok.get("output"),
        "cost_usd": cost,
    }
    return [_cell(values[c]) for c in SUMMARY_COLUMNS]


def write_summary_csv(path: str | Path, summary: Mapping[str, Any]) -> int:
    """Write `summary.csv` from summary.json's content; return the row count."""
    count = 0
    with atomic_writer(path, encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(SUMMARY_COLUMNS)
        providers: Mapping[str, Any] = summary.get("providers") or {}
        for pid, provider in providers.items():
            writer.writerow(_summary_record(pid, provider, "all", provider))
            count += 1
            categories: Mapping[str, Any] = provider.get("categories") or {}
            for cat in sorted(categories):
                writer.writerow(_summary_record(pid, provider, cat, categories[cat]))
                count += 1
    return count


def read_csv(path: str | Path) -> Sequence[dict[str, str]]:
    """Read a CSV written here back as dicts (for tests and scripts)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
