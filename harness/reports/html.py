"""report.html: one self-contained page (inline CSS, JS and data; no network) rendered by vanilla JS.

The page template, stylesheet and script live beside this module (`report.html`,
`report.css`, `report.js`) and are inlined at build time. The data goes in a
`<script type="application/json">` tag with every `<` escaped, so no string in a prompt or
a model answer can close the tag.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from harness.reports.metrics import row_kind
from harness.run.results import ResultRow, turn_to_dict

__all__ = ["case_json", "page_parts", "render_html", "report_data", "row_json", "script_json"]


def _asset(name: str) -> str:
    return resources.files("harness.reports").joinpath(name).read_text(encoding="utf-8")


def _row_data(r: ResultRow) -> dict[str, Any]:
    return {
        "p": r.provider_id,
        "c": r.case_id,
        "trial": r.trial,
        "model": r.model,
        "status": r.status,
        "kind": row_kind(r),
        "failures": [f.to_dict() for f in r.verdict.failures],
        "turns": [turn_to_dict(t) for t in r.turns],
        "latency_ms": r.latency_ms,
        "usage": {"input_tokens": r.usage.input_tokens, "output_tokens": r.usage.output_tokens},
        "error": r.error,
        "cassette": r.cassette,
    }


def case_entry(r: ResultRow) -> dict[str, Any]:
    """The `cases` entry of the page for the case of `r`."""
    return {"category": r.category, "tags": list(r.tags), "source": r.source, "case": dict(r.case)}


def report_data(
    rows: Sequence[ResultRow],
    summary: Mapping[str, Any],
    *,
    run_id: str = "",
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the JSON the page renders: summary, one entry per case, one per row."""
    cases: dict[str, Any] = {}
    for r in rows:
        if r.case_id not in cases or (not cases[r.case_id]["case"] and r.case):
            cases[r.case_id] = case_entry(r)
    return {
        "title": f"fc-harness report — {run_id}" if run_id else "fc-harness report",
        "run_id": run_id,
        "meta": dict(meta or {}),
        "providers": list(summary["providers"]),
        "summary": summary,
        "cases": dict(sorted(cases.items())),
        "results": [_row_data(r) for r in sorted(rows, key=lambda r: (r.provider_id, r.case_id, r.trial))],
    }


def script_json(data: Any) -> str:
    """JSON text safe inside the page's data `<script>` (see `_script_json`)."""
    return _script_json(data)


def row_json(r: ResultRow) -> str:
    """One entry of the page's `results` list, as `script_json` text."""
    return _script_json(_row_data(r))


def case_json(r: ResultRow) -> str:
    """`"<case id>": {…}`, one member of the page's `cases` object, as `script_json` text."""
    return _script_json(r.case_id) + ": " + _script_json(case_entry(r))


def page_parts(title: str) -> tuple[str, str]:
    """The page before and after its data (the template with title, CSS and script filled in)."""
    page = _asset("report.html")
    # Replace the data last: user text must never be scanned for the other markers.
    for marker, value in (
        ("__TITLE__", html.escape(title)),
        ("/*__CSS__*/", _asset("report.css")),
        ("/*__JS__*/", _asset("report.js")),
    ):
        page = page.replace(marker, value, 1)
    head, _, tail = page.partition("__DATA__")
    return head, tail


def _script_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, default=str)
    # `<` never appears outside strings in JSON, so this keeps it valid and unclosable.
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(
    rows: Sequence[ResultRow],
    summary: Mapping[str, Any],
    *,
    run_id: str = "",
    meta: Mapping[str, Any] | None = None,
) -> str:
    """Return the self-contained report.html text."""
    data = report_data(rows, summary, run_id=run_id, meta=meta)
    head, tail = page_parts(data["title"])
    return head + _script_json(data) + tail
