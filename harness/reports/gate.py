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
differ (then `trials` holds `"passed/counted"` for it). `pass_rate` is in percent
(unsupported excluded, as in every report).

The gate's rules (docs/ci.md): a case that passed and does not now is a regression (pass →
flaky only with `flaky = "fail"`; tolerated, a flaky case counts by its share of passing
trials); each provider's pass rate over the cases present in both may drop by `max_drop`
points at most; `min_pass_rate` is an absolute floor over what runs now (cases not recorded
yet for a provider left out); baseline cases or providers with no result now fail. New
cases and new providers never fail the gate. `-k EXPR` limits both sides to matching cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness._io import atomic_write_text, loads_json
from harness.cases.selection import keyword_matcher
from harness.errors import UserError, suggest
from harness.reports.metrics import case_status, group_cases, pass_counts, rate
from harness.reports.slim import SlimRow, slim_rows
from harness.run.config_tables import Thresholds
from harness.run.results import ResultRow

__all__ = [
    "BASELINE_FORMAT",
    "GatePolicy",
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


def baseline_from_rows(rows: Sequence[ResultRow | SlimRow]) -> dict[str, Any]:
    """Return the baseline dict for `rows`: per provider its pass rate and each case's status."""
    by_provider: dict[str, list[SlimRow]] = {}
    for r in slim_rows(rows):
        by_provider.setdefault(r.provider_id, []).append(r)
    providers: dict[str, Any] = {}
    for pid, prs in sorted(by_provider.items()):
        passed, counted = pass_counts(r.status for r in prs)
        groups = sorted(group_cases(prs).items())
        providers[pid] = {
            "model": prs[0].model,
            "pass_rate": _pct(rate(passed, counted)),
            "passed": passed,
            "counted": counted,
            "cases": {cid: case_status(trials) for (_, cid), trials in groups},
        }
        flaky = {
            cid: f"{sum(r.status == 'pass' for r in t)}/{sum(r.status != 'unsupported' for r in t)}"
            for (_, cid), t in groups
            if case_status(t) == "flaky"
        }
        if flaky:
            providers[pid]["trials"] = flaky
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
        trials = entry.get("trials", {})
        if not isinstance(trials, dict) or not all(
            isinstance(v, str) and re.fullmatch(r"\d+/[1-9]\d*", v) for v in trials.values()
        ):
            raise UserError(f'{where}.trials: expected an object of case id → "passed/trials"')
        for cid, status in cases.items():
            if status not in _CASE_STATUSES:
                raise UserError(
                    f"{where}.cases.{cid}: unknown status {status!r}; expected one of "
                    + ", ".join(sorted(_CASE_STATUSES))
                )
    return data


@dataclass(frozen=True)
class GatePolicy:
    """The thresholds a gate applies (command line over `[gate]` of fcharness.toml)."""

    max_drop: float = 0.0
    """Percentage points a provider's pass rate may drop, over the cases in both."""
    min_pass_rate: float | None = None
    """Percent: a provider's pass rate now may not be lower."""
    flaky: str = "tolerate"
    """pass → flaky: `tolerate` (counted by its passing trials) or `fail` (a regression)."""
    providers: Mapping[str, Thresholds] = field(default_factory=dict)
    categories: Mapping[str, Thresholds] = field(default_factory=dict)

    def for_provider(self, pid: str) -> tuple[float, float | None, str]:
        """(max_drop, min_pass_rate, where they come from) for one provider."""
        own = self.providers.get(pid)
        if own is None:
            return self.max_drop, self.min_pass_rate, ""
        drop = own.max_drop if own.max_drop is not None else self.max_drop
        floor = own.min_pass_rate if own.min_pass_rate is not None else self.min_pass_rate
        return drop, floor, f" [gate.providers.{pid}]"


@dataclass
class GateResult:
    """What the gate found; `ok` is False when anything must block a merge."""

    regressions: list[str] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    unchanged_providers: int = 0

    @property
    def ok(self) -> bool:
        """Whether the results may pass the gate."""
        return not (self.regressions or self.drops or self.below or self.disappeared)


def _why(trials: Iterable[SlimRow]) -> str:
    return next((r.why for r in trials if r.status != "pass"), "")


def _fraction(status: str, trials: str | None) -> float | None:
    """A case's share of a pass: 1 pass, 0 fail/error/stale, c/n flaky; None = not counted."""
    if status == "unsupported":
        return None
    if status == "pass":
        return 1.0
    if status != "flaky":
        return 0.0
    if trials and "/" in trials:
        c, n = trials.split("/", 1)
        if c.isdigit() and n.isdigit() and int(n) > 0:
            return int(c) / int(n)
    return 0.5


def _now_fraction(trials: Sequence[SlimRow]) -> float | None:
    return rate(*pass_counts(r.status for r in trials))


def _rate(fractions: Iterable[float | None]) -> tuple[float | None, int]:
    counted = [f for f in fractions if f is not None]
    return (round(100 * sum(counted) / len(counted), 2) if counted else None), len(counted)


def _filter(
    groups: Mapping[tuple[str, str], list[SlimRow]], keyword: str | None
) -> dict[tuple[str, str], list[SlimRow]]:
    if not keyword:
        return dict(groups)
    match = keyword_matcher(keyword)
    out = {}
    for key, trials in groups.items():
        r = trials[0]
        if match([r.case_id, r.category, *r.tags, r.provider_id, r.source or ""]):
            out[key] = trials
    return out


def run_gate(
    baseline: Mapping[str, Any],
    rows: Sequence[ResultRow | SlimRow],
    *,
    max_drop: float = 0.0,
    providers: Sequence[str] = (),
    policy: GatePolicy | None = None,
    keyword: str | None = None,
) -> GateResult:
    """Compare `rows` with `baseline`, restricted to `providers` and to `-k keyword` when given.

    Regressions, disappeared cases and providers, pass-rate drops over the cases present in
    both, and the absolute floors fail the gate; new cases and new providers never do.
    """
    policy = policy or GatePolicy(max_drop=max_drop)
    all_groups = group_cases(slim_rows(rows))
    groups = _filter(all_groups, keyword)
    match = keyword_matcher(keyword)
    base = baseline["providers"]
    now_ids: dict[str, set[str]] = {}
    for pid, cid in groups:
        now_ids.setdefault(pid, set()).add(cid)
    everywhere = {pid for pid, _ in all_groups}
    scope = list(providers) or sorted(set(base) | everywhere)
    unknown = [p for p in scope if p not in base and p not in everywhere]
    if unknown:
        known = sorted(set(base) | everywhere)
        near = suggest(unknown[0], known)
        raise UserError(
            f"provider id(s) {', '.join(unknown)} are in neither the baseline nor the results{near}; "
            f"known: {', '.join(known)}"
        )
    res = GateResult()
    for pid in scope:
        now = {cid: groups[(pid, cid)] for cid in sorted(now_ids.get(pid, ()))}
        if pid not in base:
            if now:
                res.new.append(f"provider {pid} ({len(now)} cases; not in the baseline)")
            continue
        bcases: Mapping[str, str] = base[pid]["cases"]
        btrials: Mapping[str, str] = base[pid].get("trials") or {}
        wanted = {cid for cid in bcases if cid in now or ((pid, cid) not in all_groups and match([cid, pid]))}
        if pid not in everywhere:
            if wanted:
                res.disappeared.append(f"provider {pid}: in the baseline, no results now")
            continue
        _compare_cases(res, pid, bcases, now, wanted, policy)
        pairs = [
            (cid, _fraction(bcases[cid], btrials.get(cid)), _now_fraction(now[cid]))
            for cid in sorted(wanted & set(now))
        ]
        common = [(cid, b, n) for cid, b, n in pairs if b is not None and n is not None]
        drop_allowed, floor, source = policy.for_provider(pid)
        _check_drop(res, pid, common, drop_allowed, source)
        fresh_stale = {cid for cid, t in now.items() if cid not in bcases and case_status(t) == "stale"}
        judged = {cid: t for cid, t in now.items() if cid not in fresh_stale}
        _check_floor(res, pid, judged, floor, source)
        for cat, limits in sorted(policy.categories.items()):
            in_cat = {cid: t for cid, t in judged.items() if t[0].category == cat}
            if limits.max_drop is not None:
                _check_drop(
                    res,
                    f"{pid} [{cat}]",
                    [x for x in common if x[0] in in_cat],
                    limits.max_drop,
                    f" [gate.categories.{cat}]",
                )
            _check_floor(res, f"{pid} [{cat}]", in_cat, limits.min_pass_rate, f" [gate.categories.{cat}]")
    return res


def _compare_cases(
    res: GateResult,
    pid: str,
    bcases: Mapping[str, str],
    now: Mapping[str, list[SlimRow]],
    wanted: set[str],
    policy: GatePolicy,
) -> None:
    for cid in sorted(wanted):
        bstatus = bcases[cid]
        if cid not in now:
            res.disappeared.append(f"{pid}: case {cid} (was {bstatus}) has no result now")
            continue
        nstatus = case_status(now[cid])
        if bstatus == "pass" and nstatus == "flaky" and policy.flaky == "tolerate":
            frac = _now_fraction(now[cid]) or 0.0
            res.flaky.append(f"{pid}: {cid}: pass → flaky ({frac:.0%} of trials pass)")
        elif bstatus == "pass" and nstatus != "pass":
            why = _why(now[cid])
            res.regressions.append(f"{pid}: {cid}: pass → {nstatus}" + (f" ({why})" if why else ""))
        elif bstatus != "pass" and nstatus == "pass":
            res.improvements.append(f"{pid}: {cid}: {bstatus} → pass")
    res.new += [f"{pid}: case {cid} ({case_status(t)})" for cid, t in now.items() if cid not in bcases]


def _check_drop(
    res: GateResult, who: str, common: Sequence[tuple[str, float, float]], allowed: float, source: str
) -> None:
    before, n = _rate(b for _, b, _ in common)
    after, _ = _rate(x for _, _, x in common)
    if before is None or after is None:
        return
    drop = round(before - after, 2)
    over = f"over the {n} case(s) in both"
    if drop > allowed:
        res.drops.append(
            f"{who}: pass rate {before:.2f}% → {after:.2f}% {over} "
            f"(−{drop:.2f} points; allowed {allowed:g}{source})"
        )
    elif drop < 0:
        res.improvements.append(f"{who}: pass rate {before:.2f}% → {after:.2f}% {over}")
    elif ":" not in who and "[" not in who:
        res.unchanged_providers += 1


def _check_floor(
    res: GateResult, who: str, now: Mapping[str, list[SlimRow]], floor: float | None, source: str
) -> None:
    if floor is None:
        return
    rate_now, n = _rate(_now_fraction(t) for t in now.values())
    if rate_now is not None and rate_now < floor:
        res.below.append(
            f"{who}: pass rate {rate_now:.2f}% over {n} case(s) is below the minimum {floor:g}%"
            + (source or " (--min-pass-rate)")
        )


def render_gate(res: GateResult, *, baseline_path: str, results_path: str) -> str:
    """Return the gate's report: verdict line, then each list that is not empty."""
    problems = len(res.regressions) + len(res.drops) + len(res.below) + len(res.disappeared)
    head = "gate: PASS" if res.ok else f"gate: FAIL — {problems} problem(s)"
    lines = [f"{head} (baseline {baseline_path}, results {results_path})"]
    for title, items in (
        ("Regressions (passed in the baseline, not now)", res.regressions),
        ("Pass-rate drops beyond --max-drop", res.drops),
        ("Below the minimum pass rate", res.below),
        ("Disappeared (in the baseline, missing now)", res.disappeared),
        (
            'Became flaky (tolerated: counted by their passing trials; [gate] flaky = "fail" '
            "makes this a regression)",
            res.flaky,
        ),
        ("Improvements", res.improvements),
        ("New (not in the baseline; update it with --update-baseline)", res.new),
    ):
        if items:
            lines.append(f"{title}: {len(items)}")
            lines += [f"  - {item}" for item in items]
    return "\n".join(lines)
