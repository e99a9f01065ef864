"""report.html: one self-contained page (inline CSS, JS and data; no network) rendered by vanilla JS.

The page template, stylesheet and script live beside this module (`report.html`,
`report.css`, `report.js`) and are inlined at build time. The data goes in a
`<script type="application/json">` tag with every `<` escaped, so no string in a prompt or
a model answer can close the tag.

The data is one JSON object: `title`, `run_id`, `meta`, `providers`, `summary` (summary.json's
content), `cases` (by case id, sorted; each case's entry is that of its first row carrying the
case, else of its first row) and `results` (`row_data` of every row, sorted by provider, case
and trial). `harness.reports.builder.ReportBuilder` writes it piece by piece from the parts
below; `tests/helpers/report_oracle.py` builds it whole.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from harness.reports.metrics import row_kind
from harness.run.results import ResultRow, turn_to_dict

__all__ = ["case_entry", "case_json", "page_parts", "row_data", "row_json", "script_json"]


def _asset(name: str) -> str:
    return resources.files("harness.reports").joinpath(name).read_text(encoding="utf-8")


def row_data(r: ResultRow) -> dict[str, Any]:
    """One entry of the page's `results` list."""
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


def script_json(data: Any) -> str:
    """JSON text safe inside the page's data `<script>` (see `_script_json`)."""
    return _script_json(data)


def row_json(r: ResultRow) -> str:
    """One entry of the page's `results` list, as `script_json` text."""
    return _script_json(row_data(r))


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
