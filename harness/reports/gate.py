"""The baseline gate: compare results with a committed baseline and list regressions.

Baseline format (`reports/baseline.json`, written with sorted keys, one case per line):

```json
{
  "format": 1,
  "providers": {
    "emulator-openai-chat": {
      "cases": {"weather.beijing.tomorrow": "pass", "irrelevance.joke": "fail"},
      "counted": 2,
      "model": "emulator",
      "pass_rate": 50.0,
      "passed": 1
    }
  }
}
```

A case's status is pass | fail | error | stale | unsupported, or `flaky` when its trials
differ. `pass_rate` is in percent (unsupported excluded, as in every report).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness._io import atomic_write_text, loads_json
from harness.errors import UserError
from harness.reports.metrics import bucket_metrics, case_status, group_cases, row_kind
from harness.run.results import ResultRow

__all__ = [
    "BASELINE_FORMAT",
    "GateResult",
    "baseline_from_rows",
    "load_baseline",
    "render_gate",
    "run_gate",
    "write_baseline",
]

BASELINE_FORMAT = 1
_CASE_STATUSES = {"pass", "fail", "error", "stale", "unsupported", "flaky"}


def _pct(value: float | None) -> float:
    return round(100 * value, 2) if value is not None else 0.0


def baseline_from_rows(rows: Sequence[ResultRow]) -> dict[str, Any]:
    """Return the baseline dict for `rows`: per provider its pass rate and each case's status."""
    by_provider: dict[str, list[ResultRow]] = {}
    for r in rows:
        by_provider.setdefault(r.provider_id, []).append(r)
    providers: dict[str, Any] = {}
    for pid, prs in sorted(by_provider.items()):
        m = bucket_metrics(prs)
        providers[pid] = {
            "model": prs[0].model,
            "pass_rate": _pct(m["pass_rate"]),
            "passed": m["passed"],
            "counted": m["counted"],
            "cases": {cid: case_status(trials) for (_, cid), trials in sorted(group_cases(prs).items())},
        }
    return {"format": BASELINE_FORMAT, "providers": providers}


def write_baseline(path: str | Path, baseline: Mapping[str, Any]) -> None:
    """Write the baseline atomically, sorted and indented so a diff shows one line per case."""
    atomic_write_text(path, json.dumps(baseline, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def load_baseline(path: str | Path) -> dict[str, Any]:
    """Read and check a baseline file; any problem is a UserError naming the file and field."""
    p = Path(path)
    if not p.exists():
        raise UserError(
            f"{p}: baseline not found; create it with `fcharness gate --update-baseline --baseline {p}`"
        )
    try:
        data = loads_json(p.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{p}: baseline is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise UserError(f"{p}: field format: expected {BASELINE_FORMAT} (an fc-harness baseline)")
    providers = data.get("providers")
    if not isinstance(providers, dict):
        raise UserError(f"{p}: field providers: expected an object of provider ids")
    for pid, entry in providers.items():
        where = f"{p}: field providers.{pid}"
        if not isinstance(entry, dict):
            raise UserError(f"{where}: expected an object")
        if not isinstance(entry.get("pass_rate"), (int, float)) or isinstance(entry.get("pass_rate"), bool):
            raise UserError(f"{where}.pass_rate: expected a number (percent)")
        cases = entry.get("cases")
        if not isinstance(cases, dict):
            raise UserError(f"{where}.cases: expected an object of case id → status")
        for cid, status in cases.items():
            if status not in _CASE_STATUSES:
                raise UserError(
                    f"{where}.cases.{cid}: unknown status {status!r}; expected one of "
                    + ", ".join(sorted(_CASE_STATUSES))
                )
    return data


@dataclass
class GateResult:
    """What the gate found; `ok` is False when anything must block a merge."""

    regressions: list[str] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    unchanged_providers: int = 0

    @property
    def ok(self) -> bool:
        """Whether the results may pass the gate."""
        return not (self.regressions or self.drops or self.disappeared)


def _why(trials: Iterable[ResultRow]) -> str:
    for r in trials:
        if r.status == "pass":
            continue
        first = r.verdict.failures[0].message if r.verdict.failures else (r.error or "")
        first = first.splitlines()[0] if first else ""
        return f"{row_kind(r)}: {first}" if first else row_kind(r)
    return ""


def run_gate(
    baseline: Mapping[str, Any],
    rows: Sequence[ResultRow],
    *,
    max_drop: float = 0.0,
    providers: Sequence[str] = (),
) -> GateResult:
    """Compare `rows` with `baseline`, restricted to `providers` when given."""
    now = baseline_from_rows(rows)["providers"]
    base = baseline["providers"]
    groups = group_cases(rows)
    scope = list(providers) or sorted(set(base) | set(now))
    unknown = [p for p in scope if p not in base and p not in now]
    if unknown:
        raise UserError(f"provider id(s) {', '.join(unknown)} are in neither the baseline nor the results")
    res = GateResult()
    for pid in scope:
        if pid not in base:
            res.new.append(f"provider {pid} ({len(now[pid]['cases'])} cases; not in the baseline)")
            continue
        if pid not in now:
            res.disappeared.append(f"provider {pid}: in the baseline, no results now")
            continue
        b, n = base[pid], now[pid]
        for cid, bstatus in sorted(b["cases"].items()):
            nstatus = n["cases"].get(cid)
            if nstatus is None:
                res.disappeared.append(f"{pid}: case {cid} (was {bstatus}) has no result now")
            elif bstatus == "pass" and nstatus != "pass":
                why = _why(groups[(pid, cid)])
                res.regressions.append(f"{pid}: {cid}: pass → {nstatus}" + (f" ({why})" if why else ""))
            elif bstatus != "pass" and nstatus == "pass":
                res.improvements.append(f"{pid}: {cid}: {bstatus} → pass")
        res.new += [
            f"{pid}: case {cid} ({s})" for cid, s in sorted(n["cases"].items()) if cid not in b["cases"]
        ]
        drop = round(float(b["pass_rate"]) - n["pass_rate"], 2)
        if drop > max_drop:
            res.drops.append(
                f"{pid}: pass rate {b['pass_rate']:.2f}% → {n['pass_rate']:.2f}% "
                f"(−{drop:.2f} points; allowed {max_drop:g})"
            )
        elif drop < 0:
            res.improvements.append(f"{pid}: pass rate {b['pass_rate']:.2f}% → {n['pass_rate']:.2f}%")
        else:
            res.unchanged_providers += 1
    return res


def render_gate(res: GateResult, *, baseline_path: str, results_path: str) -> str:
    """Return the gate's report: verdict line, then each list that is not empty."""
    problems = len(res.regressions) + len(res.drops) + len(res.disappeared)
    head = "gate: PASS" if res.ok else f"gate: FAIL — {problems} problem(s)"
    lines = [f"{head} (baseline {baseline_path}, results {results_path})"]
    for title, items in (
        ("Regressions (passed in the baseline, not now)", res.regressions),
        ("Pass-rate drops beyond --max-drop", res.drops),
        ("Disappeared (in the baseline, missing now)", res.disappeared),
        ("Improvements", res.improvements),
        ("New (not in the baseline; update it with --update-baseline)", res.new),
    ):
        if items:
            lines.append(f"{title}: {len(items)}")
            lines += [f"  - {item}" for item in items]
    return "\n".join(lines)
