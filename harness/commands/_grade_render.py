"""What `fcharness grade` prints: the per-provider summary, and the verdicts as JSON or a table.

`render_json` writes exactly `json.dumps(doc, ensure_ascii=False, indent=2)` of the document,
but builds each verdict from a template (failure values encoded by `_scalar`, any other type
left to `json.dumps`): the standard library's encoder is pure Python when it indents (it took
a third of a warm `grade --profile bfcl` run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from harness.model import Verdict

__all__ = ["render_json", "render_table", "summarize"]


def summarize(verdicts: Sequence[Verdict]) -> dict[str, dict[str, Any]]:
    """Per provider: total, passed, accuracy (and the separate tool/argument/schema rates)."""
    summary: dict[str, dict[str, Any]] = {}
    for v in verdicts:
        s = summary.setdefault(
            v.provider_id,
            {"total": 0, "passed": 0, "tool_selection_ok": 0, "arguments_ok": 0, "schema_ok": 0},
        )
        s["total"] += 1
        s["passed"] += v.passed
        s["tool_selection_ok"] += v.tool_selection_ok
        s["arguments_ok"] += v.arguments_ok
        s["schema_ok"] += v.schema_ok
    for s in summary.values():
        s["accuracy"] = round(s["passed"] / s["total"], 4)
    return summary


def render_json(verdicts: Sequence[Verdict], bfcl: Sequence[Any] | None = None) -> str:
    """The JSON document printed by `--format json`: `summary` and `verdicts` (and `bfcl`)."""
    parts = ['{\n  "summary": ', _indented(summarize(verdicts)), ',\n  "verdicts": ']
    parts.append("[\n" + ",\n".join(_verdict(v) for v in verdicts) + "\n  ]" if verdicts else "[]")
    if bfcl is not None:
        from harness.reports.bfcl import scores_to_dict

        parts += [',\n  "bfcl": ', _indented(scores_to_dict(bfcl))]
    return "".join(parts) + "\n}"


def _indented(value: Any, level: int = 1) -> str:
    """`json.dumps(value, indent=2)` as it appears `level` levels deep in the document."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


_TEMPLATE = (
    '    {{\n      "case_id": {},\n      "provider_id": {},\n      "status": {},\n      "passed": {},\n'
    '      "tool_selection_ok": {},\n      "arguments_ok": {},\n      "schema_ok": {},\n'
    '      "failures": {}\n    }}'
)
_FAILURE = (
    '        {{\n          "kind": {},\n          "turn": {},\n          "call": {},\n          "path": {},\n'
    '          "expected": {},\n          "actual": {},\n          "message": {}\n        }}'
)
_encode_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for a str


class _Generic(Exception):
    """A value the templates leave to `json.dumps` (a float, a list, a mapping, a subclass)."""


def _scalar(x: Any, indent: str = "          ") -> str:
    """`x` as `json.dumps(..., indent=2)` writes it at a line indented by `indent`."""
    t = type(x)
    if t is str:
        return _encode_string(x)
    if t is bool:
        return "true" if x else "false"
    if x is None:
        return "null"
    if t is int:
        return int.__repr__(x)
    if t is float:
        if x != x or x in (_INF, -_INF):
            return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")
        return float.__repr__(x)
    inner = indent + "  "
    if t is list:
        if not x:
            return "[]"
        return "[\n" + ",\n".join(inner + _scalar(i, inner) for i in x) + "\n" + indent + "]"
    if t is dict and all(type(k) is str for k in x):
        if not x:
            return "{}"
        items = (f"{inner}{_encode_string(k)}: {_scalar(v, inner)}" for k, v in x.items())
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    raise _Generic


_INF = float("inf")


def _verdict(v: Verdict) -> str:
    """One verdict of the `verdicts` list, indented as `json.dumps` indents it there."""
    try:
        head = [_scalar(x) for x in (v.case_id, v.provider_id, v.status)]
        flags = (v.passed, v.tool_selection_ok, v.arguments_ok, v.schema_ok)
        if any(type(f) is not bool for f in flags):
            raise _Generic
        failures = "[]"
        if v.failures:
            items = [
                _FAILURE.format(
                    *[_scalar(x) for x in (f.kind, f.turn, f.call, f.path, f.expected, f.actual)],
                    _scalar(f.message),
                )
                for f in v.failures
            ]
            failures = "[\n" + ",\n".join(items) + "\n      ]"
    except _Generic:
        return "    " + _indented(v.to_dict(), 2)
    return _TEMPLATE.format(*head, *("true" if f else "false" for f in flags), failures)


def render_table(verdicts: Sequence[Verdict], bfcl: Sequence[Any] | None = None) -> str:
    """A per-provider summary table (with `--profile bfcl`, BFCL's section), then the failures."""
    from tabulate import tabulate

    def pct(k: int, n: int) -> str:
        return f"{100 * k / n:.1f}%"

    rows = [
        [
            pid or "(none)",
            s["total"],
            s["passed"],
            pct(s["passed"], s["total"]),
            pct(s["tool_selection_ok"], s["total"]),
            pct(s["arguments_ok"], s["total"]),
            pct(s["schema_ok"], s["total"]),
        ]
        for pid, s in summarize(verdicts).items()
    ]
    headers = ["provider", "cases", "passed", "accuracy", "tool selection", "arguments", "schema valid"]
    parts = [tabulate(rows, headers=headers, tablefmt="github")]
    if bfcl is not None:
        from harness.reports.bfcl import render_bfcl

        parts.append("\n" + render_bfcl(list(bfcl)).rstrip())
    failing = [v for v in verdicts if not v.passed]
    if failing:
        parts.append(f"\nFailing ({len(failing)}):")
        parts.extend(v.explain() for v in failing)
    return "\n".join(parts)
